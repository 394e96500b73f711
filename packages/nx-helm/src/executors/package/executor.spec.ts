import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { executorContextFor } from '../../testing/executor-context';
import { helm3, mainHelm } from '../../testing/helm-binaries';
import { copyExampleCharts, useExampleChartsWorkspace } from '../../testing/example-charts';
import { createTempWorkspace, writeChart } from '../../testing/temp-workspace';
import packageExecutor from './executor';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('package executor (real helm)', () => {
  const example = useExampleChartsWorkspace();

  const packageChart = (project: string, root: string, options = {}) =>
    packageExecutor(
      { helmPath: mainHelm(), outputPath: `dist/${root}`, ...options },
      executorContextFor(example.workspace.root, project, root),
    );

  it('packages the umbrella chart with its dependencies inside, leaving the sources untouched', async () => {
    const sourcesBefore = listFiles(join(example.workspace.root, 'charts'));
    await expect(packageChart('platform', 'charts/platform')).resolves.toEqual({ success: true });
    const archive = join(example.workspace.root, 'dist/charts/platform/platform-0.1.0.tgz');
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
    expect(example.output()).toMatch(
      /Packaged platform 0\.1\.0 with helm 4\.\d+\.\d+ -> dist\/charts\/platform\/platform-0\.1\.0\.tgz \(sha256:[0-9a-f]{64}, timestamp 1980-01-01T00:00:00\.000Z\)/,
    );
  });

  it('renders: the packaged chart templates with helm template', async () => {
    await packageChart('web', 'charts/web');
    const rendered = execFileSync(mainHelm(), ['template', 'demo', join(example.workspace.root, 'dist/charts/web/web-0.1.0.tgz')], {
      encoding: 'utf8',
    });
    expect(rendered).toContain('kind: Deployment');
    expect(rendered).toContain('image: "nginx:1.27.0"');
    expect(rendered).toContain('app.kubernetes.io/name: web');
  });

  it('removes its earlier packages and push record first, so an old version does not linger', async () => {
    const out = join(example.workspace.root, 'dist/charts/common');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'common-0.0.9.tgz'), 'old');
    writeFileSync(join(out, 'common-0.0.9.tgz.prov'), 'old');
    writeFileSync(join(out, 'push.json'), '{}');
    writeFileSync(join(out, 'notes.txt'), 'not ours');
    await expect(packageChart('common', 'charts/common')).resolves.toEqual({ success: true });
    expect(readdirSync(out).sort()).toEqual(['common-0.1.0.tgz', 'notes.txt']);
  });

  it('refuses an output folder that is the workspace or holds the chart sources', async () => {
    for (const outputPath of ['.', 'charts', 'charts/web/out']) {
      await expect(packageChart('web', 'charts/web', { outputPath })).resolves.toEqual({ success: false });
      expect(example.output()).toContain(
        `The outputPath of web:package-chart is ${outputPath}, which contains or lies inside the workspace root or the chart's sources.`,
      );
    }
    expect(existsSync(join(example.workspace.root, 'charts/web/Chart.yaml'))).toBe(true);
  });

  it('fails naming the file, line and fix when a file:// dependency is not the chart it asks for', async () => {
    const dependency = (fields: string) =>
      `apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: ${fields}\n    repository: file://../common\n`;
    const cases: Array<[string, string]> = [
      [
        dependency('common\n    version: 9.9.9'),
        'charts/web/Chart.yaml:5: the dependency "common" asks for version "9.9.9", but the chart at file://../common (charts/common) is 0.1.0. Fix: change the constraint to accept 0.1.0 (e.g. "^0.1.0").',
      ],
      [
        dependency('common'),
        'charts/web/Chart.yaml:5: the dependency "common" has no version, which helm refuses. Fix: add `version: "^0.1.0"`',
      ],
      [
        dependency('commons\n    version: 0.1.0'),
        'charts/web/Chart.yaml:5: the dependency "commons" points at file://../common, but the chart there is named "common" (charts/common/Chart.yaml).',
      ],
    ];
    for (const [chartYaml, message] of cases) {
      example.workspace.write('charts/web/Chart.yaml', chartYaml);
      await expect(packageChart('web', 'charts/web')).resolves.toEqual({ success: false });
      expect(example.output()).toContain(`package-chart failed for web:\n${message}`);
    }
    expect(existsSync(join(example.workspace.root, 'dist/charts/web'))).toBe(false);
  });

  it('fails with the chart and helm output when helm dependency build fails', async () => {
    example.workspace.write(
      'charts/web/Chart.yaml',
      'apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: oci://127.0.0.1:1/charts\n',
    );
    await expect(packageChart('web', 'charts/web')).resolves.toEqual({ success: false });
    expect(example.output()).toMatch(
      /^package-chart failed for web:\nBuilding the dependencies of chart "web" \(charts\/web\/Chart\.yaml\) failed\..*\n`helm dependency build .*` exited with code 1:\n.*127\.0\.0\.1:1/s,
    );
    expect(existsSync(join(example.workspace.root, 'dist/charts/web'))).toBe(false);
  });

  it('produces byte-identical packages from different checkouts, file times and helm versions', async () => {
    const other = createTempWorkspace('nx-helm-other-checkout-');
    try {
      copyExampleCharts(other);
      // Another checkout: different path, different file modification times.
      for (const file of listFiles(join(other.root, 'charts'))) {
        utimesSync(join(other.root, 'charts', file), 1_500_000_000, 1_500_000_000);
      }
      const archives: Record<string, string> = {};
      for (const [label, root, helmPath] of [
        ['helm 4, checkout 1', example.workspace.root, mainHelm()],
        ['helm 4, checkout 2', other.root, mainHelm()],
        ['helm 3, checkout 2', other.root, helm3()],
      ] as const) {
        const result = await packageExecutor(
          { helmPath, outputPath: 'dist/charts/platform' },
          executorContextFor(root, 'platform', 'charts/platform'),
        );
        expect(result).toEqual({ success: true });
        const archive = join(root, 'dist/charts/platform/platform-0.1.0.tgz');
        archives[label] = `${sha256(archive)} ${statSync(archive).mtimeMs}`;
      }
      expect(new Set(Object.values(archives)).size).toBe(1);
    } finally {
      other.dispose();
    }
  });

  it('stamps SOURCE_DATE_EPOCH into the archive entries and the archive file', async () => {
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      await expect(packageChart('web', 'charts/web')).resolves.toEqual({ success: true });
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
    const archive = join(example.workspace.root, 'dist/charts/web/web-0.1.0.tgz');
    expect(statSync(archive).mtimeMs).toBe(1_700_000_000_000);
    const listing = execFileSync('tar', ['-tvzf', archive, '--utc'], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.every((line) => line.includes(' 2023-11-14 22:13 '))).toBe(true);
    // file:// dependencies are placed without `helm dependency build`, so no Chart.lock with a generation time is added.
    expect(listing.some((line) => line.endsWith('web/Chart.lock'))).toBe(false);
    expect(listing.some((line) => line.endsWith('web/charts/common/Chart.yaml'))).toBe(true);
  });

  it('builds a dependency on a sibling published to the workspace registry from the local sources', async () => {
    const registry = 'oci://registry.example.invalid/acme/charts';
    writeChart(example.workspace, 'charts/stack', {
      name: 'stack',
      dependencies: [
        { name: 'web', version: '^0.1.0', repository: registry },
        { name: 'worker', version: '~0.1.0', repository: 'file://../worker' },
      ],
    });
    const context = executorContextFor(example.workspace.root, 'stack', 'charts/stack', [
      { name: 'web', root: 'charts/web', version: '0.1.0' },
    ]);
    const options = { helmPath: mainHelm(), outputPath: 'dist/charts/stack' };

    // Without knowing the registry is this workspace's, helm must download web from it, which does not exist.
    await expect(packageExecutor(options, context)).resolves.toEqual({ success: false });
    expect(example.output()).toContain('Building the dependencies of chart "stack" (charts/stack/Chart.yaml) failed.');

    await expect(packageExecutor({ ...options, publishRepositories: [registry] }, context)).resolves.toEqual({ success: true });
    const archive = join(example.workspace.root, 'dist/charts/stack/stack-0.1.0.tgz');
    const entries = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).split('\n');
    expect(entries).toEqual(
      expect.arrayContaining([
        'stack/charts/web/Chart.yaml',
        'stack/charts/web/charts/common/Chart.yaml',
        'stack/charts/worker/Chart.yaml',
      ]),
    );
    // The packaged Chart.yaml still names the registry: the dependency is only built from source.
    const packagedChart = execFileSync('tar', ['-xzOf', archive, 'stack/Chart.yaml'], { encoding: 'utf8' });
    expect(packagedChart).toContain(`repository: ${registry}`);
    expect(entries).not.toContain('stack/Chart.lock');
    expect(execFileSync(mainHelm(), ['template', 'x', archive], { encoding: 'utf8' })).toContain('image: "nginx:1.27.0"');
  });

  it('packages with Helm 3 as well', async () => {
    await expect(packageChart('platform', 'charts/platform', { helmPath: helm3() })).resolves.toEqual({ success: true });
    expect(existsSync(join(example.workspace.root, 'dist/charts/platform/platform-0.1.0.tgz'))).toBe(true);
    expect(example.output()).toMatch(/with helm 3\.\d+\.\d+/);
  });
});
