import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createHelmCharts,
  expectSuccess,
  initGitRepository,
  readmeCommands,
  userShell,
  useInstallPathServers,
} from '../src/testing/install-paths';
import type { NpmRegistry } from '../src/testing/npm-registry';
import type { RegistryServer } from '../src/testing/registry-server';

/**
 * The other two ways in, with the plugin served by an npm registry (a local verdaccio that proxies everything else):
 * `nx add nx-helm` in an Nx workspace of the oldest and the newest supported Nx, and a plain chart repository (no
 * package.json) that follows the README's own commands.
 */
describe('nx add nx-helm and a plain chart repository, from an npm registry', () => {
  const servers = useInstallPathServers('nx-helm-nx-add-');
  let npm: NpmRegistry;
  let registry: RegistryServer;
  let dir: string;

  beforeAll(() => ({ npm, registry, dir } = servers));

  // The oldest Nx the plugin supports, which batches nothing by itself, and the newest the registry serves.
  it.each([['22.0.0'], ['newest']])(
    'nx add nx-helm in an Nx %s workspace: charts lint, package and push',
    async (wanted) => {
      const nxVersion = wanted === 'newest' ? npm.newest('nx') : wanted;
      const workspace = join(dir, `nx-${nxVersion}`);
      createHelmCharts(workspace);
      writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'charts', private: true, devDependencies: { nx: nxVersion } }));
      writeFileSync(join(workspace, 'nx.json'), '{}\n');
      initGitRepository(workspace);
      expectSuccess(userShell(npm, workspace, 'npm install'), `npm install nx@${nxVersion}`);
      expectSuccess(userShell(npm, workspace, 'npx nx add nx-helm'), 'nx add nx-helm');

      const manifest = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8'));
      expect(manifest.devDependencies['nx-helm']).toBe('^0.1.0');
      // The workspace's Nx major, no newer than its Nx: what a registry that lacks that exact devkit can still serve.
      expect(manifest.devDependencies['@nx/devkit']).toBe(`>=${nxVersion.split('.')[0]}.0.0 <=${nxVersion}`);
      expect(readFileSync(join(workspace, '.gitignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['/dist', 'node_modules']));

      const run = expectSuccess(
        userShell(npm, workspace, 'npx nx run-many -t lint-chart package-chart push-chart --output-style=static', {
          NX_HELM_REGISTRY: `oci://${registry.host}/nx-${nxVersion}`,
        }),
        'lint, package and push',
      );
      expect(run).toContain(`app 0.1.0 pushed: oci://${registry.host}/nx-${nxVersion}/app:0.1.0@sha256:`);
      expect(existsSync(join(workspace, 'dist/charts/app/app-0.1.0.tgz'))).toBe(true);
      // Nx 22.0 runs the targets as commands; the newest Nx runs them in batches.
      const show = JSON.parse(expectSuccess(userShell(npm, workspace, 'npx nx show project app --json'), 'nx show project'));
      expect(show.targets['lint-chart'].metadata.execution).toBe(wanted === 'newest' ? 'batch' : 'command');
    },
    900_000,
  );

  it("a plain chart repository follows the README's commands to a passing lint and package of every chart", () => {
    const repository = join(dir, 'plain');
    createHelmCharts(repository);
    initGitRepository(repository);
    const commands = readmeCommands('A plain chart repository');
    expect(commands.at(-1)).toMatch(/run-many -t lint-chart package-chart/);
    let output = '';
    for (const command of commands) output = expectSuccess(userShell(npm, repository, command), command);
    expect(output).toMatch(/Successfully ran targets lint-chart, package-chart for 2 projects/);
    expect(existsSync(join(repository, 'dist/charts/app/app-0.1.0.tgz'))).toBe(true);
    // The command targets find the CLI without it being on PATH (Nx puts no .nx/installation folder there).
    const checked = expectSuccess(
      userShell(npm, repository, './nx run app:check-version --output-style=static', { NX_BASE: 'HEAD' }),
      'check-version',
    );
    expect(checked).toContain('node .nx/installation/node_modules/nx-helm/dist/src/cli/main.js check-version charts/app');
    expect(checked).toMatch(/Successfully ran target check-version for project app/);
    // Nx's wrapper layout: no package.json, nx-helm installed and registered through nx.json.
    expect(existsSync(join(repository, 'package.json'))).toBe(false);
    const nxJson = JSON.parse(readFileSync(join(repository, 'nx.json'), 'utf8'));
    expect(nxJson.installation.plugins['nx-helm']).toBe('0.1.0');
    expect(nxJson.plugins).toContainEqual({ plugin: 'nx-helm', options: {} });
    expect(readFileSync(join(repository, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['.nx/installation', '/dist', 'node_modules']),
    );
  }, 900_000);
});
