import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { captureLogger } from '../src/testing/capture-logger';
import { fileDigest } from '../src/utils/file-digest';
import { copyExampleCharts } from '../src/testing/example-charts';
import { startFaultProxy } from '../src/testing/fault-proxy';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { EXAMPLE_CHART_NAMES, packageCharts, pushChart, readPushRecord, verifyChart } from '../src/testing/push-helpers';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

const PASSWORD = 'guard-Pa55word';

describe('push-chart guards (real registry, Helm 4)', () => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let log: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());
  beforeEach(async () => {
    workspace = createTempWorkspace();
    copyExampleCharts(workspace);
    log = captureLogger();
    await packageCharts(workspace.root, mainHelm(), ['web']);
  });
  afterEach(() => {
    log.restore();
    workspace.dispose();
  });

  const options = (path: string, extra = {}) => ({
    helmPath: mainHelm(),
    registry: `oci://${registry.host}/${path}`,
    plainHttp: true,
    retryDelayMs: 50,
    ...extra,
  });

  it('refuses a version already published with other content, and replaces it with allowOverwrite', async () => {
    await expect(pushChart(workspace.root, 'web', options('guard'))).resolves.toEqual({ success: true });
    const published = readPushRecord(workspace.root, 'web');

    // The chart changes without a version bump.
    workspace.write('charts/web/templates/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    await packageCharts(workspace.root, mainHelm(), ['web']);
    await expect(pushChart(workspace.root, 'web', options('guard'))).resolves.toEqual({ success: false });
    expect(log.output()).not.toContain('retrying');
    const refused = readPushRecord(workspace.root, 'web');
    expect(refused).toMatchObject({ status: 'failed', digest: published.digest });
    expect(refused.chartDigest).not.toBe(published.chartDigest);
    expect(log.output()).toContain(
      `oci://${registry.host}/guard/web:0.1.0 is already published with other content (registry: chart ${published.chartDigest}, ` +
        `local package: ${refused.chartDigest}). A published version must not change: bump \`version\` in charts/web/Chart.yaml, ` +
        'or set allowOverwrite: true on the push-chart target to replace it.',
    );
    expect(await registry.manifestDigest('guard/web', '0.1.0')).toBe(published.digest);

    await expect(pushChart(workspace.root, 'web', options('guard', { allowOverwrite: true }))).resolves.toEqual({ success: true });
    const overwritten = readPushRecord(workspace.root, 'web');
    expect(overwritten).toMatchObject({ status: 'pushed', chartDigest: refused.chartDigest });
    expect(overwritten.digest).not.toBe(published.digest);
    expect(await registry.manifestDigest('guard/web', '0.1.0')).toBe(overwritten.digest);
  });

  it('pulls a pushed chart back by digest and checks it against push.json and the local package', async () => {
    await expect(pushChart(workspace.root, 'web', options('verified'))).resolves.toEqual({ success: true });
    const pushed = readPushRecord(workspace.root, 'web');
    await expect(verifyChart(workspace.root, 'web', { helmPath: mainHelm(), plainHttp: true })).resolves.toEqual({ success: true });
    expect(log.output()).toContain(
      `Verified oci://${registry.host}/verified/web@${pushed.digest}: the registry serves the pushed manifest and chart archive (${pushed.chartDigest}).`,
    );

    // A record that does not match what the registry serves fails verification.
    const file = `${workspace.root}/dist/charts/web/push.json`;
    writeFileSync(file, JSON.stringify({ ...pushed, chartDigest: `sha256:${'0'.repeat(64)}` }));
    await expect(verifyChart(workspace.root, 'web', { helmPath: mainHelm(), plainHttp: true })).resolves.toEqual({ success: false });
    expect(log.output()).toContain(
      `does not match what was pushed: chart archive ${pushed.chartDigest} instead of sha256:${'0'.repeat(64)} (push.json)`,
    );

    // So does a digest the registry does not have.
    writeFileSync(file, JSON.stringify({ ...pushed, digest: `sha256:${'1'.repeat(64)}` }));
    await expect(verifyChart(workspace.root, 'web', { helmPath: mainHelm(), plainHttp: true })).resolves.toEqual({ success: false });
    expect(log.output()).toContain(`Pulling oci://${registry.host}/verified/web@sha256:${'1'.repeat(64)} failed.`);
  });

  it('gives the same chart and manifest digests from two fresh git clones, packaged and pushed with Helm 4 and with Helm 3', async () => {
    const origin = createTempWorkspace('nx-helm-origin-');
    const clones = [createTempWorkspace('nx-helm-clone-a-'), createTempWorkspace('nx-helm-clone-b-')];
    try {
      copyExampleCharts(origin);
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', args, {
          cwd,
          stdio: 'pipe',
          env: { ...process.env, GIT_AUTHOR_DATE: '1700000000 +0000', GIT_COMMITTER_DATE: '1700000000 +0000' },
        });
      git(origin.root, 'init', '-q');
      git(origin.root, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '-A');
      git(origin.root, '-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-q', '-m', 'charts');
      const helms = [mainHelm(), helm3()];
      const records = [];
      for (const [index, clone] of clones.entries()) {
        rmSync(clone.root, { recursive: true, force: true });
        git(tmpdir(), 'clone', '-q', origin.root, clone.root);
        await packageCharts(clone.root, helms[index]);
        const perChart: Record<string, string> = {};
        for (const chart of EXAMPLE_CHART_NAMES) {
          await expect(
            pushChart(clone.root, chart, { helmPath: helms[index], registry: `oci://${registry.host}/clone-${index}`, plainHttp: true }),
          ).resolves.toEqual({ success: true });
          const record = readPushRecord(clone.root, chart);
          expect(record.status).toBe('pushed');
          perChart[chart] = `${record.chartDigest} ${record.digest}`;
        }
        records.push(perChart);
      }
      expect(records[1]).toEqual(records[0]);
      const manifest = await registry.manifest('clone-0/web', '0.1.0');
      // Without SOURCE_DATE_EPOCH every package has the fixed timestamp, whatever the commit dates.
      expect(manifest.annotations?.['org.opencontainers.image.created']).toBe('1980-01-01T00:00:00Z');
    } finally {
      [origin, ...clones].forEach((workspace) => workspace.dispose());
    }
  });

  it('asks the registry on a dry run and says what a push would do, pushing and recording nothing', async () => {
    const dryRun = async () => {
      const before = log.output().length;
      await expect(pushChart(workspace.root, 'web', options('dry', { dryRun: true }))).resolves.toEqual({ success: true });
      return log.output().slice(before);
    };
    const archive = 'dist/charts/web/web-0\\.1\\.0\\.tgz';
    expect(await dryRun()).toMatch(
      new RegExp(`^Dry run: would push ${archive} \\(sha256:[0-9a-f]{64}\\) to oci://${registry.host}/dry/web:0\\.1\\.0\\.$`, 'm'),
    );
    expect(await registry.manifestDigest('dry/web', '0.1.0')).toBeUndefined();
    expect(existsSync(`${workspace.root}/dist/charts/web/push.json`)).toBe(false);

    await expect(pushChart(workspace.root, 'web', options('dry'))).resolves.toEqual({ success: true });
    const pushed = readPushRecord(workspace.root, 'web');
    expect(await dryRun()).toContain(
      `Dry run: would skip oci://${registry.host}/dry/web:0.1.0: it is already published with the same content (${pushed.digest}).`,
    );
    expect(readPushRecord(workspace.root, 'web')).toEqual(pushed);
    // The chart changes without a version bump.
    writeFileSync(join(workspace.root, 'charts/web/templates/extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    await packageCharts(workspace.root, mainHelm(), ['web']);
    expect(await dryRun()).toContain(`Dry run: would refuse to push dist/charts/web/web-0.1.0.tgz to oci://${registry.host}/dry/web:0.1.0`);
    expect(await registry.manifestDigest('dry/web', '0.1.0')).toBe(pushed.digest);
    // Packaging removed the record; the dry run wrote none.
    expect(existsSync(`${workspace.root}/dist/charts/web/push.json`)).toBe(false);
    rmSync(join(workspace.root, 'charts/web/templates/extra.yaml'));
    await packageCharts(workspace.root, mainHelm(), ['web']);
  });

  it('explains a missing package, registry or credential variable', async () => {
    await expect(pushChart(workspace.root, 'worker', options('x'))).resolves.toEqual({ success: false });
    expect(log.output()).toContain(
      'There is no package to push for worker: dist/charts/worker/worker-0.1.0.tgz does not exist. Run the package-chart target first',
    );

    await expect(pushChart(workspace.root, 'web', { helmPath: mainHelm() })).resolves.toEqual({ success: false });
    expect(log.output()).toContain('There is no registry to push web to. Set "registry" in the nx-helm plugin options in nx.json');

    await expect(
      pushChart(
        workspace.root,
        'web',
        options('x', { registries: { [registry.host]: { usernameEnv: 'NO_SUCH_USER_VAR', passwordEnv: 'NO_SUCH_PASSWORD_VAR' } } }),
      ),
    ).resolves.toEqual({ success: false });
    expect(log.output()).toContain('the environment variable(s) NO_SUCH_USER_VAR, NO_SUCH_PASSWORD_VAR are not set');
  });

  it('lets NX_HELM_REGISTRY override the configured registry', async () => {
    process.env.NX_HELM_REGISTRY = `oci://${registry.host}/from-env`;
    try {
      await expect(pushChart(workspace.root, 'web', options('configured'))).resolves.toEqual({ success: true });
    } finally {
      delete process.env.NX_HELM_REGISTRY;
    }
    expect(readPushRecord(workspace.root, 'web').reference).toBe(`oci://${registry.host}/from-env/web:0.1.0`);
    expect(await registry.manifestDigest('configured/web', '0.1.0')).toBeUndefined();
  });

  it('publishes 100 charts with correct digests through a proxy that fails 30 % of requests', async () => {
    // Three requests in ten fail: half with 503, half with a dropped connection.
    const proxy = await startFaultProxy(Number(registry.host.split(':')[1]), 0.3);
    try {
      const names = Array.from({ length: 100 }, (_, index) => `flaky-${index}`);
      for (const name of names) {
        writeChart(workspace, `charts/${name}`, { name, version: '1.0.0' });
      }
      await packageCharts(workspace.root, mainHelm(), names);
      for (const name of names) {
        const result = await pushChart(workspace.root, name, {
          helmPath: mainHelm(),
          registry: `oci://${proxy.host}/flaky`,
          plainHttp: true,
          retries: 10,
          retryDelayMs: 20,
          retryMaxDelayMs: 200,
        });
        expect({ name, ...result, output: result.success ? '' : log.output() }).toEqual({ name, success: true, output: '' });
      }
      for (const name of names) {
        const record = readPushRecord(workspace.root, name);
        const manifest = await registry.manifest(`flaky/${name}`, '1.0.0');
        expect({ name, status: record.status, digest: record.digest, chart: record.chartDigest }).toEqual({
          name,
          status: 'pushed',
          digest: await registry.manifestDigest(`flaky/${name}`, '1.0.0'),
          chart: manifest.layers.find((layer) => layer.mediaType === 'application/vnd.cncf.helm.chart.content.v1.tar+gzip')?.digest,
        });
        expect(record.chartDigest).toBe(fileDigest(join(workspace.root, `dist/charts/${name}/${name}-1.0.0.tgz`)));
      }
      expect(proxy.stats.failedWith503).toBeGreaterThanOrEqual(100);
      expect(proxy.stats.dropped).toBeGreaterThanOrEqual(100);
      expect(log.output()).toContain('retrying in');
    } finally {
      await proxy.stop();
    }
  }, 180_000);

  it('retries a refused connection a bounded number of times, then says what failed', async () => {
    const closedPort = registry.host.replace(/:\d+$/, ':1');
    await expect(
      pushChart(workspace.root, 'web', {
        helmPath: mainHelm(),
        registry: `oci://${closedPort}/x`,
        plainHttp: true,
        retries: 2,
        retryDelayMs: 20,
      }),
    ).resolves.toEqual({ success: false });
    expect(log.output().match(/retrying in/g)).toHaveLength(2);
    expect(log.output()).toContain(
      `Reading the manifest of ${closedPort}/x/web:0.1.0 failed after 3 attempts: connect ECONNREFUSED ${closedPort}.`,
    );
    expect(log.output()).toContain('or the network failed; try again later, or allow more retries');
  });
});

describe('push-chart with registry credentials (real htpasswd registry, Helm 4)', () => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let log: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'pusher', password: PASSWORD } });
    workspace = createTempWorkspace();
    copyExampleCharts(workspace);
    const quiet = captureLogger();
    await packageCharts(workspace.root, mainHelm(), ['web']).finally(quiet.restore);
  });
  afterAll(async () => {
    await registry.stop();
    workspace.dispose();
  });
  beforeEach(() => (log = captureLogger()));
  afterEach(() => {
    log.restore();
    delete process.env.TEST_USER;
    delete process.env.TEST_PASSWORD;
  });

  it('fails fast on rejected credentials, naming the registry and the fix, without showing the password', async () => {
    process.env.TEST_USER = 'pusher';
    process.env.TEST_PASSWORD = 'wrong-password';
    const result = await pushChart(workspace.root, 'web', {
      helmPath: mainHelm(),
      registry: `oci://${registry.host}/private`,
      registries: { [registry.host]: { usernameEnv: 'TEST_USER', passwordEnv: 'TEST_PASSWORD', plainHttp: true } },
    });
    expect(result).toEqual({ success: false });
    expect(log.output()).toContain(`Reading the manifest of ${registry.host}/private/web:0.1.0 failed: HTTP 401`);
    expect(log.output()).toContain(
      `Fix: ${registry.host} did not accept the user name and password from the environment variables TEST_USER and TEST_PASSWORD: check their values.`,
    );
    expect(log.output()).not.toContain('wrong-password');
    // Rejected credentials are final: no retry, no backoff.
    expect(log.output()).not.toContain('retrying');
  });

  it('fails fast when no credentials are configured for a registry that needs them', async () => {
    const result = await pushChart(workspace.root, 'web', {
      helmPath: mainHelm(),
      registry: `oci://${registry.host}/private`,
      plainHttp: true,
    });
    expect(result).toEqual({ success: false });
    expect(log.output()).not.toContain('retrying');
    expect(log.output()).toContain(
      `Reading the manifest of ${registry.host}/private/web:0.1.0 failed: HTTP 401 (UNAUTHORIZED: authentication required).\n` +
        `Fix: no credentials for ${registry.host} were found (not logged in): log in with \`helm registry login ${registry.host}\``,
    );
    expect(readPushRecord(workspace.root, 'web')).toMatchObject({ status: 'failed' });
  });

  it('pushes with the configured variables; the helm login that pulls a version back to compare it is removed', async () => {
    process.env.TEST_USER = 'pusher';
    process.env.TEST_PASSWORD = PASSWORD;
    // The real helm, noting for each pull its registry config, when that holds a login, and its destination folder.
    const pulls = join(workspace.root, 'pulls');
    const helmWrapper = join(workspace.root, 'helm-wrapper');
    writeFileSync(
      helmWrapper,
      `#!/bin/sh\nif [ "$1" = pull ] && [ -s "$HELM_REGISTRY_CONFIG" ]; then echo "$HELM_REGISTRY_CONFIG $4" >> '${pulls}'; fi\nexec '${mainHelm()}' "$@"\n`,
      { mode: 0o755 },
    );
    const options = {
      helmPath: helmWrapper,
      registry: `oci://${registry.host}/private`,
      registries: { [registry.host]: { usernameEnv: 'TEST_USER', passwordEnv: 'TEST_PASSWORD', plainHttp: true } },
    };
    await expect(pushChart(workspace.root, 'web', options)).resolves.toEqual({ success: true });
    const pushed = readPushRecord(workspace.root, 'web');
    expect(pushed).toMatchObject({ status: 'pushed', digest: await registry.manifestDigest('private/web', '0.1.0') });

    // Packaged at another time: another archive digest for the same content, so the push pulls the published one.
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      await packageCharts(workspace.root, mainHelm(), ['web']);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
    await expect(pushChart(workspace.root, 'web', options)).resolves.toEqual({ success: true });
    expect(readPushRecord(workspace.root, 'web')).toMatchObject({
      status: 'skipped',
      digest: pushed.digest,
      packagedChartDigest: expect.not.stringMatching(pushed.chartDigest),
    });
    const pulled = readFileSync(pulls, 'utf8').trim().split('\n');
    expect(pulled).toHaveLength(1);
    const [config, destination] = pulled[0].split(' ');
    expect([basename(dirname(config)), basename(destination)]).toEqual([
      expect.stringMatching(/^nx-helm-registry-/),
      expect.stringMatching(/^nx-helm-compare-/),
    ]);
    expect([dirname(config), destination].filter((folder) => existsSync(folder))).toEqual([]);
  });
});
