import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packageExecutor from '../src/executors/package/executor';
import lintExecutor from '../src/executors/lint/executor';
import { captureLogger } from '../src/testing/capture-logger';
import { startChartRepository, type ChartRepositoryServer } from '../src/testing/chart-repository-server';
import { executorContextFor } from '../src/testing/executor-context';
import { mainHelm } from '../src/testing/helm-binaries';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

const OCI = { username: 'deps', password: 'oci-Pa55word' };
const HTTP = { username: 'repo', password: 'http-Pa55word' };
const CREDENTIALS = {
  DEPS_OCI_USER: OCI.username,
  DEPS_OCI_PASSWORD: OCI.password,
  DEPS_HTTP_USER: HTTP.username,
  DEPS_HTTP_PASSWORD: HTTP.password,
};

/**
 * Charts depending on a private OCI registry (htpasswd) and a private HTTP chart repository (basic auth), with
 * credentials from the `registries` option (names of environment variables).
 */
describe('OCI and HTTP chart dependencies with registry credentials (real helm, registry and chart repository)', () => {
  let registry: RegistryServer;
  let repository: ChartRepositoryServer;
  let sources: TempWorkspace;
  let workspace: TempWorkspace;

  const registriesOption = (withOciCredentials = true, withHttpCredentials = true) => ({
    [registry.host]: withOciCredentials ? { usernameEnv: 'DEPS_OCI_USER', passwordEnv: 'DEPS_OCI_PASSWORD' } : {},
    [repository.host]: withHttpCredentials ? { usernameEnv: 'DEPS_HTTP_USER', passwordEnv: 'DEPS_HTTP_PASSWORD' } : {},
  });

  beforeAll(async () => {
    registry = await startRegistry({ auth: OCI });
    sources = createTempWorkspace('nx-helm-dependency-sources-');
    writeChart(sources, 'ext-oci', { name: 'ext-oci', version: '1.0.0' });
    writeChart(sources, 'ext-http', { name: 'ext-http', version: '2.0.0' });
    writeChart(sources, 'ext-oci-next', { name: 'ext-oci', version: '1.0.1' });
    mkdirSync(join(sources.root, 'repo'));
    const helm = (args: string[], input?: string) =>
      execFileSync(mainHelm(), args, {
        cwd: sources.root,
        input,
        env: { ...process.env, HELM_REGISTRY_CONFIG: join(sources.root, 'registry.json') },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    helm(['package', 'ext-oci', '-d', sources.root]);
    helm(['registry', 'login', registry.host, '--username', OCI.username, '--password-stdin', '--plain-http'], OCI.password);
    helm(['push', join(sources.root, 'ext-oci-1.0.0.tgz'), `oci://${registry.host}/deps`, '--plain-http']);
    helm(['package', 'ext-oci-next', '-d', sources.root]);
    helm(['push', join(sources.root, 'ext-oci-1.0.1.tgz'), `oci://${registry.host}/deps`, '--plain-http']);
    helm(['package', 'ext-http', '-d', join(sources.root, 'repo')]);
    repository = await startChartRepository(join(sources.root, 'repo'), HTTP);
    helm(['repo', 'index', join(sources.root, 'repo'), '--url', repository.url]);

    workspace = createExampleWorkspace();
    writeChart(workspace, 'charts/consumer', {
      name: 'consumer',
      dependencies: [
        { name: 'ext-oci', version: '1.0.0', repository: `oci://${registry.host}/deps` },
        { name: 'ext-http', version: '^2.0.0', repository: repository.url },
      ],
    });
    const nxJson = JSON.parse(readFileSync(join(workspace.root, 'nx.json'), 'utf8'));
    nxJson.plugins = [{ plugin: 'nx-helm', options: { registries: registriesOption() } }];
    workspace.write('nx.json', JSON.stringify(nxJson, null, 2));
  });
  afterAll(async () => {
    await registry?.stop();
    await repository?.stop();
    sources.dispose();
    workspace.dispose();
  });

  it('lints and packages with both private dependencies downloaded into the package', () => {
    const result = runNx(workspace.root, ['run-many', '-t', 'lint-chart', 'package-chart', '-p', 'consumer', '--output-style=static'], {
      HELM_BIN: mainHelm(),
      ...CREDENTIALS,
    });
    expect({ status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, output: '' });
    const entries = execFileSync('tar', ['-tzf', join(workspace.root, 'dist/charts/consumer/consumer-0.1.0.tgz')], {
      encoding: 'utf8',
    });
    expect(entries).toContain('consumer/charts/ext-oci/Chart.yaml');
    expect(entries).toContain('consumer/charts/ext-http/Chart.yaml');
    expect(result.output).not.toContain(OCI.password);
    expect(result.output).not.toContain(HTTP.password);
  });

  /** Each test of the block gets the credential variables and a captured log. */
  const withCredentialsAndLog = () => {
    const state = { log: undefined as unknown as ReturnType<typeof captureLogger> };
    beforeEach(() => {
      state.log = captureLogger();
      Object.assign(process.env, CREDENTIALS);
    });
    afterEach(() => {
      state.log.restore();
      for (const name of Object.keys(CREDENTIALS)) delete process.env[name];
    });
    return state;
  };

  describe('errors', () => {
    const state = withCredentialsAndLog();
    const log = { output: () => state.log.output() };

    const build = (executor: typeof lintExecutor | typeof packageExecutor, registries: object, chart = 'consumer') =>
      executor(
        { helmPath: mainHelm(), registries, outputPath: `dist/charts/${chart}` } as never,
        executorContextFor(workspace.root, chart, `charts/${chart}`),
      );

    it('names the OCI dependency, its registry and "unauthorized" without credentials', async () => {
      await expect(build(packageExecutor, registriesOption(false, true))).resolves.toEqual({ success: false });
      expect(log.output()).toContain(
        `The dependency "ext-oci" 1.0.0 from oci://${registry.host}/deps could not be downloaded: unauthorized. Configure usernameEnv/passwordEnv for its host`,
      );
    });

    it('names the HTTP repository, its dependency and "unauthorized" without credentials', async () => {
      await expect(build(lintExecutor, registriesOption(true, false))).resolves.toEqual({ success: false });
      expect(log.output()).toContain(`The chart repository ${repository.url} of dependency "ext-http" could not be read: unauthorized.`);
    });

    it('says which dependency was not found', async () => {
      writeChart(workspace, 'charts/missing', {
        name: 'missing',
        dependencies: [{ name: 'ext-oci', version: '9.9.9', repository: `oci://${registry.host}/deps` }],
      });
      await expect(build(lintExecutor, registriesOption(), 'missing')).resolves.toEqual({ success: false });
      expect(log.output()).toContain(`The dependency "ext-oci" 9.9.9 from oci://${registry.host}/deps was not found`);
    });

    it('names a dependency used under several aliases once, with its aliases', async () => {
      workspace.write(
        'charts/aliased/Chart.yaml',
        [
          'apiVersion: v2',
          'name: aliased',
          'version: 0.1.0',
          'dependencies:',
          ...['first', 'second', 'third'].flatMap((alias) => [
            '  - name: ext-oci',
            '    version: 9.9.9',
            `    repository: oci://${registry.host}/deps`,
            `    alias: ${alias}`,
          ]),
          '',
        ].join('\n'),
      );
      await expect(build(lintExecutor, registriesOption(), 'aliased')).resolves.toEqual({ success: false });
      expect(log.output()).toContain(
        `The dependency "ext-oci" (as "first", "second", "third") 9.9.9 from oci://${registry.host}/deps was not found`,
      );
      expect(log.output().match(/"ext-oci"/g)).toHaveLength(1);
    });
  });

  describe('digest pinning', () => {
    const state = withCredentialsAndLog();
    const log = { output: () => state.log.output() };

    const pinnedChart = (digest: string) => {
      workspace.write(
        'charts/pinned/Chart.yaml',
        [
          'apiVersion: v2',
          'name: pinned',
          'version: 0.1.0',
          'annotations:',
          `  nx-helm/digest.ext-oci: "${digest}"`,
          'dependencies:',
          '  - name: ext-oci',
          '    version: 1.0.0',
          `    repository: oci://${registry.host}/deps`,
          '',
        ].join('\n'),
      );
      workspace.write('charts/pinned/templates/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\n');
      return lintExecutor(
        { helmPath: mainHelm(), registries: registriesOption() },
        executorContextFor(workspace.root, 'pinned', 'charts/pinned'),
      );
    };

    it('accepts a dependency that is exactly the pinned manifest, and leaves no credentials behind', async () => {
      const digest = (await registry.manifestDigest('deps/ext-oci', '1.0.0'))!;
      const ownTmp = mkdtempSync(join(tmpdir(), 'nx-helm-pinned-'));
      const saved = process.env.TMPDIR;
      process.env.TMPDIR = ownTmp;
      try {
        await expect(pinnedChart(digest)).resolves.toEqual({ success: true });
        expect(readdirSync(ownTmp)).toEqual([]);
      } finally {
        process.env.TMPDIR = saved;
        if (saved === undefined) delete process.env.TMPDIR;
        rmSync(ownTmp, { recursive: true, force: true });
      }
    });

    it('refuses a dependency whose version now serves other content than the pinned digest', async () => {
      const otherDigest = (await registry.manifestDigest('deps/ext-oci', '1.0.1'))!;
      await expect(pinnedChart(otherDigest)).resolves.toEqual({ success: false });
      expect(log.output()).toContain(
        `Chart "pinned": the dependency "ext-oci" 1.0.0 from oci://${registry.host}/deps is not the pinned ${otherDigest}: the registry serves other content for that version`,
      );
    });

    it('refuses a pin the registry does not have, and a malformed one', async () => {
      const unknown = `sha256:${'0'.repeat(64)}`;
      await expect(pinnedChart(unknown)).resolves.toEqual({ success: false });
      expect(log.output()).toContain(
        `Chart "pinned" pins its dependency "ext-oci" to ${unknown}, but oci://${registry.host}/deps/ext-oci@${unknown} cannot be pulled.`,
      );
      await expect(pinnedChart('latest')).resolves.toEqual({ success: false });
      expect(log.output()).toContain(
        'charts/pinned/Chart.yaml (field annotations["nx-helm/digest.ext-oci"]) pins "ext-oci" to "latest", which is not a sha256 digest.',
      );
    });
  });

  it('needs no network for a cached run: the downloaded dependencies are part of the cached package', async () => {
    await registry.stop();
    await repository.stop();
    const result = runNx(workspace.root, ['run-many', '-t', 'lint-chart', 'package-chart', '-p', 'consumer', '--output-style=static'], {
      HELM_BIN: mainHelm(),
      ...CREDENTIALS,
    });
    expect(result.status).toBe(0);
    expect(result.output).toContain('Nx read the output from the cache instead of running the command for 2 out of 2 tasks.');
    expect(execFileSync('tar', ['-tzf', join(workspace.root, 'dist/charts/consumer/consumer-0.1.0.tgz')], { encoding: 'utf8' })).toContain(
      'consumer/charts/ext-oci/Chart.yaml',
    );
  });
});
