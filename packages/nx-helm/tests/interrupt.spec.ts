import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageChart } from '../src/commands/package';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { quietLogger } from '../src/testing/memory-logger';
import { startHttpProxy, type HttpProxy } from '../src/testing/http-proxy';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { createExampleWorkspace, runNx, spawnNx } from '../src/testing/nx-workspace';

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

/** nx.json publishing to `host` over plain HTTP with the credentials in CHARTS_USER and CHARTS_PASSWORD. */
function nxJsonPushingTo(host: string): string {
  return JSON.stringify({
    plugins: [
      {
        plugin: 'nx-helm',
        options: {
          registry: `oci://${host}/charts`,
          registries: { [host]: { usernameEnv: 'CHARTS_USER', passwordEnv: 'CHARTS_PASSWORD', plainHttp: true } },
        },
      },
    ],
  });
}

/** The repository a blob upload (`PUT /v2/<repository>/blobs/uploads/<id>`) goes to, or undefined for other requests. */
function blobUploadRepository(incoming: IncomingMessage): string | undefined {
  if (incoming.method !== 'PUT') return undefined;
  return /^\/v2\/(.+)\/blobs\/uploads\//.exec(incoming.url ?? '')?.[1];
}

/**
 * Holds an upload for `holdMs`, then forwards it to the registry when its client is still connected (calling
 * `wentOn`), so that a push that went on after its interrupt would complete and its chart be in the registry. Resolves
 * once the upload was dropped, or forwarded and answered.
 */
function holdThenForward(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  registryPort: number,
  holdMs: number,
  wentOn: () => void,
): Promise<void> {
  const body: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => body.push(chunk));
  const received = new Promise((resolve) => incoming.once('end', resolve));
  return new Promise((resolve) =>
    setTimeout(() => {
      if (incoming.socket.destroyed) return resolve();
      wentOn();
      void received.then(() => {
        const upstream = request(
          { host: '127.0.0.1', port: registryPort, method: incoming.method, path: incoming.url, headers: incoming.headers },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
            answer.once('end', resolve);
          },
        );
        upstream.on('error', () => {
          outgoing.destroy();
          resolve();
        });
        upstream.end(Buffer.concat(body));
      });
    }, holdMs),
  );
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `nx-helm push` interrupted mid-upload (a CI job cancelled mid-publish), against a real registry with htpasswd; a
 * proxy holds the chart's first blob upload, and forwards it after 3 s if nx-helm is still connected. Nothing may be
 * left: no credentials on disk, no temporary folder, no half-written push.json, no chart in the registry, and the
 * upload must not go on after nx-helm is gone.
 */
describe('interrupting a push (real CLI and registry)', () => {
  let registry: RegistryServer;
  let proxy: HttpProxy;
  let workspace: TempWorkspace;
  let runTmp: string;
  let uploading = false;
  let heldUpload: Promise<void> = Promise.resolve();
  let wentOn = false;

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
    const registryPort = Number(registry.host.split(':')[1]);
    proxy = await startHttpProxy(registryPort, {
      intercept: (incoming, outgoing) => {
        if (uploading || !blobUploadRepository(incoming)) return false;
        uploading = true;
        heldUpload = holdThenForward(incoming, outgoing, registryPort, 3000, () => (wentOn = true));
        return true;
      },
    });
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });
  beforeEach(async () => {
    workspace = createTempWorkspace('nx-helm-interrupt-');
    runTmp = mkdtempSync(join(tmpdir(), 'nx-helm-interrupt-tmp-'));
    workspace.write('nx.json', nxJsonPushingTo(proxy.host));
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

  it.each(['SIGTERM', 'SIGINT'] as const)('leaves nothing behind when it gets %s while it uploads', async (signal) => {
    uploading = false;
    wentOn = false;
    const child = spawn(process.execPath, [CLI, 'push', 'charts/web'], {
      cwd: workspace.root,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HELM_BIN: mainHelm(),
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
    await waitFor(() => uploading, 'the upload to start');
    // Mid-push: the registry client holds the credentials in memory; no login was written anywhere.
    expect(readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-registry-'))).toEqual([]);
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
    expect(existsSync(join(workspace.root, 'dist/charts/web/push.json'))).toBe(false);
    // The upload stopped with nx-helm. A push that went on would have finished 2 s after its held upload was forwarded.
    await heldUpload;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(wentOn).toBe(false);
    expect(await registry.manifestDigest('charts/web', '0.1.0')).toBeUndefined();
  });
});

/**
 * `nx-helm package` interrupted while helm runs: helm is stopped with nx-helm (it would otherwise go on writing into a
 * staging folder nobody removes), and the staging folders are removed.
 */
describe('interrupting a package (real CLI and helm)', () => {
  let workspace: TempWorkspace;
  let runTmp: string;

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-interrupt-');
    runTmp = mkdtempSync(join(tmpdir(), 'nx-helm-interrupt-tmp-'));
    workspace.write('nx.json', JSON.stringify({ plugins: ['nx-helm'] }));
    writeChart(workspace, 'charts/web', { name: 'web' });
  });
  afterEach(() => {
    workspace.dispose();
    rmSync(runTmp, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('stops helm and removes its folders when it gets %s', async (signal) => {
    const started = join(workspace.root, 'helm-package-started');
    const wentOn = join(workspace.root, 'helm-package-went-on');
    // The real helm, but `helm package` first says it started and takes 3 s.
    workspace.write(
      'helm-wrapper',
      `#!/bin/sh\nif [ "$1" = package ]; then touch '${started}'; sleep 3; touch '${wentOn}'; fi\nexec '${mainHelm()}' "$@"\n`,
    );
    chmodSync(join(workspace.root, 'helm-wrapper'), 0o755);
    const child = spawn(process.execPath, [CLI, 'package', 'charts/web'], {
      cwd: workspace.root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HELM_BIN: join(workspace.root, 'helm-wrapper'), TMPDIR: runTmp },
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
    );
    await waitFor(() => existsSync(started), 'helm package to start');
    expect(readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-'))).not.toEqual([]);
    child.kill(signal);
    const exit = await exited;
    expect(exit.signal ?? exit.code).toBe(signal);
    expect(readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-'))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(existsSync(wentOn)).toBe(false);
    expect(existsSync(join(workspace.root, 'dist/charts/web/web-0.1.0.tgz'))).toBe(false);
  });
});

/**
 * `nx run-many -t push-chart` cancelled while its batch uploads (the push-chart targets run as one batch of nx-helm's
 * push executor): the whole process group gets the signal, as a cancelled CI job's does. A proxy holds each chart's
 * first blob upload, and forwards it after 4 s if its client is still connected. Nothing may be left: no temporary
 * folder or login, no push record, no upload going on, nothing in the registry.
 */
describe('interrupting a batched push through nx (real nx, registry)', () => {
  let registry: RegistryServer;
  let proxy: HttpProxy;
  let workspace: TempWorkspace;
  let runTmp: string;
  const heldUploads = new Map<string, Promise<void>>();
  let wentOn = false;
  const env = () => ({ HELM_BIN: mainHelm(), CHARTS_USER: USER, CHARTS_PASSWORD: PASSWORD, TMPDIR: runTmp });

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
    const registryPort = Number(registry.host.split(':')[1]);
    proxy = await startHttpProxy(registryPort, {
      intercept: (incoming, outgoing) => {
        const repository = blobUploadRepository(incoming);
        if (!repository || heldUploads.has(repository)) return false;
        heldUploads.set(
          repository,
          holdThenForward(incoming, outgoing, registryPort, 4000, () => (wentOn = true)),
        );
        return true;
      },
    });
    workspace = createExampleWorkspace();
    runTmp = mkdtempSync(join(tmpdir(), 'nx-helm-interrupt-tmp-'));
    workspace.write('nx.json', nxJsonPushingTo(proxy.host));
    expect(runNx(workspace.root, ['run-many', '-t', 'lint-chart', 'package-chart'], env()).status).toBe(0);
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
    workspace.dispose();
    rmSync(runTmp, { recursive: true, force: true });
  });

  it('leaves no login, temporary folder, push record or upload behind when cancelled mid-upload', async () => {
    const child = spawnNx(workspace.root, ['run-many', '-t', 'push-chart', '--output-style=static'], env());
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Every chart of the batch uploads at once (the example workspace has four).
    await waitFor(() => heldUploads.size >= 4, 'every chart of the batch to upload');
    expect(output).toMatch(/Running 4 tasks with nx-helm:push/);
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    // The batch process and its children are gone with nx: nothing of theirs is left in the temporary folder.
    await waitFor(
      () => readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-')).length === 0,
      'the temporary folders to go',
      5000,
    );
    const records = filesBelow(join(workspace.root, 'dist')).filter((file) => file.path.endsWith('push.json'));
    expect(records.map((file) => file.path)).toEqual([]);
    const base64 = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const leaks = [...filesBelow(runTmp), ...filesBelow(workspace.root)].filter(
      (file) => file.content.includes(PASSWORD) || file.content.includes(base64),
    );
    expect(leaks.map((file) => file.path)).toEqual([]);
    expect(output).not.toContain(PASSWORD);
    await Promise.all(heldUploads.values());
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(wentOn).toBe(false);
    for (const chart of ['common', 'web', 'worker', 'platform']) {
      expect(await registry.manifestDigest(`charts/${chart}`, '0.1.0')).toBeUndefined();
    }
  });
});
