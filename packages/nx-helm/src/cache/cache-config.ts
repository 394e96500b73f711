import type { NxHelmPluginOptions } from '../config/plugin-options';
import { parseRegistryLocation } from '../registry/registry-reference';
import { NxHelmError } from '../utils/nx-helm-error';

/** Environment variables that switch the registry cache on (or to read-only) without editing nx.json. */
export const CACHE_ENV = {
  repository: 'NX_HELM_CACHE_REPOSITORY',
  readOnly: 'NX_HELM_CACHE_READ_ONLY',
} as const;

/** Where the remote cache lives: one OCI repository, each entry an artifact tagged with its task hash. */
export interface RemoteCacheConfig {
  /** `oci://host/path` as configured. */
  url: string;
  host: string;
  /** Repository path under the host. */
  repository: string;
  readOnly: boolean;
}

/**
 * The registry cache of this run: NX_HELM_CACHE_REPOSITORY, else the plugin's `cache.repository`; read-only when
 * NX_HELM_CACHE_READ_ONLY is true (or `cache.readOnly`). Undefined when neither names a repository.
 */
export function resolveRemoteCache(
  options: Pick<NxHelmPluginOptions, 'cache'> | undefined,
  env: NodeJS.ProcessEnv,
): RemoteCacheConfig | undefined {
  const fromEnv = env[CACHE_ENV.repository]?.trim();
  const configured = fromEnv || options?.cache?.repository;
  if (!configured) return undefined;
  const origin = fromEnv ? `the ${CACHE_ENV.repository} environment variable` : 'the nx-helm plugin option "cache.repository"';
  const location = parseRegistryLocation(configured, origin);
  if (!location.path) {
    throw new NxHelmError(
      `The cache repository ${location.url} (from ${origin}) has no path: name a repository, e.g. oci://${location.host}/acme/charts/nx-cache.`,
    );
  }
  const readOnlyEnv = env[CACHE_ENV.readOnly]?.trim().toLowerCase();
  if (readOnlyEnv !== undefined && readOnlyEnv !== '' && !['true', 'false', '1', '0'].includes(readOnlyEnv)) {
    throw new NxHelmError(`${CACHE_ENV.readOnly} must be true or false, not "${env[CACHE_ENV.readOnly]}".`);
  }
  const readOnly =
    readOnlyEnv === 'true' ||
    readOnlyEnv === '1' ||
    (readOnlyEnv === undefined || readOnlyEnv === '' ? options?.cache?.readOnly === true : false);
  return { url: location.url, host: location.host, repository: location.path, readOnly };
}
