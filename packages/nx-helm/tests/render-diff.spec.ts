import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyExampleCharts } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { createPackedWorkspace, NX_VERSIONS, nxJsonWithPlugin, type PackedWorkspace } from '../src/testing/packed-workspace';
import { writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { parseRenderedFile } from '../src/render/rendered-manifest';
import type { DiffReport } from '../src/diff/diff-report';
import { REPORT_MARKER } from '../src/diff/diff-report';

const APPLICATIONS = ['platform', 'web', 'worker'];

function succeeded(result: { status: number | null; output: string }): void {
  expect({ status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, output: '' });
}

/** A Deployment with one edit, as a chart template. */
function deployment(edit: (text: string) => string): string {
  return edit(
    [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}-app',
      'spec:',
      '  replicas: 1',
      '  selector:',
      '    matchLabels: { app: demo }',
      '  template:',
      '    metadata:',
      '      labels: { app: demo }',
      '    spec:',
      '      containers:',
      '        - name: app',
      '          image: nginx:1.27',
      '          ports:',
      '            - name: http',
      '              containerPort: 80',
      '',
    ].join('\n'),
  );
}

const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer }
                color: { type: string }
`;

function writeWidgets(files: TempWorkspace): void {
  writeChart(files, 'charts/widgets', { name: 'widgets' });
  files.write('charts/widgets/values.yaml', 'greeting: hello\nsize: 3\n');
  files.write('charts/widgets/ci/bad-values.yaml', 'size: big\n');
  files.write('charts/widgets/crds/widgets.yaml', WIDGET_CRD);
  files.write(
    'charts/widgets/templates/widget.yaml',
    'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: {{ .Release.Name }}-widget\nspec:\n  size: {{ .Values.size }}\n  color: blue\n',
  );
  // Two objects of a kind no schema describes: reported once, not failed.
  files.write(
    'charts/widgets/templates/gizmos.yaml',
    '{{- range list "a" "b" }}\n---\napiVersion: example.com/v1\nkind: Gizmo\nmetadata:\n  name: gizmo-{{ . }}\n{{- end }}\n',
  );
}

/**
 * render-chart and `nx-helm diff` as a user runs them: the packed plugin in a fresh workspace with the example charts,
 * the real helm and Nx, a real git history.
 */
describe.each(NX_VERSIONS)('render-chart and nx-helm diff with Nx $nx', (NX) => {
  let workspace: PackedWorkspace;
  // Nx 24 keeps its cache where every checkout of a repository finds it (the base renders beside the head), Nx 22 in
  // the workspace's .nx (the base renders after the head, pointed there); a named folder is the third way (below).
  let cacheDirectory: string | undefined;
  // Nx keeps its index of the cache in its workspace data: a cache of its own needs that too.
  let workspaceData: string | undefined;
  const env = (): NodeJS.ProcessEnv => ({
    ...(cacheDirectory ? { NX_CACHE_DIRECTORY: cacheDirectory } : {}),
    ...(workspaceData ? { NX_WORKSPACE_DATA_DIRECTORY: workspaceData } : {}),
  });
  const nx = (...args: string[]) => workspace.nx(args, env());
  const rendered = (chart: string, valuesSet = 'default') =>
    parseRenderedFile(readFileSync(join(workspace.root, `dist/rendered/charts/${chart}/${valuesSet}.yaml`), 'utf8'));
  const nxHelm = (...args: string[]) => {
    const result = spawnSync(join(workspace.root, 'node_modules/.bin/nx-helm'), args, {
      cwd: workspace.root,
      encoding: 'utf8',
      env: { ...process.env, HELM_BIN: mainHelm(), CI: 'true', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', ...env() },
    });
    return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  };
  const report = () => JSON.parse(readFileSync(join(workspace.root, 'dist/diff/report.json'), 'utf8')) as DiffReport;

  beforeAll(() => {
    workspace = createPackedWorkspace(NX, 'nx-helm-render-', (files) => {
      files.write('nx.json', nxJsonWithPlugin({}));
      copyExampleCharts(files);
      writeChart(files, 'charts/tools', { name: 'tools' });
      writeChart(files, 'charts/old', { name: 'old' });
      // Two charts defining one named template differently: a batch must not render one with the other's.
      for (const twin of ['twin-a', 'twin-b']) {
        files.write(`charts/${twin}/Chart.yaml`, `apiVersion: v2\nname: ${twin}\nversion: 0.1.0\n`);
        files.write(`charts/${twin}/templates/_helpers.tpl`, `{{- define "twin.owner" -}}${twin}{{- end }}\n`);
        files.write(
          `charts/${twin}/templates/configmap.yaml`,
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}\ndata:\n  owner: {{ include "twin.owner" . }}\n',
        );
      }
    });
  });
  afterAll(() => {
    workspace.dispose();
  });

  it('renders and validates every application chart, each values set into its normalised file', () => {
    succeeded(nx('run-many', '-t', 'render-chart', '--output-style=static'));
    const projects = JSON.parse(nx('show', 'projects', '--with-target=render-chart', '--json').output.match(/\[.*\]/s)![0]) as string[];
    // Library charts render nothing on their own: no target.
    expect(projects.sort()).toEqual([...APPLICATIONS, 'old', 'tools', 'twin-a', 'twin-b'].sort());
    for (const twin of ['twin-a', 'twin-b']) expect(rendered(twin)[0].object.data).toEqual({ owner: twin });
    const web = rendered('web');
    // Sorted by apiVersion, kind, namespace and name.
    expect(web.map((object) => `${object.kind}/${object.name}`)).toEqual(['Deployment/release-name-web', 'Service/release-name-web']);
    expect(web[0].source).toBe('templates/deployment.yaml');
    const text = readFileSync(join(workspace.root, 'dist/rendered/charts/web/default.yaml'), 'utf8');
    expect(text).toContain(
      '# Source: templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: release-name-web',
    );
    // Every values set lint uses: the defaults and each ci/*-values.yaml.
    expect(existsSync(join(workspace.root, 'dist/rendered/charts/web/ci-ha-values.yaml'))).toBe(true);
    expect(rendered('web', 'ci-ha-values').find((object) => object.kind === 'Deployment')!.object.spec).toMatchObject({ replicas: 3 });
    // The umbrella chart's rendering holds its subcharts' objects, with their templates as sources.
    expect(rendered('platform').map((object) => object.source)).toContain('charts/web/templates/deployment.yaml');
  });

  it('renders the same in command mode as in batch mode', () => {
    const batch = readFileSync(join(workspace.root, 'dist/rendered/charts/worker/default.yaml'), 'utf8');
    writeFileSync(join(workspace.root, 'nx.json'), nxJsonWithPlugin({ execution: 'command' }));
    try {
      const result = nx('run', 'worker:render-chart', '--skip-nx-cache', '--output-style=static');
      succeeded(result);
      expect(result.output).toContain('nx-helm render charts/worker');
      expect(readFileSync(join(workspace.root, 'dist/rendered/charts/worker/default.yaml'), 'utf8')).toBe(batch);
    } finally {
      writeFileSync(join(workspace.root, 'nx.json'), nxJsonWithPlugin({}));
    }
  });

  it('reports a library change as exactly the objects it changes in each dependent, with the base from the cache', () => {
    // The first test rendered every chart as committed: the base's renders are in Nx's cache.
    const helpers = join(workspace.root, 'charts/common/templates/_helpers.tpl');
    const original = readFileSync(helpers, 'utf8');
    writeFileSync(
      helpers,
      original.replace('{{- define "common.labels" -}}\n', '{{- define "common.labels" -}}\nexample.com/team: charts\n'),
    );
    expect(readFileSync(helpers, 'utf8')).not.toBe(original);
    // A new chart and a deleted one.
    writeChart(workspace, 'charts/extra', { name: 'extra' });
    rmSync(join(workspace.root, 'charts/old'), { recursive: true });

    const first = nxHelm('diff', '--base', 'HEAD');
    succeeded(first);
    const diff = report();
    const byRoot = new Map(diff.charts.map((chart) => [chart.root, chart]));
    const changed = diff.charts.filter((chart) => chart.status !== 'unchanged').map((chart) => chart.root);
    expect(changed.sort()).toEqual(['charts/extra', 'charts/old', 'charts/platform', 'charts/web', 'charts/worker']);
    // An unrelated chart is in the report only when Nx counts it affected (a deleted project touches every one), and
    // then with nothing changed.
    for (const chart of diff.charts.filter((chart) => !changed.includes(chart.root))) {
      expect(['charts/tools', 'charts/twin-a', 'charts/twin-b']).toContain(chart.root);
      expect(chart.status).toBe('unchanged');
      expect(chart.valuesSets.flatMap((set) => set.changes)).toEqual([]);
    }
    expect(byRoot.get('charts/extra')).toMatchObject({ status: 'added', versionAfter: '0.1.0' });
    expect(byRoot.get('charts/old')).toMatchObject({ status: 'removed', versionBefore: '0.1.0' });
    expect(byRoot.get('charts/old')!.valuesSets[0].changes.map((change) => change.change)).toEqual(['removed']);
    for (const root of ['charts/web', 'charts/worker', 'charts/platform']) {
      const chart = byRoot.get(root)!;
      expect(chart).toMatchObject({ status: 'changed', sameVersion: true });
      for (const set of chart.valuesSets) {
        // Exactly the objects that carry the library's labels changed; nothing was added or removed.
        const labelled = parseRenderedFile(readFileSync(join(workspace.root, `dist/rendered/${root}/${set.valuesSet}.yaml`), 'utf8'))
          .filter((object) => JSON.stringify(object.object).includes('"example.com/team":"charts"'))
          .map((object) => `${object.kind}/${object.name}`)
          .sort();
        expect(labelled.length).toBeGreaterThan(0);
        expect(set.changes.map((change) => change.change)).toEqual(set.changes.map(() => 'changed'));
        expect(set.changes.map((change) => change.object).sort()).toEqual(labelled);
        for (const change of set.changes) expect(change.diff).toContain('+    example.com/team: charts');
      }
    }
    // Every base rendering was made by the first test (the same commit), so Nx has them; of the head's, the changed
    // dependents and the new chart are rendered, the unchanged ones come from the cache too.
    const unchanged = diff.charts.length - changed.length;
    expect(diff.renders).toEqual({ fromCache: diff.charts.length - 1 + unchanged, rendered: 4 });
    const markdown = readFileSync(join(workspace.root, 'dist/diff/report.md'), 'utf8');
    expect(markdown.split('\n')[0]).toBe(REPORT_MARKER);
    expect(markdown).toContain('charts/web');
    expect(markdown).not.toMatch(/charts\/tools[^\n]*\|/);
    expect(first.output).toMatch(/charts\/web/);

    // Again: every rendering, base and head, comes from Nx's cache.
    const second = nxHelm('diff', '--base', 'HEAD');
    succeeded(second);
    expect(report().renders).toEqual({ fromCache: 2 * (diff.charts.length - 1), rendered: 0 });
    // With an empty cache, both sides are rendered (the base in a worktree of the base commit), with the same result;
    // only an unchanged chart's base comes from the cache, where its head rendering has just put it.
    const emptyCache = mkdtempSync(join(tmpdir(), 'nx-helm-render-cache-'));
    const filledCache = cacheDirectory;
    cacheDirectory = join(emptyCache, 'cache');
    workspaceData = join(emptyCache, 'workspace-data');
    try {
      succeeded(nxHelm('diff', '--base', 'HEAD'));
    } finally {
      cacheDirectory = filledCache;
      workspaceData = undefined;
      rmSync(emptyCache, { recursive: true, force: true });
    }
    expect(report().renders).toEqual({ fromCache: unchanged, rendered: 2 * (diff.charts.length - 1) - unchanged });
    expect(report().charts).toEqual(diff.charts);
    // The temporary worktree is gone.
    expect(workspace.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    writeFileSync(helpers, original);
    rmSync(join(workspace.root, 'charts/extra'), { recursive: true });
    workspace.git('checkout', '--', 'charts/old');
  });

  it('fails charts whose objects Kubernetes would refuse, naming chart, values set, object, field and template', () => {
    workspace.write('charts/bad-replica/Chart.yaml', 'apiVersion: v2\nname: bad-replica\nversion: 0.1.0\n');
    workspace.write(
      'charts/bad-replica/templates/deployment.yaml',
      deployment((text) => text.replace('  replicas: 1', '  replica: 3')),
    );
    workspace.write('charts/bad-port/Chart.yaml', 'apiVersion: v2\nname: bad-port\nversion: 0.1.0\n');
    workspace.write(
      'charts/bad-port/templates/deployment.yaml',
      deployment((text) => text.replace('containerPort: 80', 'containerPort: "http"')),
    );
    workspace.write('charts/bad-ingress/Chart.yaml', 'apiVersion: v2\nname: bad-ingress\nversion: 0.1.0\n');
    workspace.write(
      'charts/bad-ingress/templates/ingress.yaml',
      'apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  backend:\n    serviceName: web\n    servicePort: 80\n',
    );
    writeWidgets(workspace);
    const projects = ['bad-replica', 'bad-port', 'bad-ingress', 'widgets', 'tools'];
    const result = nx('run-many', '-t', 'render-chart', `--projects=${projects.join(',')}`, '--output-style=static');
    expect(result.status).not.toBe(0);
    const output = result.output;
    expect(output).toMatch(
      /bad-replica \(values default\): Deployment\/release-name-app spec\.replica .*templates\/deployment\.yaml.*replicas/,
    );
    expect(output).toMatch(
      /bad-port \(values default\): Deployment\/release-name-app spec\.template\.spec\.containers\[0\]\.ports\[0\]\.containerPort .*integer/,
    );
    expect(output).toMatch(/bad-ingress \(values default\): Ingress\/web .*extensions\/v1beta1.*networking\.k8s\.io\/v1/);
    // The custom resource is checked against its chart's CRD: the bad values set fails, the default one does not.
    expect(output).toMatch(/widgets \(values ci-bad-values\): Widget\/release-name-widget spec\.size .*integer/);
    expect(output).not.toMatch(/widgets \(values default\): Widget/);
    // Once per chart, the kind named once (Nx 22 prints a failed command task's output twice).
    const skipped = output.match(/Not validated[^\n]*/g) ?? [];
    expect(skipped.length).toBeGreaterThanOrEqual(1);
    for (const line of skipped) expect(line.match(/example\.com\/v1\/Gizmo/g)).toHaveLength(1);
    expect(new Set(skipped).size).toBe(1);
    expect(output).toMatch(/Failed tasks:[\s\S]*bad-replica:render-chart/);
    expect(output).not.toMatch(/- tools:render-chart/);
    expect(readFileSync(join(workspace.root, 'dist/rendered/charts/bad-port/problems.txt'), 'utf8')).toContain('containerPort');
  });
});
