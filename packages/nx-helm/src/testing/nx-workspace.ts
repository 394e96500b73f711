import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync } from 'node:fs';
import { copyExampleCharts, REPOSITORY_ROOT } from './example-charts';
import { join } from 'node:path';
import { createTempWorkspace, type TempWorkspace } from './temp-workspace';

/**
 * A temporary copy of this repository's chart workspace (nx.json and charts/), using the repository's node_modules,
 * where the built nx-helm package is linked. Each copy has its own Nx cache, so cache assertions start clean.
 */
export function createExampleWorkspace(): TempWorkspace {
  const workspace = createTempWorkspace('nx-helm-workspace-');
  copyExampleCharts(workspace);
  cpSync(join(REPOSITORY_ROOT, 'nx.json'), join(workspace.root, 'nx.json'));
  workspace.write('package.json', JSON.stringify({ name: 'example-charts', private: true }, null, 2));
  workspace.write('.gitignore', 'dist\n.nx\nnode_modules\n');
  symlinkSync(join(REPOSITORY_ROOT, 'node_modules'), join(workspace.root, 'node_modules'));
  return workspace;
}

export interface NxResult {
  status: number | null;
  /** stdout and stderr together, without colours. */
  output: string;
}

/** Runs the workspace's nx CLI the way CI does: no daemon, no Nx Cloud, no interactive terminal UI. */
export function runNx(workspaceRoot: string, args: string[], env: NodeJS.ProcessEnv = {}): NxResult {
  const result = spawnSync(process.execPath, [nxBinary(workspaceRoot), ...args], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    env: nxEnvironment(env),
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/** runNx without blocking this process, for tests whose own servers (proxies) must answer while nx runs. */
export function runNxAsync(workspaceRoot: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<NxResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nxBinary(workspaceRoot), ...args], { cwd: workspaceRoot, env: nxEnvironment(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output: `${stdout}\n${stderr}` }));
  });
}

/** The workspace's nx as a child in a process group of its own (signal the group as a cancelled CI job does). */
export function spawnNx(workspaceRoot: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [nxBinary(workspaceRoot), ...args], {
    cwd: workspaceRoot,
    env: nxEnvironment(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function nxEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CI: 'true',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_SKIP_NX_CACHE: undefined,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    NODE_OPTIONS: undefined,
    ...env,
  };
}

/** The nx CLI of a workspace, wherever its version keeps it (package.json "bin"). */
function nxBinary(workspaceRoot: string): string {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'node_modules/nx/package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
  };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.nx;
  return join(workspaceRoot, 'node_modules/nx', bin);
}
