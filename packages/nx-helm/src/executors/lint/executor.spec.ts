import { join } from 'node:path';
import { executorContextFor } from '../../testing/executor-context';
import { helm3, mainHelm } from '../../testing/helm-binaries';
import { useExampleChartsWorkspace } from '../../testing/example-charts';
import { writeChart } from '../../testing/temp-workspace';
import lintExecutor from './executor';
import { findCiValuesFiles } from '../../commands/lint';

describe('lint executor (real helm)', () => {
  const example = useExampleChartsWorkspace();

  const lint = (project: string, root: string, options = {}) =>
    lintExecutor({ helmPath: mainHelm(), ...options }, executorContextFor(example.workspace.root, project, root));

  it('finds the ci/*-values.yaml files of a chart', () => {
    expect(findCiValuesFiles(join(example.workspace.root, 'charts/web'))).toEqual(['ci/default-values.yaml', 'ci/ha-values.yaml']);
    expect(findCiValuesFiles(join(example.workspace.root, 'charts/common'))).toEqual([]);
  });

  it('lints the umbrella chart with its local dependencies built, once per value set', async () => {
    await expect(lint('platform', 'charts/platform')).resolves.toEqual({ success: true });
    const output = example.output();
    expect(output).toContain('lint charts/platform (default values)');
    expect(output).toContain('lint charts/platform (ci/default-values.yaml)');
    expect(output).toContain('lint charts/platform (ci/web-only-values.yaml)');
    expect(output).toContain('Chart "platform" 0.1.0 passed helm lint with 3 value set(s).');
    expect(output).not.toContain('nx-helm-stage-');
  });

  it('fails when one value set breaks a template, naming that value set', async () => {
    // A value that renders into invalid YAML: only this value set breaks the chart.
    example.workspace.write('charts/web/ci/broken-values.yaml', 'service:\n  type: "ClusterIP\\n  selector: ["\n');
    await expect(lint('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toMatch(
      /helm lint found problems in chart "web" \(charts\/web\) with 1 of 4 value sets:\n {2}- ci\/broken-values\.yaml: /,
    );
    expect(example.output()).toContain('templates/service.yaml: unable to parse YAML');
  });

  it('honours strict: a warning fails the default strict lint, and passes with strict false', async () => {
    writeChart(example.workspace, 'charts/nodeps', { name: 'nodeps' });
    example.workspace.write(
      'charts/nodeps/Chart.yaml',
      'apiVersion: v2\nname: nodeps\nversion: 0.1.0\ndependencies:\n  - name: vendored\n    version: 0.1.0\n',
    );
    await expect(lint('nodeps', 'charts/nodeps')).resolves.toEqual({ success: false });
    expect(example.output()).toMatch(/missing these dependencies: vendored/);
    await expect(lint('nodeps', 'charts/nodeps', { strict: false })).resolves.toEqual({ success: true });
  });

  it.each([
    ['my..chart', 'my-chart'],
    ['my_-chart', 'my-chart'],
  ])('fails a chart named %s, which OCI registries refuse, suggesting %s', async (name, suggestion) => {
    writeChart(example.workspace, 'charts/odd-name', { name });
    // Not strict: helm warns about the ConfigMap named after the chart, and has nothing against the chart name itself.
    await expect(lint('odd-name', 'charts/odd-name', { strict: false })).resolves.toEqual({ success: false });
    expect(example.output()).toContain(
      `charts/odd-name/Chart.yaml (field name): the chart name "${name}" cannot be published to an OCI registry: it joins words with a separator`,
    );
    expect(example.output()).toContain(`Fix: rename the chart, e.g. to "${suggestion}"`);
    expect(example.output()).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('names a values.schema.json that is not JSON, which helm blames on values.yaml', async () => {
    writeChart(example.workspace, 'charts/schema', { name: 'schema' });
    example.workspace.write('charts/schema/values.schema.json', '{ "type": "object", ');
    await expect(lint('schema', 'charts/schema')).resolves.toEqual({ success: false });
    expect(example.output()).toContain('charts/schema/values.schema.json is not valid JSON (');
    expect(example.output()).toContain('helm reports this as a problem of values.yaml');
  });

  it('reports an invalid Chart.yaml with file, line, field and fix', async () => {
    example.workspace.write('charts/web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 1.0\n');
    await expect(lint('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toBe(
      'lint-chart failed for web:\ncharts/web/Chart.yaml:3 (field version) has the version "1.0", which is not a SemVer 2 version.\n' +
        '  Fix: Use MAJOR.MINOR.PATCH with an optional -prerelease or +build suffix, e.g. `version: 1.4.0`, quoted if YAML would read it as a number.',
    );
  });

  it('reports YAML that does not parse with its line', async () => {
    example.workspace.write('charts/web/Chart.yaml', 'apiVersion: v2\nname: web\n  version: 0.1.0\n');
    await expect(lint('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toMatch(
      /^lint-chart failed for web:\ncharts\/web\/Chart\.yaml:\d+ is not valid YAML: .*\n {2}Fix: Correct the YAML syntax/,
    );
  });

  it('reports a file:// dependency whose folder is missing', async () => {
    example.workspace.write(
      'charts/web/Chart.yaml',
      'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: common\n    version: 0.1.0\n    repository: file://../shared\n',
    );
    await expect(lint('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toContain(
      'charts/web/Chart.yaml:5 (field dependencies[0].repository) has the dependency "common" at file://../shared, but the folder charts/shared does not exist.',
    );
  });

  it('reports a dependency cycle among local charts', async () => {
    example.workspace.write(
      'charts/common/Chart.yaml',
      'apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\ndependencies:\n  - name: platform\n    version: 0.1.0\n    repository: file://../platform\n',
    );
    await expect(lint('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toContain(
      'charts/platform/Chart.yaml:8 (field dependencies[0].repository) closes a dependency cycle among local charts: ' +
        'web (charts/web) -> common (charts/common) -> platform (charts/platform) -> web (charts/web).',
    );
  });

  it('reports values files from the options that do not exist', async () => {
    await expect(lint('web', 'charts/web', { valuesFiles: ['ci/nope-values.yaml'] })).resolves.toEqual({ success: false });
    expect(example.output()).toContain('The valuesFiles option of web names files that do not exist in charts/web: ci/nope-values.yaml.');
  });

  it('reports a helm that cannot be found', async () => {
    await expect(lint('web', 'charts/web', { helmPath: join(example.workspace.root, 'no-helm') })).resolves.toEqual({ success: false });
    expect(example.output()).toContain(`helm was not found at ${join(example.workspace.root, 'no-helm')} (from the helmPath option)`);
  });

  it('lints with Helm 3 as well', async () => {
    await expect(lint('platform', 'charts/platform', { helmPath: helm3() })).resolves.toEqual({ success: true });
    expect(example.output()).toMatch(/helm 3\.\d+\.\d+ lint charts\/platform/);
  });
});
