import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { REPOSITORY_ROOT } from './example-charts';
import { mainHelm } from './helm-binaries';
import { startNpmRegistry, type NpmRegistry } from './npm-registry';
import { startRegistry, type RegistryServer } from './registry-server';

export interface ShellResult {
  status: number | null;
  output: string;
}

/**
 * A shell command as a user types it in a new terminal of a CI machine: npm and npx use the local registry, helm is
 * on PATH, Nx runs without daemon or cloud, and no stdin (nothing may wait for an answer).
 */
export function userShell(registry: NpmRegistry, cwd: string, command: string, env: NodeJS.ProcessEnv = {}): ShellResult {
  const result = spawnSync('bash', ['-c', command], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
    env: {
      ...process.env,
      ...registry.env,
      // Only what a user's machine has: not the repository's own node_modules/.bin that `npm test` puts on PATH.
      PATH: [dirname(mainHelm()), ...(process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.startsWith(REPOSITORY_ROOT))].join(
        delimiter,
      ),
      HELM_BIN: undefined,
      CI: 'true',
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      FORCE_COLOR: '0',
      NX_SKIP_NX_CACHE: undefined,
      // Each workspace its own Nx cache: Nx 24 shares one between checkouts otherwise.
      NX_CACHE_DIRECTORY: join(cwd, '.nx/cache'),
      ...env,
    },
  });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Fails with the command's output when it did not exit 0. */
export function expectSuccess(result: ShellResult, what: string): string {
  if (result.status !== 0) {
    throw new Error(`${what} exited with ${result.status}:\n${result.output.slice(-6000)}`);
  }
  return result.output;
}

/** Two charts made by `helm create`, the first depending on the second through file://, in `<dir>/charts`. */
export function createHelmCharts(dir: string, app = 'app', lib = 'lib'): void {
  mkdirSync(join(dir, 'charts'), { recursive: true });
  for (const name of [app, lib]) {
    if (!existsSync(join(dir, 'charts', name))) {
      const created = spawnSync(mainHelm(), ['create', join(dir, 'charts', name)], { encoding: 'utf8' });
      if (created.status !== 0) throw new Error(`helm create ${name}: ${created.stderr}`);
    }
  }
  const chartYaml = join(dir, 'charts', app, 'Chart.yaml');
  writeFileSync(
    chartYaml,
    `${readFileSync(chartYaml, 'utf8')}dependencies:\n  - name: ${lib}\n    version: 0.1.0\n    repository: file://../${lib}\n`,
  );
}

/**
 * The shell lines of the README's first ```sh block after the line that contains `heading`: what the README tells a
 * user to type, comments dropped.
 */
export function readmeCommands(heading: string): string[] {
  const lines = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8').split('\n');
  const at = lines.findIndex((line) => line.includes(heading));
  if (at === -1) throw new Error(`README.md has no line with "${heading}"`);
  const start = lines.findIndex((line, index) => index > at && line.trim() === '```sh');
  const end = lines.findIndex((line, index) => index > start && line.trim() === '```');
  if (start === -1 || end === -1) throw new Error(`README.md has no \`\`\`sh block after "${heading}"`);
  return lines
    .slice(start + 1, end)
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** A `git` repository with one commit, as a chart repository is before it meets Nx. */
export function initGitRepository(dir: string): void {
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['config', 'user.email', 't@example.com'],
    ['config', 'user.name', 't'],
    ['add', '-A'],
    ['commit', '-qm', 'charts', '--allow-empty'],
  ]) {
    const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  }
}

/** What an install-path suite uses: the npm registry with the plugin, an OCI registry to push to, and a folder. */
export interface InstallPathServers {
  readonly npm: NpmRegistry;
  readonly registry: RegistryServer;
  readonly dir: string;
}

/** Starts the servers of an install-path suite before its tests and stops them after (jest's beforeAll/afterAll). */
export function useInstallPathServers(prefix: string): InstallPathServers {
  const servers = {} as { npm: NpmRegistry; registry: RegistryServer; dir: string };
  beforeAll(async () => {
    servers.npm = await startNpmRegistry();
    servers.registry = await startRegistry();
    servers.dir = mkdtempSync(join(tmpdir(), prefix));
  }, 120_000);
  afterAll(async () => {
    await servers.npm?.stop();
    await servers.registry?.stop();
    if (servers.dir) rmSync(servers.dir, { recursive: true, force: true });
  });
  return servers;
}
