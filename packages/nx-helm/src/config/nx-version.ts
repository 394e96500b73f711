import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import lt from 'semver/functions/lt';
import validVersion from 'semver/functions/valid';
import type { ExecutionMode } from './plugin-options';

/**
 * The first Nx that batches an executor's tasks by itself when its executors.json entry says `preferBatch`, and that
 * prints each batched task's output (earlier versions only stream the batch process's own output).
 */
export const FIRST_NX_WITH_PREFER_BATCH = '22.6.0';

/**
 * Batch where Nx will run nx-helm's executors in batches without being asked (Nx 22.6.0 and later, or any Nx with
 * NX_BATCH_MODE=true); elsewhere command targets, which cost less than an executor forked per task.
 */
export function defaultExecution(workspaceRoot: string, env: NodeJS.ProcessEnv): ExecutionMode {
  if (env.NX_BATCH_MODE === 'true') return 'batch';
  return nxBatchesByItself(workspaceRoot) ? 'batch' : 'command';
}

/** Whether the workspace's Nx is 22.6.0 or later (see FIRST_NX_WITH_PREFER_BATCH); false when it cannot be told. */
export function nxBatchesByItself(workspaceRoot: string): boolean {
  const version = workspaceNxVersion(workspaceRoot);
  const valid = version === undefined ? null : validVersion(version);
  return valid !== null && !lt(valid, FIRST_NX_WITH_PREFER_BATCH);
}

/**
 * The version of the workspace's nx package (node_modules/nx there or in a folder above, or under .nx/installation in
 * Nx's wrapper layout), or undefined without one.
 */
export function workspaceNxVersion(workspaceRoot: string): string | undefined {
  const dir = workspaceNxPackage(workspaceRoot);
  if (!dir) return undefined;
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The workspace's Nx program (package.json "bin", which moved between versions), found as workspaceNxVersion finds the package. */
export function workspaceNxBin(workspaceRoot: string): string | undefined {
  const dir = workspaceNxPackage(workspaceRoot);
  if (!dir) return undefined;
  try {
    const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: string | Record<string, string> };
    const file = typeof bin === 'string' ? bin : bin?.nx;
    return file && existsSync(join(dir, file)) ? join(dir, file) : undefined;
  } catch {
    return undefined;
  }
}

function workspaceNxPackage(workspaceRoot: string): string | undefined {
  const wrapped = join(workspaceRoot, '.nx/installation/node_modules/nx');
  for (let dir = workspaceRoot; ; dir = dirname(dir)) {
    const folder = dir === workspaceRoot && existsSync(join(wrapped, 'package.json')) ? wrapped : join(dir, 'node_modules/nx');
    if (existsSync(join(folder, 'package.json'))) return folder;
    if (dirname(dir) === dir) return undefined;
  }
}
