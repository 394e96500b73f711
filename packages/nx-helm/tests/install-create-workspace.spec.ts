import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectSuccess, userShell, useInstallPathServers } from '../src/testing/install-paths';
import type { NpmRegistry } from '../src/testing/npm-registry';
import type { RegistryServer } from '../src/testing/registry-server';

/**
 * The first way in, as a new user takes it: `create-nx-workspace --preset=nx-helm` with the plugin served by an npm
 * registry (a local verdaccio that proxies everything else), the newest create-nx-workspace that registry serves.
 */
describe('create-nx-workspace --preset=nx-helm from an npm registry', () => {
  const servers = useInstallPathServers('nx-helm-create-workspace-');
  let npm: NpmRegistry;
  let registry: RegistryServer;
  let dir: string;
  let createNxWorkspace: string;

  beforeAll(() => {
    ({ npm, registry, dir } = servers);
    createNxWorkspace = `create-nx-workspace@${npm.newest('create-nx-workspace')}`;
  });

  it('takes --nxCloud=skip --interactive=false; a generated chart lints, packages and pushes, and pushing again skips it', async () => {
    expectSuccess(
      userShell(
        npm,
        dir,
        `npx -y ${createNxWorkspace} charts-repo --preset=nx-helm --registry=oci://${registry.host}/charts --nxCloud=skip --interactive=false --pm npm`,
      ),
      createNxWorkspace,
    );
    const workspace = join(dir, 'charts-repo');
    const nxJson = JSON.parse(readFileSync(join(workspace, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toContainEqual({ plugin: 'nx-helm', options: { registry: `oci://${registry.host}/charts` } });
    // create-nx-workspace's CI choice "skip" is none the workflow generator knows: the GitHub workflow, the default.
    expect(existsSync(join(workspace, '.github/workflows/charts.yml'))).toBe(true);

    expectSuccess(userShell(npm, workspace, 'npx nx g nx-helm:chart web'), 'nx g nx-helm:chart web');
    const first = expectSuccess(
      userShell(npm, workspace, 'npx nx run-many -t lint-chart package-chart push-chart --output-style=static'),
      'the first push',
    );
    expect(first).toContain(`web 0.1.0 pushed: oci://${registry.host}/charts/web:0.1.0@sha256:`);
    expect(await registry.manifestDigest('charts/web', '0.1.0')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(existsSync(join(workspace, 'dist/charts/web/web-0.1.0.tgz'))).toBe(true);

    const again = expectSuccess(userShell(npm, workspace, 'npx nx run-many -t push-chart --output-style=static'), 'the second push');
    expect(again).toContain(`web 0.1.0 skipped: oci://${registry.host}/charts/web:0.1.0@sha256:`);
  }, 900_000);

  it('takes the plain non-interactive invocation (no CI flag at all) and gives a working workspace', () => {
    expectSuccess(userShell(npm, dir, `npx -y ${createNxWorkspace} plain-repo --preset=nx-helm --interactive=false`), createNxWorkspace);
    const workspace = join(dir, 'plain-repo');
    expectSuccess(userShell(npm, workspace, 'npx nx g nx-helm:chart api'), 'nx g nx-helm:chart api');
    const run = expectSuccess(
      userShell(npm, workspace, 'npx nx run-many -t lint-chart package-chart --output-style=static'),
      'lint and package',
    );
    // The preset's example charts and the generated one.
    expect(run).toMatch(/Successfully ran targets lint-chart, package-chart for 3 projects/);
    expect(existsSync(join(workspace, 'dist/charts/api/api-0.1.0.tgz'))).toBe(true);
  }, 900_000);
});
