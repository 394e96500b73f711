import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { parseHelmTemplateOutput, serializeRendering } from '../render/rendered-manifest';
import { REPOSITORY_ROOT } from '../testing/example-charts';
import { countingHelm } from '../testing/counting-helm';
import { helm3, mainHelm } from '../testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import type { HelmRunner } from './helm-runner';
import { templateCharts } from './multi-chart';

const FLAGS = ['--namespace', 'apps', '--kube-version', '1.31.0', '--include-crds'];

/** Real helm behind a wrapper that counts its processes. */
describe.each([
  ['helm 4', mainHelm],
  ['helm 3', helm3],
])('templateCharts (%s)', (_label, binary) => {
  let workspace: TempWorkspace;
  let helm: HelmRunner;
  let processes: () => number;
  const created = (name: string) => {
    execFileSync(binary(), ['create', name], { cwd: workspace.root, stdio: 'ignore' });
    return join(workspace.root, name);
  };
  /** What a chart's own helm template gives, normalised as render writes it. */
  const alone = async (dir: string, name: string, valuesFile?: string) => {
    const result = await helm.run(['template', 'release-name', dir, ...FLAGS, ...(valuesFile ? ['--values', valuesFile] : [])]);
    expect(result.failed).toBe(false);
    return serializeRendering(parseHelmTemplateOutput(result.stdout, name).objects);
  };

  beforeEach(async () => {
    workspace = createTempWorkspace('nx-helm-template-');
    // Counted from here: the charts are made and built with helm itself, not through the wrapper.
    ({ helm, processes } = await countingHelm(workspace, binary()));
  });
  afterEach(() => workspace.dispose());

  it('renders several charts in one helm process, each output what its own helm template gives', async () => {
    const names = ['alpha', 'beta', 'gamma'];
    const dirs = names.map(created);
    // An example chart with a subchart (a library) and CRDs, as a chart's own dependencies.
    cpSync(join(REPOSITORY_ROOT, 'charts/common'), join(workspace.root, 'common'), { recursive: true });
    cpSync(join(REPOSITORY_ROOT, 'charts/worker'), join(workspace.root, 'worker'), { recursive: true });
    workspace.write(
      'worker/crds/things.yaml',
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.example.com\n',
    );
    execFileSync(binary(), ['dependency', 'build', join(workspace.root, 'worker')], { stdio: 'ignore' });
    names.push('worker');
    dirs.push(join(workspace.root, 'worker'));
    const results = await templateCharts(
      helm,
      names.map((name, index) => ({ dir: dirs[index], name })),
      'release-name',
      FLAGS,
      {},
    );
    expect(processes()).toBe(1);
    for (const [index, name] of names.entries()) {
      expect(results[index].failed).toBe(false);
      expect(serializeRendering(parseHelmTemplateOutput(results[index].stdout, name).objects)).toBe(await alone(dirs[index], name));
    }
    expect(results[3].stdout).toContain('# Source: worker/crds/things.yaml');
  });

  it('gives each chart its values file as its own --values does, nested under its name', async () => {
    const names = ['alpha', 'beta'];
    const dirs = names.map(created);
    const values = workspace.write(
      'values.yaml',
      '# a comment\nreplicaCount: 3\nimage:\n  tag: &tag "1.2"\npodAnnotations:\n  note: |\n    two\n    lines\n  tag: *tag\nserviceAccount:\n  create: false\n',
    );
    const results = await templateCharts(
      helm,
      names.map((name, index) => ({ dir: dirs[index], name, valuesFile: values })),
      'release-name',
      FLAGS,
      {},
    );
    expect(processes()).toBe(1);
    for (const [index, name] of names.entries()) {
      const expected = await alone(dirs[index], name, values);
      expect(expected).toContain('replicas: 3');
      expect(serializeRendering(parseHelmTemplateOutput(results[index].stdout, name).objects)).toBe(expected);
    }
  });

  it("gives a failing chart helm's own failure, and the others their output, in a few processes", async () => {
    const names = ['a', 'b', 'c', 'd'];
    const dirs = names.map(created);
    workspace.write('c/templates/broken.yaml', '{{ .Values.x | nosuchfunction }}\n');
    const results = await templateCharts(
      helm,
      names.map((name, index) => ({ dir: dirs[index], name })),
      'release-name',
      FLAGS,
      {},
    );
    // The group, then halves down to the failing chart: 1 + 2 + 2.
    expect(processes()).toBe(5);
    expect(results.map((result) => result.failed)).toEqual([false, false, true, false]);
    expect(results[2].stderr).toContain('nosuchfunction');
    expect(serializeRendering(parseHelmTemplateOutput(results[3].stdout, 'd').objects)).toBe(await alone(dirs[3], 'd'));
  });
});
