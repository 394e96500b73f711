import { createServer, type Socket } from 'node:net';
import { lintChart } from '../src/commands/lint';
import { pushChart } from '../src/commands/push';
import { packageChart } from '../src/commands/package';
import { mainHelm } from '../src/testing/helm-binaries';
import { freePort } from '../src/testing/registry-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { quietLogger } from '../src/testing/memory-logger';

/**
 * A registry that accepts connections and never answers: lint (through an OCI dependency, where helm itself would wait
 * forever) and push fail in bounded time, saying what failed.
 */
describe('a registry that never answers (real helm)', () => {
  let workspace: TempWorkspace;
  let host: string;
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));

  beforeAll(async () => {
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    host = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-silent-');
  });
  afterEach(() => workspace.dispose());

  it('stops helm dependency build when it does not finish in time, and says why', async () => {
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
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(failure).toContain('Building the dependencies of chart "app" (charts/app/Chart.yaml) failed.');
    expect(failure).toContain('did not finish in time and was stopped (a registry or chart repository that does not answer?)');
    expect(failure).toContain('set NX_HELM_COMMAND_TIMEOUT to more seconds');
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
