import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChartRepository, type ChartRepositoryServer } from '../src/testing/chart-repository-server';
import { mainHelm } from '../src/testing/helm-binaries';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

const CREDENTIALS = { username: 'indexuser', password: 'index-Pa55word' };
const CONSUMERS = 4;
const INDEX_MIN_BYTES = 20 * 1024 * 1024;

/**
 * Pads a chart repository index with the entries of other charts until it is as large as those of the big public
 * repositories (tens of MB), keeping it valid for helm.
 */
function padIndex(indexFile: string, url: string): void {
  const lines = readFileSync(indexFile, 'utf8').split('\n');
  const entriesLine = lines.indexOf('entries:');
  const filler: string[] = [];
  // 3,300 charts of 20 versions: about 21 MB.
  for (let chart = 0; chart < 3300; chart++) {
    filler.push(`  filler-${chart}:`);
    for (let version = 0; version < 20; version++) {
      filler.push(
        '  - apiVersion: v2',
        '    created: "2024-01-01T00:00:00Z"',
        `    description: Padding chart ${chart}, one of many in a large public repository index`,
        `    digest: ${chart.toString(16).padStart(32, '0')}${version.toString(16).padStart(32, '0')}`,
        `    name: filler-${chart}`,
        '    urls:',
        `    - ${url}/filler-${chart}-1.${version}.0.tgz`,
        `    version: 1.${version}.0`,
      );
    }
  }
  const text = [...lines.slice(0, entriesLine + 1), filler.join('\n'), ...lines.slice(entriesLine + 1)].join('\n');
  writeFileSync(indexFile, text);
}

/**
 * Charts depending on an HTTP chart repository with a large index: within one run and across runs on one machine, the
 * index is downloaded once per TTL and shared by every lint and package (a cache under the user's cache folder,
 * keyed by URL, without credentials).
 */
describe('HTTP chart repository indexes are downloaded once per TTL (real nx, helm and chart repository)', () => {
  let sources: TempWorkspace;
  let repository: ChartRepositoryServer;
  let workspace: TempWorkspace;
  let cacheHome: string;
  const env = () => ({
    HELM_BIN: mainHelm(),
    XDG_CACHE_HOME: cacheHome,
    INDEX_USER: CREDENTIALS.username,
    INDEX_PASSWORD: CREDENTIALS.password,
  });
  const run = (targets: string, extraEnv: NodeJS.ProcessEnv = {}) =>
    runNx(workspace.root, ['run-many', '-t', targets, '--skip-nx-cache', '--output-style=static'], { ...env(), ...extraEnv });
  const indexRequests = async () => (await repository.requests())['/index.yaml'] ?? {};
  const cacheFiles = () => {
    const dir = join(cacheHome, 'nx-helm', 'repository-indexes');
    return readdirSync(dir).map((name) => join(dir, name));
  };

  beforeAll(async () => {
    sources = createTempWorkspace('nx-helm-index-sources-');
    writeChart(sources, 'big-dep', { name: 'big-dep', version: '1.2.0' });
    const repoDir = join(sources.root, 'repo');
    mkdirSync(repoDir);
    execFileSync(mainHelm(), ['package', 'big-dep', '-d', repoDir], { cwd: sources.root, stdio: 'pipe' });
    repository = await startChartRepository(repoDir, CREDENTIALS);
    execFileSync(mainHelm(), ['repo', 'index', repoDir, '--url', repository.url], { stdio: 'pipe' });
    padIndex(join(repoDir, 'index.yaml'), repository.url);
    expect(statSync(join(repoDir, 'index.yaml')).size).toBeGreaterThanOrEqual(INDEX_MIN_BYTES);

    cacheHome = mkdtempSync(join(tmpdir(), 'nx-helm-index-cache-home-'));
    workspace = createExampleWorkspace();
    rmSync(join(workspace.root, 'charts'), { recursive: true, force: true });
    // Half of the charts name the repository by URL, half by the name ct.yaml's chart-repos gives it.
    for (let index = 0; index < CONSUMERS; index++) {
      writeChart(workspace, `charts/app-${index}`, {
        name: `app-${index}`,
        dependencies: [{ name: 'big-dep', version: '^1.0.0', repository: index % 2 === 0 ? repository.url : '"@big"' }],
      });
    }
    workspace.write(
      'ct.yaml',
      [
        'chart-dirs: [charts]',
        `chart-repos: ["big=${repository.url}"]`,
        'validate-maintainers: false',
        'validate-chart-schema: false',
        'validate-yaml: false',
        'check-version-increment: false',
        '',
      ].join('\n'),
    );
    const nxJson = JSON.parse(readFileSync(join(workspace.root, 'nx.json'), 'utf8'));
    nxJson.plugins = [
      { plugin: 'nx-helm', options: { registries: { [repository.host]: { usernameEnv: 'INDEX_USER', passwordEnv: 'INDEX_PASSWORD' } } } },
    ];
    workspace.write('nx.json', JSON.stringify(nxJson, null, 2));
  });
  afterAll(async () => {
    await repository?.stop();
    sources?.dispose();
    workspace?.dispose();
    if (cacheHome) rmSync(cacheHome, { recursive: true, force: true });
  });

  it('downloads the index once for every lint and package of a run, and packages the dependency', async () => {
    const result = run('lint-chart,package-chart');
    expect({ status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, output: '' });
    expect(result.output).toContain(`Successfully ran targets lint-chart, package-chart for ${CONSUMERS} projects`);
    expect(await indexRequests()).toEqual({ '200': 1 });
    for (const index of [0, 1]) {
      const entries = execFileSync('tar', ['-tzf', join(workspace.root, `dist/charts/app-${index}/app-${index}-0.1.0.tgz`)], {
        encoding: 'utf8',
      });
      expect(entries).toContain(`app-${index}/charts/big-dep/Chart.yaml`);
    }
    expect(result.output).not.toContain(CREDENTIALS.password);
  });

  it('keeps no credential in the cache', () => {
    const files = cacheFiles();
    expect(files.filter((file) => file.endsWith('.yaml'))).toHaveLength(1);
    for (const file of files) {
      const text = readFileSync(file, 'latin1');
      expect(text).not.toContain(CREDENTIALS.password);
      expect(text).not.toContain(CREDENTIALS.username);
      expect(text).not.toContain(Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64'));
    }
    const metadata = files.filter((file) => file.endsWith('.json')).map((file) => JSON.parse(readFileSync(file, 'utf8')));
    expect(metadata).toEqual([expect.objectContaining({ url: repository.url, authenticated: true })]);
  });

  it('does not ask the repository again in the next run within the TTL', async () => {
    const result = run('package-chart');
    expect(result.status).toBe(0);
    expect(await indexRequests()).toEqual({ '200': 1 });
  });

  it('asks with a conditional request once the TTL is over, and downloads nothing unchanged', async () => {
    const result = run('package-chart', { NX_HELM_REPOSITORY_INDEX_TTL: '0' });
    expect(result.status).toBe(0);
    const counts = await indexRequests();
    expect(counts['200']).toBe(1);
    // One conditional request per process that needs the index (TTL 0: none trusts another's answer from before it began).
    expect(counts['304']).toBeGreaterThanOrEqual(1);
    expect(counts['304']).toBeLessThanOrEqual(CONSUMERS);
  });
});
