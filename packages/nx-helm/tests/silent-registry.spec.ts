import { lintChart } from '../src/commands/lint';
import { pushChart } from '../src/commands/push';
import { packageChart } from '../src/commands/package';
import { mainHelm } from '../src/testing/helm-binaries';
import { startSilentServer, type SilentServer } from '../src/testing/silent-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { quietLogger } from '../src/testing/memory-logger';

/**
 * A registry that accepts connections and never answers: lint (through an OCI dependency, where helm itself would wait
 * forever) and push fail in bounded time, saying what failed. The default bounds of dependency downloads are tested in
 * dependency-download-bounds.spec.ts.
 */
describe('a registry that never answers (real helm)', () => {
  let workspace: TempWorkspace;
  let host: string;
  let silent: SilentServer;

  beforeAll(async () => {
    silent = await startSilentServer();
    host = silent.host;
  });
  afterAll(() => silent.stop());
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-silent-');
  });
  afterEach(() => workspace.dispose());

  it('gives up on an OCI dependency within a shorter NX_HELM_COMMAND_TIMEOUT, and says why', async () => {
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [{ name: 'redis', version: '1.0.0', repository: `oci://${host}/charts` }],
    });
    const started = Date.now();
    const failure = await lintChart({
      workspaceRoot: workspace.root,
      chartRoot: 'charts/app',
      log: quietLogger,
      env: { ...process.env, HELM_BIN: mainHelm(), NX_HELM_COMMAND_TIMEOUT: '3' },
      registries: { [host]: { plainHttp: true } },
    }).then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
    // Two answers of half the command timeout each.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(failure).toMatch(
      /^The registry \S+ of dependency "redis" \(charts\/app\/Chart\.yaml:\d+\) could not be read: it does not answer\./,
    );
    expect(failure).toContain(`Reading the manifest of ${host}/charts/redis:1.0.0 failed: no answer within 1.5 s (asked twice).`);
    expect(failure).toContain('(half of NX_HELM_COMMAND_TIMEOUT; raise it for a host that is only slow)');
  });

  it('fails a push in seconds with the default timeouts, before helm runs', async () => {
    writeChart(workspace, 'charts/web', { name: 'web' });
    const env = { ...process.env, HELM_BIN: mainHelm() };
    await packageChart({ workspaceRoot: workspace.root, chartRoot: 'charts/web', log: quietLogger, env });
    const started = Date.now();
    const failure = await pushChart({
      workspaceRoot: workspace.root,
      chartRoot: 'charts/web',
      log: quietLogger,
      env,
      registry: `oci://${host}/charts`,
      registries: { [host]: { plainHttp: true } },
      retryDelayMs: 100,
      retryMaxDelayMs: 100,
    }).then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
    // Two attempts of 10 s each, whatever the retries (4 by default).
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(failure).toMatch(/failed after 2 attempts: no answer within 10 s/);
  }, 60_000);
});
