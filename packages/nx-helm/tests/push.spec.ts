import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogger } from '../src/testing/capture-logger';
import { copyExampleCharts } from '../src/testing/example-charts';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { EXAMPLE_CHART_NAMES, packageCharts, pushChart, readPushRecord } from '../src/testing/push-helpers';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';
import type { PushExecutorSchema } from '../src/executors/push/schema';

const sha256 = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

type Setup = 'plain http' | 'htpasswd auth' | 'TLS with a self-signed CA';
const SETUPS: Setup[] = ['plain http', 'htpasswd auth', 'TLS with a self-signed CA'];
const HELMS = [
  { label: 'Helm 4', major: 4, path: () => mainHelm() },
  { label: 'Helm 3', major: 3, path: () => helm3() },
];
const PASSWORD = 's3cret-Pa55word-for-tests';

describe.each(SETUPS)('push-chart against a real registry (%s)', (setup) => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let log: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    registry = await startRegistry({
      auth: setup === 'htpasswd auth' ? { username: 'pusher', password: PASSWORD } : undefined,
      tls: setup === 'TLS with a self-signed CA',
    });
    workspace = createTempWorkspace();
    copyExampleCharts(workspace);
    const quiet = captureLogger();
    await packageCharts(workspace.root, mainHelm()).finally(quiet.restore);
  });
  afterAll(async () => {
    await registry.stop();
    workspace.dispose();
  });
  beforeEach(() => {
    log = captureLogger();
    process.env.TEST_REGISTRY_USER = 'pusher';
    process.env.TEST_REGISTRY_PASSWORD = PASSWORD;
  });
  afterEach(() => {
    log.restore();
    delete process.env.TEST_REGISTRY_USER;
    delete process.env.TEST_REGISTRY_PASSWORD;
  });

  const optionsFor = (helmPath: string, path: string): PushExecutorSchema => ({
    helmPath,
    registry: `oci://${registry.host}/${path}`,
    registries: {
      [registry.host]: {
        ...(setup === 'htpasswd auth' ? { usernameEnv: 'TEST_REGISTRY_USER', passwordEnv: 'TEST_REGISTRY_PASSWORD' } : {}),
        ...(setup === 'TLS with a self-signed CA' ? { caFile: registry.caFile } : { plainHttp: true }),
      },
    },
    retryDelayMs: 100,
  });

  // The lookup and the upload are nx-helm's own registry client whichever helm is configured; the record names the
  // configured helm's version.
  for (const helm of HELMS) {
    it(`with ${helm.label} configured: pushes every example chart with its digests, recording Helm ${helm.major}, then skips them all on a re-run`, async () => {
      const path = `charts${helm.major}`;
      for (const chart of EXAMPLE_CHART_NAMES) {
        await expect(pushChart(workspace.root, chart, optionsFor(helm.path(), path))).resolves.toEqual({ success: true });
        const record = readPushRecord(workspace.root, chart);
        const archive = join(workspace.root, `dist/charts/${chart}/${chart}-0.1.0.tgz`);
        expect(record).toMatchObject({
          chart,
          version: '0.1.0',
          status: 'pushed',
          reference: `oci://${registry.host}/${path}/${chart}:0.1.0`,
          registry: `oci://${registry.host}/${path}`,
          chartDigest: sha256(archive),
          helmVersion: expect.stringMatching(new RegExp(`^${helm.major}\\.`)),
        });
        expect(record.digest).toBe(await registry.manifestDigest(`${path}/${chart}`, '0.1.0'));
        const manifest = await registry.manifest(`${path}/${chart}`, '0.1.0');
        expect(manifest.layers.find((layer) => layer.mediaType === 'application/vnd.cncf.helm.chart.content.v1.tar+gzip')?.digest).toBe(
          sha256(archive),
        );
      }
      expect(log.output()).toMatch(
        new RegExp(`web 0\\.1\\.0 pushed: oci://${registry.host.replace(/\./g, '\\.')}/${path}/web:0\\.1\\.0@sha256:[0-9a-f]{64}`),
      );

      for (const chart of EXAMPLE_CHART_NAMES) {
        const first = readPushRecord(workspace.root, chart);
        await expect(pushChart(workspace.root, chart, optionsFor(helm.path(), path))).resolves.toEqual({ success: true });
        expect(readPushRecord(workspace.root, chart)).toMatchObject({
          status: 'skipped',
          digest: first.digest,
          chartDigest: first.chartDigest,
        });
      }
    });
  }
});
