import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChartRepository, type ChartRepositoryServer } from '../testing/chart-repository-server';
import { startSilentServer } from '../testing/silent-server';
import { cachedRepositoryIndex, type CachedIndexOptions } from './repository-index-cache';

const USER = { username: 'reader', password: 'Index-Secret-42' };
const INDEX = 'apiVersion: v1\nentries: {}\ngenerated: "2024-01-01T00:00:00Z"\n';

/** The index cache against a real HTTP server (basic authentication, ETags), with request counts. */
describe('cachedRepositoryIndex', () => {
  let dir: string;
  let repository: ChartRepositoryServer;
  let options: CachedIndexOptions;
  const index = async () => (await repository.requests())['/index.yaml'] ?? {};
  const endpoint = (credentials?: { username: string; password: string }) => ({ url: repository.url, connection: {}, credentials });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nx-helm-index-cache-'));
    writeFileSync(join(dir, 'index.yaml'), INDEX);
    repository = await startChartRepository(dir, USER);
    options = {
      ttlMs: 60_000,
      cacheDir: join(dir, 'cache'),
      fallbackDir: join(dir, 'fallback'),
      retry: { retries: 0, initialDelayMs: 1, maxDelayMs: 1 },
    };
  });
  afterEach(async () => {
    await repository.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('downloads once for parallel callers, and serves the next ones from the cache within the TTL', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => cachedRepositoryIndex(endpoint(USER), options)));
    expect(new Set(results.map((result) => result.file)).size).toBe(1);
    expect(readFileSync(results[0].file, 'utf8')).toBe(INDEX);
    expect(await index()).toEqual({ '200': 1 });
    await expect(cachedRepositoryIndex(endpoint(USER), options)).resolves.toMatchObject({ checked: false });
    expect(await index()).toEqual({ '200': 1 });
  });

  it('revalidates after the TTL without downloading an unchanged index', async () => {
    await cachedRepositoryIndex(endpoint(USER), options);
    await expect(cachedRepositoryIndex(endpoint(USER), { ...options, ttlMs: 0 })).resolves.toMatchObject({ checked: true });
    expect(await index()).toEqual({ '200': 1, '304': 1 });
  });

  it('never gives an index served to a user to a run without credentials or with another user name', async () => {
    await cachedRepositoryIndex(endpoint(USER), options);
    await expect(cachedRepositoryIndex(endpoint(), options)).rejects.toMatchObject({ reason: 'unauthorized' });
    await expect(cachedRepositoryIndex(endpoint({ username: 'other', password: USER.password }), options)).rejects.toMatchObject({
      reason: 'unauthorized',
    });
    expect(await index()).toEqual({ '200': 1, '401': 2 });
  });

  it('asks a repository that does not answer twice, and gives its failure to the callers that waited', async () => {
    const silent = await startSilentServer();
    try {
      const started = Date.now();
      const silentOptions = { ...options, answerTimeoutMs: 300, retry: { retries: 4, initialDelayMs: 1, maxDelayMs: 1 } };
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => cachedRepositoryIndex({ url: silent.url, connection: {} }, silentOptions)),
      );
      for (const result of results) {
        expect(result).toMatchObject({
          status: 'rejected',
          reason: {
            reason: 'unreachable',
            unanswered: true,
            detail: `GET ${silent.url}/index.yaml failed: no answer within 0.3 s (asked twice)`,
          },
        });
      }
      expect(silent.connections()).toBe(2);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await silent.stop();
    }
  });
});
