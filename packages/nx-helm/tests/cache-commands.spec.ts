import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RegistryCacheStore } from '../src/cache/registry-cache-store';
import { resolveRemoteCache } from '../src/cache/cache-config';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';

const CLI = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js');
const PASSWORD = 'cache-Pa55word';

/** `nx-helm cache stats|prune|serve` through the built CLI, against a real registry with htpasswd and TLS. */
describe('nx-helm cache commands', () => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  const env = () => ({
    ...process.env,
    CACHE_USER: 'ci',
    CACHE_PASSWORD: PASSWORD,
    NX_HELM_CACHE_REPOSITORY: `oci://${registry.host}/ci/nx-cache`,
  });
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd: workspace.root, encoding: 'utf8', env: { ...env(), ...extra } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'ci', password: PASSWORD }, tls: true });
    workspace = createTempWorkspace('nx-helm-cache-commands-');
    const registries = { [registry.host]: { usernameEnv: 'CACHE_USER', passwordEnv: 'CACHE_PASSWORD', caFile: registry.caFile } };
    workspace.write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-helm', options: { registries } }] }));
    const store = new RegistryCacheStore(resolveRemoteCache(undefined, env())!, { registries, workspaceRoot: workspace.root, env: env() });
    const day = 86_400_000;
    const now = Date.now();
    await store.put('1001', Buffer.alloc(1000, 1), new Date(now - 30 * day));
    await store.put('1002', Buffer.alloc(2000, 2), new Date(now - 20 * day));
    await store.put('1003', Buffer.alloc(3000, 3), new Date(now - day));
  });
  afterAll(async () => {
    await registry.stop();
    workspace.dispose();
  });

  it('stats counts the entries and their size', () => {
    const result = cli(['cache', 'stats']);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(
      new RegExp(`^oci://${registry.host}/ci/nx-cache: 3 entries, 5\\.9 KiB \\(oldest \\S+, newest \\S+\\)\\.\\n$`),
    );
  });

  it('prune deletes the entries older than the given age, and a dry run deletes nothing', () => {
    expect(cli(['cache', 'prune', '--older-than', '14d', '--dry-run']).stdout).toContain('Dry run: would delete 2 entries');
    expect(cli(['cache', 'stats']).stdout).toContain(': 3 entries');
    const pruned = cli(['cache', 'prune', '--older-than=14d']);
    expect(pruned).toMatchObject({ status: 0, stderr: '' });
    expect(pruned.stdout).toContain('Deleted 2 entries');
    expect(cli(['cache', 'stats']).stdout).toContain(': 1 entry, 2.9 KiB');
  });

  it('prune says what to use on GHCR, and wrong usage exits 2', () => {
    const ghcr = cli(['cache', 'prune', '--older-than', '14d'], { NX_HELM_CACHE_REPOSITORY: 'oci://ghcr.io/acme/charts/nx-cache' });
    expect(ghcr.status).toBe(1);
    expect(ghcr.stderr).toContain('GHCR does not delete images through the registry API');
    expect(ghcr.stderr).toContain('actions/delete-package-versions');
    expect(cli(['cache', 'prune']).status).toBe(2);
    expect(cli(['cache', 'prune', '--older-than', 'two weeks']).stderr).toContain('--older-than takes a duration such as 14d');
  });

  it('serve runs the command with the server up: entries stored and served, the token required, the exit code kept', () => {
    const script = `
      const url = process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
      const auth = { authorization: 'Bearer ' + process.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN };
      (async () => {
        const anonymous = await fetch(url + '/v1/cache/2001');
        const put = await fetch(url + '/v1/cache/2001', { method: 'PUT', headers: auth, body: 'archive bytes' });
        const get = await fetch(url + '/v1/cache/2001', { headers: auth });
        const miss = await fetch(url + '/v1/cache/2002', { headers: auth });
        console.log(JSON.stringify({ host: new URL(url).hostname, anonymous: [anonymous.status, anonymous.headers.get('content-type')], put: put.status, get: [get.status, await get.text()], miss: miss.status }));
        process.exit(3);
      })();`;
    const result = cli(['cache', 'serve', '--', process.execPath, '-e', script]);
    expect(result.status).toBe(3);
    expect(JSON.parse(result.stdout)).toEqual({
      host: '127.0.0.1',
      anonymous: [401, 'text/plain'],
      put: 200,
      get: [200, 'archive bytes'],
      miss: 404,
    });
    expect(cli(['cache', 'stats']).stdout).toContain(': 2 entries');
  });
});
