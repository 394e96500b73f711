import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintBatch } from '../src/batch/lint-batch';
import type { ChartBatchResult } from '../src/batch/chart-batch';
import { lintChart } from '../src/commands/lint';
import { packageChart } from '../src/commands/package';
import { startChartRepository, type ChartRepositoryServer } from '../src/testing/chart-repository-server';
import { mainHelm } from '../src/testing/helm-binaries';
import { startHttpProxy, type HttpProxy } from '../src/testing/http-proxy';
import { quietLogger } from '../src/testing/memory-logger';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { startSilentServer, type SilentServer } from '../src/testing/silent-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

/** Loose: two answers of 10 s each, plus helm and staging, well below the 300 s of NX_HELM_COMMAND_TIMEOUT. */
const BOUND_MS = 45_000;

/**
 * OCI registries and HTTP chart repositories that take connections and never answer, or answer with headers and then
 * stop: lint and package fail in about 20 s (the bounds of nx-helm's own registry client), where `helm dependency
 * build` would wait for NX_HELM_COMMAND_TIMEOUT, with a message naming the dependency, the host, what was asked and
 * the fix. Hosts that answer work as before.
 */
describe('dependency downloads from hosts that do not answer are bounded (real helm, registry and chart repository)', () => {
  let silent: SilentServer;
  let stalling: SilentServer;
  let registry: RegistryServer;
  let repository: ChartRepositoryServer;
  let sources: TempWorkspace;
  let workspace: TempWorkspace;
  let cacheHome: string;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, HELM_BIN: mainHelm(), XDG_CACHE_HOME: cacheHome, ...extra });

  beforeAll(async () => {
    silent = await startSilentServer('silent');
    stalling = await startSilentServer('stall');
    registry = await startRegistry();
    sources = createTempWorkspace('nx-helm-download-bounds-sources-');
    writeChart(sources, 'oci-dep', { name: 'oci-dep', version: '1.0.0' });
    writeChart(sources, 'repo-dep', { name: 'repo-dep', version: '1.2.0' });
    const helm = (args: string[]) => execFileSync(mainHelm(), args, { cwd: sources.root, stdio: 'pipe' });
    helm(['package', 'oci-dep', '-d', sources.root]);
    helm(['push', join(sources.root, 'oci-dep-1.0.0.tgz'), `oci://${registry.host}/charts`, '--plain-http']);
    mkdirSync(join(sources.root, 'repo'));
    helm(['package', 'repo-dep', '-d', join(sources.root, 'repo')]);
    repository = await startChartRepository(join(sources.root, 'repo'));
    helm(['repo', 'index', join(sources.root, 'repo'), '--url', repository.url]);
  });
  afterAll(async () => {
    await silent?.stop();
    await stalling?.stop();
    await registry?.stop();
    await repository?.stop();
    sources?.dispose();
  });
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-download-bounds-');
    cacheHome = mkdtempSync(join(tmpdir(), 'nx-helm-download-bounds-cache-'));
  });
  afterEach(() => {
    workspace.dispose();
    rmSync(cacheHome, { recursive: true, force: true });
  });

  /** Lints and packages the chart at the same time; each command's message and time from its own start. */
  const lintAndPackage = (chartRoot: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const options = { workspaceRoot: workspace.root, chartRoot, log: quietLogger, env: env(extraEnv) };
    const timed = async (command: () => Promise<unknown>) => {
      const started = Date.now();
      const message = await command().then(
        () => 'succeeded',
        (error: Error) => error.message,
      );
      return { message, elapsedMs: Date.now() - started };
    };
    return Promise.all([timed(() => lintChart(options)), timed(() => packageChart(options))]);
  };

  it('fails lint and package in about 20 s for an OCI registry that never answers, naming the dependency, the host, the request and the fix', async () => {
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [{ name: 'redis', version: '1.0.0', repository: `oci://${silent.host}/charts` }],
    });
    for (const { message, elapsedMs } of await lintAndPackage('charts/app')) {
      expect(elapsedMs).toBeLessThan(BOUND_MS);
      expect(message).toMatch(
        new RegExp(
          `^The registry ${silent.host} of dependency "redis" \\(charts/app/Chart\\.yaml:\\d+\\) could not be read: it does not answer\\.\n`,
        ),
      );
      expect(message).toContain(`Reading the manifest of ${silent.host}/charts/redis:1.0.0 failed: no answer within 10 s (asked twice).`);
      expect(message).toMatch(
        new RegExp(
          `\nFix: check the repository oci://${silent.host}/charts in charts/app/Chart\\.yaml:\\d+ \\(host and port\\), and that ${silent.host} is up`,
        ),
      );
      expect(message).toContain('rather than let `helm dependency build` wait for NX_HELM_COMMAND_TIMEOUT (300 s)');
    }
  });

  it('fails lint and package in about 20 s for an OCI registry that sends headers and then stops', async () => {
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [{ name: 'redis', version: '^1.0.0', repository: `oci://${stalling.host}/charts` }],
    });
    for (const { message, elapsedMs } of await lintAndPackage('charts/app')) {
      expect(elapsedMs).toBeLessThan(BOUND_MS);
      expect(message).toContain(`The registry ${stalling.host} of dependency "redis"`);
      expect(message).toContain(
        `Listing the tags of ${stalling.host}/charts/redis failed: the answer stopped: no data for 10 s (asked twice).`,
      );
      expect(message).toContain(`Fix: check the repository oci://${stalling.host}/charts in charts/app/Chart.yaml`);
    }
  });

  it('fails lint and package in about 20 s for a chart repository that never answers, naming the dependency, the URL and the fix', async () => {
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [{ name: 'redis', version: '^1.0.0', repository: silent.url }],
    });
    for (const { message, elapsedMs } of await lintAndPackage('charts/app')) {
      expect(elapsedMs).toBeLessThan(BOUND_MS);
      expect(message).toMatch(
        new RegExp(
          `^The chart repository ${silent.url} of dependency "redis" \\(charts/app/Chart\\.yaml:\\d+\\) could not be read: it does not answer\\.\n`,
        ),
      );
      expect(message).toContain(`GET ${silent.url}/index.yaml failed: no answer within 10 s (asked twice).`);
      expect(message).toMatch(
        new RegExp(`\nFix: check the repository URL in charts/app/Chart\\.yaml:\\d+ \\(host and port\\), and that ${silent.host} is up`),
      );
      expect(message).toContain('NX_HELM_COMMAND_TIMEOUT (300 s)');
    }
  });

  it('fails lint and package in about 20 s for a chart repository that sends headers and then stops', async () => {
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [{ name: 'redis', version: '1.0.0', repository: stalling.url }],
    });
    for (const { message, elapsedMs } of await lintAndPackage('charts/app')) {
      expect(elapsedMs).toBeLessThan(BOUND_MS);
      expect(message).toContain(`The chart repository ${stalling.url} of dependency "redis"`);
      expect(message).toContain(`GET ${stalling.url}/index.yaml failed: the answer stopped: no data for 10 s (asked twice).`);
    }
  });

  it('asks a silent registry once for all the charts of a batch', async () => {
    const charts = ['app-1', 'app-2', 'app-3'];
    for (const chart of charts) {
      writeChart(workspace, `charts/${chart}`, {
        name: chart,
        dependencies: [{ name: 'redis', version: '1.0.0', repository: `oci://${silent.host}/charts` }],
      });
    }
    const tasks = charts.map((chart) => ({
      id: `${chart}:lint-chart`,
      options: { workspaceRoot: workspace.root, chartRoot: `charts/${chart}`, env: env() },
      dependsOn: [],
    }));
    const started = Date.now();
    const results: ChartBatchResult[] = [];
    // One chart at a time: charts asking the registry each in turn would take a minute.
    for await (const result of lintBatch(tasks, env({ NX_HELM_BATCH_CONCURRENCY: '1' }))) results.push(result);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);
    expect(results.map((result) => result.result.status)).toEqual(['failure', 'failure', 'failure']);
    for (const result of results) {
      expect(result.result.terminalOutput).toContain(
        `Reading the manifest of ${silent.host}/charts/redis:1.0.0 failed: no answer within 10 s`,
      );
    }
  });

  describe('with a registry that answers lookups but not downloads', () => {
    let proxy: HttpProxy;
    beforeAll(async () => {
      proxy = await startHttpProxy(Number(registry.host.split(':')[1]), {
        intercept: (incoming, outgoing) => {
          if (!incoming.url?.includes('/blobs/')) return false;
          // No length: helm would refuse one other than the blob's size before it waits.
          outgoing.writeHead(200, { 'Content-Type': 'application/octet-stream' });
          outgoing.flushHeaders();
          return true;
        },
      });
    });
    afterAll(() => proxy?.stop());

    it('stops `helm dependency build` after NX_HELM_COMMAND_TIMEOUT, the outer bound, and says so', async () => {
      writeChart(workspace, 'charts/app', {
        name: 'app',
        dependencies: [{ name: 'oci-dep', version: '1.0.0', repository: `oci://${proxy.host}/charts` }],
      });
      for (const { message, elapsedMs } of await lintAndPackage('charts/app', { NX_HELM_COMMAND_TIMEOUT: '5' })) {
        expect(elapsedMs).toBeLessThan(BOUND_MS);
        expect(message).toContain('Building the dependencies of chart "app" (charts/app/Chart.yaml) failed.');
        expect(message).toContain('did not finish in time and was stopped (a registry or chart repository that does not answer?)');
        expect(message).toContain('set NX_HELM_COMMAND_TIMEOUT to more seconds');
      }
      expect(proxy.requests.some((request) => request.path.includes('/manifests/1.0.0'))).toBe(true);
    });
  });

  it('lints and packages with dependencies from a registry and a chart repository that answer', async () => {
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [
        { name: 'oci-dep', version: '1.0.0', repository: `oci://${registry.host}/charts` },
        { name: 'repo-dep', version: '^1.0.0', repository: repository.url },
      ],
    });
    writeChart(workspace, 'charts/ranged', {
      name: 'ranged',
      dependencies: [{ name: 'oci-dep', version: '^1.0.0', repository: `oci://${registry.host}/charts` }],
    });
    const results = [...(await lintAndPackage('charts/app')), ...(await lintAndPackage('charts/ranged'))];
    expect(results.map((result) => result.message)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const entries = execFileSync('tar', ['-tzf', join(workspace.root, 'dist/charts/app/app-0.1.0.tgz')], { encoding: 'utf8' });
    expect(entries).toContain('app/charts/oci-dep/Chart.yaml');
    expect(entries).toContain('app/charts/repo-dep/Chart.yaml');
    for (const { elapsedMs } of results) expect(elapsedMs).toBeLessThan(BOUND_MS);
  });
});
