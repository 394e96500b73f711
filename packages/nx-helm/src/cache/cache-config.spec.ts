import { normalizePluginOptions } from '../config/plugin-options';
import { resolveRemoteCache } from './cache-config';

describe('registry cache settings', () => {
  const options = { cache: { repository: 'oci://ghcr.io/acme/charts/nx-cache' } };

  it('comes from NX_HELM_CACHE_REPOSITORY, else the cache option; read-only from NX_HELM_CACHE_READ_ONLY, else the option', () => {
    expect(resolveRemoteCache(undefined, {})).toBeUndefined();
    expect(resolveRemoteCache(options, {})).toEqual({
      url: 'oci://ghcr.io/acme/charts/nx-cache',
      host: 'ghcr.io',
      repository: 'acme/charts/nx-cache',
      readOnly: false,
    });
    expect(
      resolveRemoteCache(options, { NX_HELM_CACHE_REPOSITORY: 'oci://127.0.0.1:5000/ci/cache', NX_HELM_CACHE_READ_ONLY: 'true' }),
    ).toEqual({
      url: 'oci://127.0.0.1:5000/ci/cache',
      host: '127.0.0.1:5000',
      repository: 'ci/cache',
      readOnly: true,
    });
    expect(resolveRemoteCache({ cache: { ...options.cache, readOnly: true } }, {})!.readOnly).toBe(true);
    expect(resolveRemoteCache({ cache: { ...options.cache, readOnly: true } }, { NX_HELM_CACHE_READ_ONLY: 'false' })!.readOnly).toBe(false);
  });

  it('refuses a repository without a path, credentials in the URL and a read-only value that is not a boolean', () => {
    expect(() => resolveRemoteCache(undefined, { NX_HELM_CACHE_REPOSITORY: 'oci://ghcr.io' })).toThrow(
      'The cache repository oci://ghcr.io (from the NX_HELM_CACHE_REPOSITORY environment variable) has no path',
    );
    expect(() => resolveRemoteCache(undefined, { NX_HELM_CACHE_REPOSITORY: 'oci://me:secret@ghcr.io/a/b' })).toThrow(
      /oci:\/\/\*\*\*@ghcr.io/,
    );
    expect(() => resolveRemoteCache(options, { NX_HELM_CACHE_READ_ONLY: 'yes please' })).toThrow(
      'NX_HELM_CACHE_READ_ONLY must be true or false, not "yes please".',
    );
  });

  it('checks the cache option with the other plugin options', () => {
    expect(normalizePluginOptions(options).cache).toEqual(options.cache);
    expect(() => normalizePluginOptions({ cache: 'oci://ghcr.io/a' as never })).toThrow('"cache" in nx.json must be an object');
    expect(() => normalizePluginOptions({ cache: { repository: 'ghcr.io/a/b' } })).toThrow(
      '"cache.repository" in nx.json must be an OCI repository',
    );
    expect(() => normalizePluginOptions({ cache: { repository: 'oci://ghcr.io/a/b', readonly: true } as never })).toThrow(/readOnly/);
    expect(() => normalizePluginOptions({ cache: { repository: 'oci://ghcr.io/a/b', readOnly: 'yes' as never } })).toThrow(
      '"cache.readOnly" in nx.json must be true or false.',
    );
  });
});
