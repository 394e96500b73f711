import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { readNxJson } from '../config/nx-json-settings';
import { workspaceNxVersion } from '../config/nx-version';
import { workspaceDataDirectory } from '../config/workspace-data';
import { NxHelmError } from '../utils/nx-helm-error';
import type { ProcessResult } from '../utils/process';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';

/** A temporary checkout of the base commit where Nx renders the base's charts. */
export interface BaseWorktree {
  /** The workspace's root in the checkout. */
  workspaceRoot: string;
  /**
   * Nx keeps this checkout's project graph and file hashes apart from the workspace's by itself (Nx 24 sharing its
   * cache between checkouts): Nx may run in both at once.
   */
  separateGraphs: boolean;
  /** The environment Nx runs with in the checkout, as the workspace's cache stands now (call it just before). */
  nxEnv(): NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

/**
 * A temporary worktree of the base commit, sharing the workspace's installed packages and Nx cache, so that Nx there
 * finds the renders it already holds. Removed afterwards (and on interrupt, with its temporary folder).
 */
export async function addBaseWorktree(
  workspaceRoot: string,
  base: string,
  git: (args: string[], cwd?: string) => Promise<ProcessResult>,
  env: NodeJS.ProcessEnv,
): Promise<BaseWorktree> {
  const gitRoot = (await git(['rev-parse', '--show-toplevel'])).stdout.trim();
  const tree = () => join(dir, 'base');
  // On an interrupt the folder is removed after this: git then forgets the worktree (synchronously, before exit).
  const dir = createTempDir('nx-helm-diff-', () => {
    rmSync(tree(), { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: workspaceRoot, stdio: 'ignore' });
  });
  const remove = async () => {
    await git(['worktree', 'remove', '--force', tree()]);
    removeTempDir(dir);
    await git(['worktree', 'prune']);
  };
  const added = await git(['worktree', 'add', '--detach', '--force', tree(), base]);
  if (added.failed) {
    removeTempDir(dir);
    throw new NxHelmError(
      `Could not check out the base commit ${base} in a temporary worktree (${tree()}): ${added.stderr.trim()}. ` +
        'Check that git can write to the repository and the temporary folder, or pass another --base.',
    );
  }
  const root = join(tree(), relative(gitRoot, workspaceRoot));
  try {
    for (const shared of ['node_modules', '.nx/installation']) {
      const source = join(workspaceRoot, shared);
      if (existsSync(source) && !existsSync(join(root, shared))) {
        mkdirSync(dirname(join(root, shared)), { recursive: true });
        symlinkSync(source, join(root, shared), 'dir');
      }
    }
  } catch (error) {
    await remove();
    throw error;
  }
  const cache = workspaceCache(workspaceRoot, env);
  const ownData = join(dir, 'workspace-data');
  return {
    workspaceRoot: root,
    separateGraphs: cache === undefined,
    nxEnv: () => ({ NX_DAEMON: 'false', ...(cache ? cacheEnvironment(cache, ownData) : {}) }),
    remove,
  };
}

/**
 * Where the workspace's Nx cache is, when Nx in another checkout does not find it by itself. A cache hit needs both the
 * cache folder and the database that indexes it (in Nx's workspace data folder). Nx 24 shares both between checkouts
 * of a repository, unless a location is configured; then, and with earlier versions (which keep both in the
 * workspace's `.nx`), the checkout must be pointed at them.
 */
function workspaceCache(workspaceRoot: string, env: NodeJS.ProcessEnv): { cacheDirectory: string; workspaceData: string } | undefined {
  const absolute = (path: string) => (isAbsolute(path) ? path : join(workspaceRoot, path));
  const nxJson = readNxJson(workspaceRoot);
  // Nx 22 and 23 also take it from the default tasks runner's options.
  const configured = nxJson?.cacheDirectory ?? nxJson?.tasksRunnerOptions?.default?.options?.cacheDirectory;
  const dataConfigured = Boolean(env.NX_WORKSPACE_DATA_DIRECTORY ?? env.NX_PROJECT_GRAPH_CACHE_DIRECTORY);
  const major = Number(workspaceNxVersion(workspaceRoot)?.split('.')[0] ?? 0);
  if (major >= 24 && !env.NX_CACHE_DIRECTORY && !dataConfigured && typeof configured !== 'string') return undefined;
  return {
    cacheDirectory: absolute(env.NX_CACHE_DIRECTORY ?? (typeof configured === 'string' ? configured : '.nx/cache')),
    workspaceData: absolute(workspaceDataDirectory(workspaceRoot, env)),
  };
}

/**
 * The workspace's cache folder, and a workspace data folder of the checkout's own that links the workspace's cache
 * databases. Only the databases are shared: the data folder also keeps the file hashes Nx reuses for a path whose
 * modification time is unchanged, and a base file checked out in the same instant as the head's was written would
 * take the head's hash, and with it the head's cached rendering.
 */
function cacheEnvironment(cache: { cacheDirectory: string; workspaceData: string }, ownData: string): NodeJS.ProcessEnv {
  mkdirSync(ownData, { recursive: true });
  const databases = existsSync(cache.workspaceData) ? readdirSync(cache.workspaceData).filter((name) => name.endsWith('.db')) : [];
  for (const name of databases) {
    if (!existsSync(join(ownData, name))) symlinkSync(join(cache.workspaceData, name), join(ownData, name));
  }
  return { NX_CACHE_DIRECTORY: cache.cacheDirectory, NX_WORKSPACE_DATA_DIRECTORY: ownData };
}
