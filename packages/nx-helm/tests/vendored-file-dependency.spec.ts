import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintChart } from '../src/commands/lint';
import { packageChart } from '../src/commands/package';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { memoryLogger } from '../src/testing/memory-logger';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';

/** Every file of a chart archive (duplicates included, as helm writes them) with its content. */
function archiveEntries(archive: string): string[] {
  return execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n').sort();
}

/**
 * A chart whose dependency is `file://./charts/<sub>`, a folder vendored in its own charts/ (large public repositories
 * ship CRD subcharts this way). helm builds it: `helm dependency build` archives the folder beside itself, and the
 * package holds both. nx-helm must lint it and package the files helm does.
 */
describe.each([
  ['helm 4', mainHelm],
  ['helm 3', helm3],
])("a dependency on a folder of the chart's own charts/ (%s)", (_label, helm) => {
  let workspace: TempWorkspace;

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-vendored-file-');
    workspace.write('nx.json', '{}');
    workspace.write(
      'charts/app/Chart.yaml',
      'apiVersion: v2\nname: app\nversion: 1.0.0\nicon: https://example.com/i.png\ndependencies:\n  - name: crds\n    version: 0.1.0\n    repository: file://./charts/crds\n',
    );
    workspace.write('charts/app/values.yaml', 'replicas: 1\n');
    workspace.write('charts/app/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-app\n');
    workspace.write('charts/app/charts/crds/Chart.yaml', 'apiVersion: v2\nname: crds\nversion: 0.1.0\n');
    workspace.write('charts/app/charts/crds/templates/crd.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: crds\n');
  });
  afterEach(() => workspace.dispose());

  it('lints it and packages the files `helm dependency build && helm package` package, leaving the sources as they were', async () => {
    const options = { workspaceRoot: workspace.root, chartRoot: 'charts/app', env: { ...process.env, HELM_BIN: helm() } };
    const sources = execFileSync('find', ['charts', '-type', 'f'], { cwd: workspace.root, encoding: 'utf8' });
    await expect(lintChart({ ...options, log: memoryLogger() })).resolves.toMatchObject({ chart: 'app' });
    const { archivePath } = await packageChart({ ...options, log: memoryLogger() });
    const reference = mkdtempSync(join(tmpdir(), 'nx-helm-vendored-reference-'));
    try {
      cpSync(join(workspace.root, 'charts'), join(reference, 'charts'), { recursive: true });
      execFileSync(helm(), ['dependency', 'build', 'charts/app'], { cwd: reference, stdio: 'pipe' });
      execFileSync(helm(), ['package', 'charts/app', '--destination', 'out'], { cwd: reference, stdio: 'pipe' });
      // helm writes a Chart.lock for file:// dependencies; nx-helm builds workspace charts without one (as for every
      // file:// dependency), and the rest is the same, the vendored folder twice as helm has it.
      const helms = archiveEntries(join(reference, 'out/app-1.0.0.tgz')).filter((entry) => entry !== 'app/Chart.lock');
      expect(archiveEntries(archivePath)).toEqual(helms);
      expect(helms.filter((entry) => entry === 'app/charts/crds/templates/crd.yaml')).toHaveLength(2);
    } finally {
      rmSync(reference, { recursive: true, force: true });
    }
    const rendered = execFileSync(helm(), ['template', 'x', archivePath], { encoding: 'utf8' });
    expect(rendered).toContain('name: crds');
    expect(execFileSync('find', ['charts', '-type', 'f'], { cwd: workspace.root, encoding: 'utf8' })).toBe(sources);
    expect(readFileSync(join(workspace.root, 'charts/app/Chart.yaml'), 'utf8')).toContain('file://./charts/crds');
  });
});
