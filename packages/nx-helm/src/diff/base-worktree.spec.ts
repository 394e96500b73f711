import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { testGit } from '../testing/test-git';
import { runProcess } from '../utils/process';
import { addBaseWorktree } from './base-worktree';

describe('addBaseWorktree', () => {
  let workspace: TempWorkspace;
  const { git, commit } = testGit(() => workspace.root);
  const run = (args: string[], cwd = workspace.root) => runProcess('git', args, { cwd });

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-base-worktree-');
    workspace.write('.gitignore', 'node_modules\n.nx\n');
    workspace.write('charts/app/templates/a.yaml', 'base\n');
    git('init', '-q', '-b', 'main');
    commit('base');
    workspace.write('charts/app/templates/a.yaml', 'head\n');
    workspace.write('node_modules/nx/package.json', JSON.stringify({ name: 'nx', version: '22.0.0' }));
    // What Nx keeps in its workspace data: the cache's index (a database), and file hashes and the project graph.
    workspace.write('.nx/workspace-data/0123abcd.db', 'index');
    workspace.write('.nx/workspace-data/nx_files.nxt', 'file hashes');
    workspace.write('.nx/workspace-data/project-graph.json', '{}');
  });
  afterEach(() => workspace.dispose());

  it('checks out the base commit with the workspace packages, and is gone when removed', async () => {
    const worktree = await addBaseWorktree(workspace.root, 'HEAD', run, {});
    expect(readFileSync(join(worktree.workspaceRoot, 'charts/app/templates/a.yaml'), 'utf8')).toBe('base\n');
    expect(realpathSync(join(worktree.workspaceRoot, 'node_modules'))).toBe(realpathSync(join(workspace.root, 'node_modules')));
    await worktree.remove();
    expect(existsSync(worktree.workspaceRoot)).toBe(false);
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  it("shares the workspace's cache and its index with Nx before 24, but not its file hashes or project graph", async () => {
    const worktree = await addBaseWorktree(workspace.root, 'HEAD', run, {});
    try {
      expect(worktree.separateGraphs).toBe(false);
      const env = worktree.nxEnv();
      expect(env.NX_DAEMON).toBe('false');
      expect(env.NX_CACHE_DIRECTORY).toBe(join(workspace.root, '.nx/cache'));
      const data = env.NX_WORKSPACE_DATA_DIRECTORY!;
      expect(realpathSync(data)).not.toBe(realpathSync(join(workspace.root, '.nx/workspace-data')));
      expect(readdirSync(data)).toEqual(['0123abcd.db']);
      expect(lstatSync(join(data, '0123abcd.db')).isSymbolicLink()).toBe(true);
      expect(readFileSync(join(data, '0123abcd.db'), 'utf8')).toBe('index');
      // A database the workspace's Nx created since is linked on the next call.
      workspace.write('.nx/workspace-data/4567cdef.db', 'another');
      expect(worktree.nxEnv().NX_WORKSPACE_DATA_DIRECTORY).toBe(data);
      expect(readdirSync(data).sort()).toEqual(['0123abcd.db', '4567cdef.db']);
    } finally {
      await worktree.remove();
    }
  });

  it('follows configured locations', async () => {
    workspace.write('nx.json', JSON.stringify({ cacheDirectory: 'tmp/nx-cache' }));
    workspace.write('data/ab.db', 'index');
    const worktree = await addBaseWorktree(workspace.root, 'HEAD', run, { NX_WORKSPACE_DATA_DIRECTORY: join(workspace.root, 'data') });
    try {
      const env = worktree.nxEnv();
      expect(env.NX_CACHE_DIRECTORY).toBe(join(workspace.root, 'tmp/nx-cache'));
      expect(readFileSync(join(env.NX_WORKSPACE_DATA_DIRECTORY!, 'ab.db'), 'utf8')).toBe('index');
    } finally {
      await worktree.remove();
    }
  });

  it('leaves Nx 24 to find its shared cache by itself, so both checkouts may run at once', async () => {
    workspace.write('node_modules/nx/package.json', JSON.stringify({ name: 'nx', version: '24.0.6' }));
    const worktree = await addBaseWorktree(workspace.root, 'HEAD', run, {});
    try {
      expect(worktree.separateGraphs).toBe(true);
      expect(worktree.nxEnv()).toEqual({ NX_DAEMON: 'false' });
    } finally {
      await worktree.remove();
    }
  });
});
