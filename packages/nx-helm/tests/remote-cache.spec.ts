import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpProxy, type HttpProxy } from '../src/testing/http-proxy';
import { mainHelm } from '../src/testing/helm-binaries';
import { runNx, runNxAsync, type NxResult } from '../src/testing/nx-workspace';
import { createPackedWorkspace, NX_VERSIONS, nxJsonWithPlugin, type PackedWorkspace } from '../src/testing/packed-workspace';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { writeChart } from '../src/testing/temp-workspace';

const CHARTS = ['app-a', 'app-b', 'lib', 'tools'];
const TASKS = CHARTS.flatMap((chart) => [`${chart}:lint-chart`, `${chart}:package-chart`]).sort();
const PASSWORD = 'cache-Pa55word-for-tests';

function succeeded(result: NxResult): void {
  expect({ status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, output: '' });
}

/** Each task of a run with where its result came from: "[remote cache]", "[local cache]" or "" (run). */
function taskSources(output: string): Record<string, string> {
  return Object.fromEntries(
    [...output.matchAll(/^> nx run (\S+:\S+)(?:\s+\[([^\]]+)\])?/gm)].map((match) => [match[1], match[2] ?? 'run']),
  );
}

function packageDigests(root: string): Record<string, string> {
  return Object.fromEntries(
    CHARTS.map((chart) => {
      const dir = join(root, 'dist/charts', chart);
      const archive = readdirSync(dir).find((file) => file.endsWith('.tgz'))!;
      return [
        chart,
        createHash('sha256')
          .update(readFileSync(join(dir, archive)))
          .digest('hex'),
      ];
    }),
  );
}

/**
 * The Nx cache in the OCI registry, the way two CI runners meet it: two clones of one repository (separate .nx
 * folders), the packed plugin, a real registry with htpasswd and TLS. The plugin's preTasksExecution hook starts the
 * cache server by itself when NX_HELM_CACHE_REPOSITORY is set.
 */
describe.each(NX_VERSIONS)('the registry cache with Nx $nx', (versions) => {
  let registry: RegistryServer;
  let origin: PackedWorkspace;
  const clones: string[] = [];
  let cacheUrl: string;

  const clone = (name: string) => {
    const root = join(tmpdir(), `nx-helm-cache-${versions.nx}-${name}-${process.pid}`);
    rmSync(root, { recursive: true, force: true });
    execFileSync('git', ['clone', '-q', origin.root, root]);
    symlinkSync(join(origin.root, 'node_modules'), join(root, 'node_modules'));
    clones.push(root);
    return root;
  };
  const build = (root: string, env: NodeJS.ProcessEnv = {}) =>
    runNx(root, ['run-many', '-t', 'lint-chart', 'package-chart', '--output-style=static'], {
      HELM_BIN: mainHelm(),
      CACHE_USER: registry.credentials!.username,
      CACHE_PASSWORD: PASSWORD,
      NX_HELM_CACHE_REPOSITORY: cacheUrl,
      // Each runner has its own local cache: Nx 24 would otherwise share one between the checkouts of a repository.
      NX_CACHE_DIRECTORY: join(root, '.nx/cache'),
      NX_WORKSPACE_DATA_DIRECTORY: join(root, '.nx/workspace-data'),
      ...env,
    });
  const entries = async () => {
    const response = execFileSync(
      'curl',
      [
        '-sf',
        '--cacert',
        registry.caFile!,
        '-u',
        `${registry.credentials!.username}:${PASSWORD}`,
        `https://${registry.host}/v2/ci/nx-cache/tags/list`,
      ],
      { encoding: 'utf8' },
    );
    return ((JSON.parse(response) as { tags: string[] | null }).tags ?? []).sort();
  };

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'ci', password: PASSWORD }, tls: true });
    cacheUrl = `oci://${registry.host}/ci/nx-cache`;
    origin = createPackedWorkspace(versions, `nx-helm-cache-${versions.nx}-`, (files) => {
      files.write(
        'nx.json',
        nxJsonWithPlugin({
          registries: { [registry.host]: { usernameEnv: 'CACHE_USER', passwordEnv: 'CACHE_PASSWORD', caFile: registry.caFile } },
        }),
      );
      writeChart(files, 'charts/lib', { name: 'lib', type: 'library' });
      writeChart(files, 'charts/app-a', { name: 'app-a', dependencies: [{ name: 'lib', version: '~0.1.0', repository: 'file://../lib' }] });
      writeChart(files, 'charts/app-b', { name: 'app-b' });
      writeChart(files, 'charts/tools', { name: 'tools' });
    });
  });
  afterAll(async () => {
    await registry.stop();
    origin.dispose();
    for (const root of clones) rmSync(root, { recursive: true, force: true });
  });

  it('the first runner fills the cache; the second gets every task from it, with the same package bytes', async () => {
    const first = clone('first');
    const filled = build(first);
    succeeded(filled);
    expect(taskSources(filled.output)).toEqual(Object.fromEntries(TASKS.map((task) => [task, 'run'])));
    // Nx 24 ran each target's tasks as one batch (preferBatch), Nx 22.0 as commands: both fill the cache per task.
    if (versions.nx !== '22.0.0') expect(filled.output).toMatch(/Running \d+ tasks with nx-helm:lint/);
    expect(filled.output).toContain(`nx-helm: registry cache: 0 hits, ${TASKS.length} misses, ${TASKS.length} stored.`);
    expect(await entries()).toHaveLength(TASKS.length);

    const second = clone('second');
    const served = build(second);
    succeeded(served);
    expect(taskSources(served.output)).toEqual(Object.fromEntries(TASKS.map((task) => [task, 'remote cache'])));
    expect(served.output).toContain(`nx-helm: registry cache: ${TASKS.length} hits, 0 misses, 0 stored.`);
    expect(packageDigests(second)).toEqual(packageDigests(first));
    expect(served.output).not.toContain(PASSWORD);
  });

  // The hook runs in Nx's process, in an isolated plugin worker (Nx's default) or in the daemon: each hands the server's
  // address back to the process that runs the tasks.
  it.each([
    ['the daemon on', { NX_DAEMON: 'true' }],
    ['plugin isolation on', { NX_ISOLATE_PLUGINS: 'true' }],
    ['plugin isolation off', { NX_ISOLATE_PLUGINS: 'false' }],
  ])('works with %s', (name, env) => {
    const root = clone(name.replace(/ /g, '-'));
    try {
      const served = build(root, env);
      succeeded(served);
      expect(taskSources(served.output)).toEqual(Object.fromEntries(TASKS.map((task) => [task, 'remote cache'])));
    } finally {
      if ('NX_DAEMON' in env) runNx(root, ['daemon', '--stop']);
    }
  });

  it('read-only: reads the cache and writes nothing', async () => {
    const root = clone('read-only');
    writeFileSync(join(root, 'charts/tools/values.yaml'), 'greeting: read-only\n');
    const before = await entries();
    const result = build(root, { NX_HELM_CACHE_READ_ONLY: 'true' });
    succeeded(result);
    expect(taskSources(result.output)['tools:package-chart']).toBe('run');
    expect(taskSources(result.output)['app-a:package-chart']).toBe('remote cache');
    expect(await entries()).toEqual(before);
    expect(result.output).toContain('2 not stored');
  });

  it('wrong credentials: the build is green, with one warning naming the registry and no secret', async () => {
    const root = clone('wrong-credentials');
    writeFileSync(join(root, 'charts/app-b/values.yaml'), 'greeting: wrong credentials\n');
    const before = await entries();
    const result = build(root, { CACHE_PASSWORD: 'not-the-Pa55word' });
    succeeded(result);
    const warnings = result.output.split('\n').filter((line) => line.includes('is not used for the rest of this run'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`nx-helm: the remote cache ${cacheUrl} is not used for the rest of this run (`);
    expect(result.output).not.toContain('not-the-Pa55word');
    expect(result.output).not.toContain(PASSWORD);
    expect(Object.values(taskSources(result.output)).every((source) => source === 'run')).toBe(true);
    expect(await entries()).toEqual(before);
  });

  it('an entry whose content does not match its digest is a miss, with a warning', () => {
    // Every entry's archive gets other bytes on the registry's disk; the registry serves them under the old digest.
    const blobs = join(registry.dataDir, 'docker/registry/v2/blobs/sha256');
    for (const prefix of readdirSync(blobs)) {
      for (const digest of readdirSync(join(blobs, prefix))) {
        const file = join(blobs, prefix, digest, 'data');
        const content = readFileSync(file);
        // Manifests and the empty config are JSON; the archives are not.
        if (content[0] !== '{'.charCodeAt(0)) writeFileSync(file, Buffer.concat([content, Buffer.from('tampered')]));
      }
    }
    const result = build(clone('tampered'));
    succeeded(result);
    expect(Object.values(taskSources(result.output)).every((source) => source === 'run')).toBe(true);
    expect(result.output).toMatch(
      /nx-helm: the remote cache entry \S+ in oci:\/\/\S+ does not match its digest; it is treated as a miss\./,
    );
  });
});

/** A registry that stops in the middle of a run: the build stays green, with one warning. */
describe('the registry cache when the registry stops mid-run', () => {
  let registry: RegistryServer;
  let proxy: HttpProxy;
  let workspace: PackedWorkspace;
  let stopped = false;

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'ci', password: PASSWORD } });
    const port = Number(registry.host.split(':')[1]);
    // After the first entry is stored, every request finds the registry gone.
    let manifests = 0;
    proxy = await startHttpProxy(port, {
      intercept: (incoming) => {
        if (stopped) {
          incoming.socket.destroy();
          return true;
        }
        if (incoming.method === 'PUT' && incoming.url?.includes('/manifests/')) {
          manifests++;
          if (manifests === 1) {
            incoming.on('end', () => setTimeout(() => (stopped = true), 50));
          }
        }
        return false;
      },
    });
    workspace = createPackedWorkspace(NX_VERSIONS[1], 'nx-helm-cache-stop-', (files) => {
      files.write(
        'nx.json',
        JSON.stringify({
          plugins: [
            { plugin: 'nx-helm', options: { registries: { [proxy.host]: { usernameEnv: 'CACHE_USER', passwordEnv: 'CACHE_PASSWORD' } } } },
          ],
        }),
      );
      for (const chart of CHARTS) writeChart(files, `charts/${chart}`, { name: chart });
    });
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
    workspace.dispose();
  });

  it('finishes every task, with one warning naming the registry', async () => {
    const result = await runNxAsync(
      workspace.root,
      ['run-many', '-t', 'lint-chart', 'package-chart', '--parallel=1', '--output-style=static'],
      {
        HELM_BIN: mainHelm(),
        CACHE_USER: 'ci',
        CACHE_PASSWORD: PASSWORD,
        NX_HELM_CACHE_REPOSITORY: `oci://${proxy.host}/ci/nx-cache`,
      },
    );
    succeeded(result);
    expect(stopped).toBe(true);
    expect(Object.keys(taskSources(result.output)).sort()).toEqual(TASKS);
    const warnings = result.output.split('\n').filter((line) => line.includes('is not used for the rest of this run'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`oci://${proxy.host}/ci/nx-cache`);
  });
});
