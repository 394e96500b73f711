import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageChart } from '../src/commands/package';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { quietLogger } from '../src/testing/memory-logger';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

const CLI = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js');
const USER = 'ci-pusher';
const PASSWORD = 'Interrupt-Canary-5e4d3c2b1a';

/** Every regular file below `dir` (not following links) with its content. */
function filesBelow(dir: string): Array<{ path: string; content: string }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesBelow(path);
    return entry.isFile() && statSync(path).size < 5_000_000 ? [{ path, content: readFileSync(path, 'latin1') }] : [];
  });
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `nx-helm push` interrupted while helm pushes (a CI job cancelled mid-publish): logged in to a real registry with
 * htpasswd, its helm held inside `helm push`. Nothing may be left: no registry login, no temporary folder, no
 * half-written push.json, no chart in the registry, and helm must not go on pushing after nx-helm is gone.
 */
describe('interrupting a push (real CLI, helm and registry)', () => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let runTmp: string;

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
  });
  afterAll(() => registry.stop());
  beforeEach(async () => {
    workspace = createTempWorkspace('nx-helm-interrupt-');
    runTmp = mkdtempSync(join(tmpdir(), 'nx-helm-interrupt-tmp-'));
    workspace.write(
      'nx.json',
      JSON.stringify({
        plugins: [
          {
            plugin: 'nx-helm',
            options: {
              registry: `oci://${registry.host}/charts`,
              registries: { [registry.host]: { usernameEnv: 'CHARTS_USER', passwordEnv: 'CHARTS_PASSWORD', plainHttp: true } },
            },
          },
        ],
      }),
    );
    writeChart(workspace, 'charts/web', { name: 'web' });
    await packageChart({
      workspaceRoot: workspace.root,
      chartRoot: 'charts/web',
      log: quietLogger,
      env: { ...process.env, HELM_BIN: mainHelm() },
    });
  });
  afterEach(() => {
    workspace.dispose();
    rmSync(runTmp, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('leaves nothing behind when it gets %s while helm pushes', async (signal) => {
    const pushing = join(workspace.root, 'helm-push-started');
    const wentOn = join(workspace.root, 'helm-push-went-on');
    // helm as the CLI sees it: the real one, but `helm push` first says it started and takes 3 s before it pushes.
    workspace.write(
      'helm-wrapper',
      `#!/bin/sh\nif [ "$1" = push ]; then touch '${pushing}'; sleep 3; touch '${wentOn}'; fi\nexec '${mainHelm()}' "$@"\n`,
    );
    chmodSync(join(workspace.root, 'helm-wrapper'), 0o755);
    const child = spawn(process.execPath, [CLI, 'push', 'charts/web'], {
      cwd: workspace.root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HELM_BIN: join(workspace.root, 'helm-wrapper'),
        CHARTS_USER: USER,
        CHARTS_PASSWORD: PASSWORD,
        TMPDIR: runTmp,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
    );
    await waitFor(() => existsSync(pushing), 'helm push to start');
    // Mid-push: logged in, with the login in a temporary folder of the run.
    const loginFolders = readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-registry-'));
    expect(loginFolders).toHaveLength(1);
    child.kill(signal);
    const exit = await exited;
    expect(exit.signal ?? exit.code).toBe(signal);
    expect(readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-'))).toEqual([]);
    const base64 = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const leaks = [...filesBelow(runTmp), ...filesBelow(workspace.root)].filter(
      (file) => file.content.includes(PASSWORD) || file.content.includes(base64),
    );
    expect(leaks.map((file) => file.path)).toEqual([]);
    expect(output).not.toContain(PASSWORD);
    expect(existsSync(join(workspace.root, 'dist/charts/charts/web/push.json'))).toBe(false);
    // helm was stopped with nx-helm: it does not go on pushing without it.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(existsSync(wentOn)).toBe(false);
    expect(await registry.manifestDigest('charts/web', '0.1.0')).toBeUndefined();
  });
});
