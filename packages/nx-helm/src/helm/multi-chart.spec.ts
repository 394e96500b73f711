import { join } from 'node:path';
import { countingHelm } from '../testing/counting-helm';
import { helm3, mainHelm } from '../testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import type { HelmRunner } from './helm-runner';
import { lintCharts, lintSections, packageCharts } from './multi-chart';

/** Real helm behind a wrapper that counts its processes. */
describe.each([
  ['helm 4', mainHelm],
  ['helm 3', helm3],
])('lintCharts / packageCharts (%s)', (_label, binary) => {
  let workspace: TempWorkspace;
  let helm: HelmRunner;
  let processes: () => number;
  const chart = (name: string, template = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\n') => {
    workspace.write(`${name}/Chart.yaml`, `apiVersion: v2\nname: ${name}\nversion: 1.0.0\nicon: https://example.com/i.png\n`);
    workspace.write(`${name}/values.yaml`, 'x: 1\n');
    workspace.write(`${name}/templates/cm.yaml`, template);
    return join(workspace.root, name);
  };

  beforeEach(async () => {
    workspace = createTempWorkspace('nx-helm-multi-');
    ({ helm, processes } = await countingHelm(workspace, binary()));
  });
  afterEach(() => workspace.dispose());

  it('lints several charts in one helm process, each result what its own helm lint gives', async () => {
    const dirs = ['a', 'b', 'c'].map((name) => chart(name));
    const results = await lintCharts(helm, dirs, ['--strict']);
    expect(processes()).toBe(1);
    for (const [index, dir] of dirs.entries()) {
      const alone = await helm.run(['lint', dir, '--strict']);
      expect({ ...results[index], command: alone.command }).toEqual(alone);
    }
  });

  it('gives a failing chart its own failure, and the others their success, in a few processes', async () => {
    const dirs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((name) =>
      chart(name, name === 'f' ? '{{ .Values.x | nosuchfunction }}\n' : undefined),
    );
    const results = await lintCharts(helm, dirs, ['--strict']);
    // The group, then halves down to the failing chart: 1 + 2 + 2 + 2.
    expect(processes()).toBe(7);
    expect(results.map((result) => result.failed)).toEqual([false, false, false, false, false, true, false, false]);
    const alone = await helm.run(['lint', dirs[5], '--strict']);
    expect(results[5].stdout).toBe(alone.stdout);
    expect(results[5].stderr).toBe(alone.stderr);
    expect(`${results[5].stdout}${results[5].stderr}`).toContain('nosuchfunction');
  });

  it('lints charts with values files of the same content in one process, each chart named with its own file', async () => {
    const dirs = ['a', 'b', 'c'].map((name) =>
      chart(name, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required "cmName" .Values.cmName }}\n'),
    );
    const files = ['a', 'b', 'c'].map((name) => workspace.write(`${name}/ci/x-values.yaml`, 'cmName: cm\n'));
    const results = await lintCharts(helm, dirs, ['--strict'], { valuesFiles: files });
    expect(processes()).toBe(1);
    expect(results.map((result) => [result.failed, result.args.at(-1)])).toEqual(files.map((file) => [false, file]));
    // A template that needs a value the file lacks: b alone fails, run with its own file.
    workspace.write('b/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required "other" .Values.other }}\n');
    const again = await lintCharts(helm, dirs, ['--strict'], { valuesFiles: files });
    expect(again.map((result) => result.failed)).toEqual([false, true, false]);
    expect(again[1].args).toEqual(['lint', dirs[1], '--strict', '--values', files[1]]);
  });

  it('packages several charts in one helm process; a chart that cannot be packaged fails alone', async () => {
    const dirs = ['a', 'b', 'c'].map((name) => chart(name));
    workspace.write('c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: not-a-version\n');
    const results = await packageCharts(helm, dirs, join(workspace.root, 'out'));
    expect(results.map((result) => result.failed)).toEqual([false, false, true]);
    expect(results[0].stdout).toBe(`Successfully packaged chart and saved it to: ${join(workspace.root, 'out/a-1.0.0.tgz')}`);
    expect(results[1].stdout).toContain('out/b-1.0.0.tgz');
    expect(results[2].stderr).toMatch(/version/i);
    expect(processes()).toBe(3);
  });

  it('stops at the deadline: no command is started after it', async () => {
    const dirs = ['a', 'b'].map((name) => chart(name));
    const results = await lintCharts(helm, dirs, [], { deadline: Date.now() - 1 });
    expect(results.map((result) => [result.failed, result.timedOut])).toEqual([
      [true, true],
      [true, true],
    ]);
    expect(processes()).toBe(0);
  });
});

describe('lintSections', () => {
  it('splits helm lint output per chart folder, and refuses output of another shape', () => {
    const output = '==> Linting /t/a\n[INFO] x\n\n==> Linting /t/b\n[INFO] y\n\n2 chart(s) linted, 0 chart(s) failed';
    expect(lintSections(output, ['/t/a', '/t/b'])).toEqual(['==> Linting /t/a\n[INFO] x', '==> Linting /t/b\n[INFO] y']);
    expect(lintSections(output, ['/t/b', '/t/a'])).toBeUndefined();
    expect(lintSections(output.replace('2 chart(s)', '3 chart(s)'), ['/t/a', '/t/b'])).toBeUndefined();
  });
});
