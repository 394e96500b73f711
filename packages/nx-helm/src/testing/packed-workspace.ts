import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './example-charts';
import { mainHelm } from './helm-binaries';
import { runNx, type NxResult } from './nx-workspace';
import { createTempWorkspace, type TempWorkspace } from './temp-workspace';
import { testGit, type TestGit } from './test-git';

/** The oldest and newest Nx the plugin supports (peer range 22-24), each with its own @nx/devkit. */
export const NX_VERSIONS = [
  { nx: '22.0.0', devkit: '22.0.0' },
  { nx: '24.0.6', devkit: '24.0.0' },
];

export interface PackedWorkspace extends TempWorkspace, TestGit {
  /** The workspace's nx, as CI runs it (no daemon, no cloud), with the pinned helm. */
  nx(args: string[], env?: NodeJS.ProcessEnv): NxResult;
}

/**
 * A user's workspace: the packed nx-helm package installed with the given Nx, in a fresh folder that is a git
 * repository. `setup` writes nx.json, charts and anything else before the install; the first commit holds them.
 */
export function createPackedWorkspace(
  versions: { nx: string; devkit: string },
  prefix: string,
  setup: (workspace: TempWorkspace) => void,
): PackedWorkspace {
  const workspace = createTempWorkspace(prefix);
  const packageFile = execFileSync('npm', ['pack', '--pack-destination', workspace.root, join(REPOSITORY_ROOT, 'packages/nx-helm')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .split('\n')
    .at(-1)!;
  workspace.write(
    'package.json',
    JSON.stringify(
      {
        name: 'charts-workspace',
        private: true,
        devDependencies: { nx: versions.nx, '@nx/devkit': versions.devkit, 'nx-helm': `file:./${packageFile}` },
      },
      null,
      2,
    ),
  );
  workspace.write('.gitignore', 'node_modules\ndist\n.nx\n*.tgz\n');
  setup(workspace);
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: workspace.root, stdio: 'pipe' });
  const { git, commit } = testGit(() => workspace.root);
  git('init', '-q', '-b', 'main');
  // nx release commits and tags with the repository's identity.
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 't');
  commit('charts');
  return {
    ...workspace,
    git,
    commit,
    nx: (args, env = {}) => runNx(workspace.root, args, { HELM_BIN: mainHelm(), ...env }),
  };
}

/** nx.json text registering nx-helm with these options. */
export function nxJsonWithPlugin(options: object): string {
  return JSON.stringify({ plugins: [{ plugin: 'nx-helm', options }] }, null, 2);
}
