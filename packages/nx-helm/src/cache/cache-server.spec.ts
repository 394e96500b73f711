import { RegistryRequestError } from '../registry/oci/oci-client';
import { startCacheServer, type CacheStore, type RunningCacheServer } from './cache-server';

/** The server's answers as Nx's client needs them, over stores that fail in chosen ways. */
describe('cache server', () => {
  let server: RunningCacheServer | undefined;
  const warnings: string[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    warnings.length = 0;
  });
  const start = async (store: CacheStore, extra: { readOnly?: boolean; requestTimeoutMs?: number; maxEntryBytes?: number } = {}) => {
    server = await startCacheServer({
      store,
      location: 'oci://r.example/ci/cache',
      readOnly: false,
      warn: (line) => warnings.push(line),
      ...extra,
    });
    return server;
  };
  const call = (method: string, path: string, body?: string, token = server!.token) =>
    fetch(`${server!.url}${path}`, { method, body, headers: { authorization: `Bearer ${token}` } });
  const memory = (): CacheStore & { entries: Map<string, Buffer> } => {
    const entries = new Map<string, Buffer>();
    return { entries, get: async (hash) => entries.get(hash), put: async (hash, archive) => void entries.set(hash, archive) };
  };

  it('stores with 200, serves with 200, misses with 404, and refuses a wrong token with a plain-text 401', async () => {
    const store = memory();
    await start(store);
    expect((await call('PUT', '/v1/cache/123', 'tar')).status).toBe(200);
    const hit = await call('GET', '/v1/cache/123');
    expect([hit.status, await hit.text()]).toEqual([200, 'tar']);
    expect((await call('GET', '/v1/cache/456')).status).toBe(404);
    const denied = await call('GET', '/v1/cache/123', undefined, 'wrong');
    expect([denied.status, denied.headers.get('content-type')]).toEqual([401, 'text/plain']);
    expect((await call('GET', '/v1/cache/..%2Fetc')).status).toBe(404);
    expect((await call('DELETE', '/v1/cache/123')).status).toBe(405);
    expect(server!.stats).toEqual({ hits: 1, misses: 1, writes: 1, dropped: 0 });
    expect(warnings).toEqual([]);
  });

  it('read-only answers writes with 403, which Nx ignores, and stores nothing', async () => {
    const store = memory();
    await start(store, { readOnly: true });
    expect((await call('PUT', '/v1/cache/123', 'tar')).status).toBe(403);
    expect(store.entries.size).toBe(0);
  });

  it('gives up on a slow registry for the rest of the run: misses and dropped writes, one warning', async () => {
    let calls = 0;
    await start(
      {
        get: () => {
          calls++;
          return new Promise(() => undefined);
        },
        put: async () => undefined,
      },
      { requestTimeoutMs: 200 },
    );
    expect((await call('GET', '/v1/cache/1')).status).toBe(404);
    expect((await call('GET', '/v1/cache/2')).status).toBe(404);
    expect((await call('PUT', '/v1/cache/3', 'tar')).status).toBe(403);
    expect(calls).toBe(1);
    expect(warnings).toEqual([
      'nx-helm: the remote cache oci://r.example/ci/cache is not used for the rest of this run (the registry took longer than 0.2 s to answer); tasks run as without it.',
    ]);
  });

  it('takes an entry whose content does not match its digest for a miss, and goes on using the registry', async () => {
    const store = memory();
    store.entries.set('2', Buffer.from('fine'));
    await start({
      get: async (hash) => {
        if (hash === '1')
          throw new RegistryRequestError('integrity', 'Downloading the blob failed: the content received hashes to sha256:00.');
        return store.get(hash);
      },
      put: store.put,
    });
    expect((await call('GET', '/v1/cache/1')).status).toBe(404);
    expect((await call('GET', '/v1/cache/2')).status).toBe(200);
    expect(warnings).toEqual([
      'nx-helm: the remote cache entry 1 in oci://r.example/ci/cache does not match its digest; it is treated as a miss.',
    ]);
  });

  it('drops an entry larger than the limit, once saying so', async () => {
    const store = memory();
    await start(store, { maxEntryBytes: 10 });
    expect((await call('PUT', '/v1/cache/1', 'x'.repeat(100)).catch(() => ({ status: 'reset' }))).status).not.toBe(200);
    expect(store.entries.size).toBe(0);
    expect(warnings[0]).toContain("nx-helm: a task's cache entry was not stored in oci://r.example/ci/cache: it is larger than");
  });
});
