import { existsSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { executorContextFor } from '../../testing/executor-context';
import { helm3, mainHelm } from '../../testing/helm-binaries';
import { useExampleChartsWorkspace } from '../../testing/example-charts';
import packageExecutor from './executor';

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('package executor (real helm)', () => {
  const example = useExampleChartsWorkspace();

  const packageChart = (project: string, root: string, options = {}) =>
    packageExecutor({ helmPath: mainHelm(), outputPath: `dist/charts/${root}`, ...options }, executorContextFor(example.workspace.root, project, root));

  it('packages the umbrella chart with its dependencies inside, leaving the sources untouched', async () => {
    const sourcesBefore = listFiles(join(example.workspace.root, 'charts'));
    await expect(packageChart('platform', 'charts/platform')).resolves.toEqual({ success: true });
    const archive = join(example.workspace.root, 'dist/charts/charts/platform/platform-0.1.0.tgz');
    expect(existsSync(archive)).toBe(true);
    const entries = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n');
    expect(entries).toEqual(
      expect.arrayContaining([
        'platform/Chart.yaml',
        'platform/charts/web/Chart.yaml',
        'platform/charts/web/charts/common/templates/_helpers.tpl',
        'platform/charts/worker/templates/deployment.yaml',
      ]),
    );
    expect(listFiles(join(example.workspace.root, 'charts'))).toEqual(sourcesBefore);
    expect(example.output()).toMatch(/Packaged platform 0\.1\.0 with helm 4\.\d+\.\d+ -> dist\/charts\/charts\/platform\/platform-0\.1\.0\.tgz \(sha256:[0-9a-f]{64}\)/);
  });

  it('renders: the packaged chart templates with helm template', async () => {
    await packageChart('web', 'charts/web');
    const rendered = execFileSync(mainHelm(), ['template', 'demo', join(example.workspace.root, 'dist/charts/charts/web/web-0.1.0.tgz')], {
      encoding: 'utf8',
    });
    expect(rendered).toContain('kind: Deployment');
    expect(rendered).toContain('image: "nginx:1.27.0"');
    expect(rendered).toContain('app.kubernetes.io/name: web');
  });

  it('empties the output folder first, so an old version does not linger', async () => {
    const out = join(example.workspace.root, 'dist/charts/charts/common');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'common-0.0.9.tgz'), 'old');
    await expect(packageChart('common', 'charts/common')).resolves.toEqual({ success: true });
    expect(readdirSync(out)).toEqual(['common-0.1.0.tgz']);
  });

  it('fails with the chart and helm output when helm package fails', async () => {
    example.workspace.write('charts/web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: common\n    version: 9.9.9\n    repository: file://../common\n');
    await expect(packageChart('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toMatch(/^package-chart failed for web:\nBuilding the dependencies of chart "web" \(charts\/web\/Chart\.yaml\) failed\.\n`helm dependency build .*` exited with code 1:\n.*common/s);
    expect(existsSync(join(example.workspace.root, 'dist/charts/charts/web'))).toBe(false);
  });

  it('packages with Helm 3 as well', async () => {
    await expect(packageChart('platform', 'charts/platform', { helmPath: helm3() })).resolves.toEqual({ success: true });
    expect(existsSync(join(example.workspace.root, 'dist/charts/charts/platform/platform-0.1.0.tgz'))).toBe(true);
    expect(example.output()).toMatch(/with helm 3\.\d+\.\d+/);
  });
});
