import { startRegistryCache, stopRegistryCache } from './cache-hooks';

/** The hook's decisions before any registry is asked (the registry itself is in tests/remote-cache.spec.ts). */
describe('registry cache hooks', () => {
  let stderr: string[];
  let spy: jest.SpyInstance;
  const context = (nxJson = {}) => ({
    id: `run-${Math.random()}`,
    workspaceRoot: '/tmp',
    nxJsonConfiguration: { plugins: ['nx-helm'], ...nxJson },
  });
  beforeEach(() => {
    stderr = [];
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    delete process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
    delete process.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN;
  });
  afterEach(() => spy.mockRestore());

  it('starts a server for the run, points Nx at it, and takes it down after', async () => {
    const run = context();
    await startRegistryCache(undefined, run, { NX_HELM_CACHE_REPOSITORY: 'oci://127.0.0.1:9/ci/cache' });
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    const answer = await fetch(`${process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER}/v1/cache/1`);
    expect(answer.status).toBe(401);
    await stopRegistryCache(run);
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    expect(stderr).toEqual([]);
  });

  it('leaves an explicitly set server and Nx Cloud alone, saying so once', async () => {
    process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER = 'https://cache.example.com';
    await startRegistryCache(undefined, context(), { ...process.env, NX_HELM_CACHE_REPOSITORY: 'oci://r.example/ci/cache' });
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBe('https://cache.example.com');
    delete process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
    await startRegistryCache(undefined, context({ nxCloudId: 'abc' }), { NX_HELM_CACHE_REPOSITORY: 'oci://r.example/ci/cache' });
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    expect(stderr).toEqual([
      'nx-helm: NX_SELF_HOSTED_REMOTE_CACHE_SERVER is set, so Nx uses that cache server; the registry cache oci://r.example/ci/cache is not started.\n',
      'nx-helm: this workspace uses Nx Cloud, which Nx takes as its remote cache; the registry cache oci://r.example/ci/cache is not started.\n',
    ]);
  });

  it('runs without the cache, with one line, when its settings are wrong', async () => {
    await startRegistryCache(undefined, context(), { NX_HELM_CACHE_REPOSITORY: 'ghcr.io/acme/cache' });
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(
      /^nx-helm: the registry cache is off for this run: The registry "ghcr.io\/acme\/cache" \(from the NX_HELM_CACHE_REPOSITORY environment variable\) is not an OCI registry reference/,
    );
  });

  it('runs once per workspace: only the first nx-helm entry of nx.json starts it', async () => {
    const run = {
      ...context(),
      nxJsonConfiguration: {
        plugins: [
          { plugin: 'nx-helm', options: { projectNamePrefix: 'a-' } },
          { plugin: 'nx-helm', options: {} },
        ],
      },
    };
    await startRegistryCache({}, run, { NX_HELM_CACHE_REPOSITORY: 'oci://127.0.0.1:9/ci/cache' });
    expect(process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER).toBeUndefined();
  });
});
