import { NxHelmError } from '../utils/nx-helm-error';

export const REPOSITORY_INDEX_TTL_VARIABLE = 'NX_HELM_REPOSITORY_INDEX_TTL';
export const DEFAULT_REPOSITORY_INDEX_TTL_SECONDS = 600;

/**
 * How long a cached index is used unchecked: NX_HELM_REPOSITORY_INDEX_TTL (seconds, for one run or one CI job), else
 * the configured setting, else 600 s. 0 checks with the server every time (a conditional request: no download when
 * the index is unchanged).
 */
export function repositoryIndexTtlMs(env: NodeJS.ProcessEnv, setting: number | undefined): number {
  const variable = env[REPOSITORY_INDEX_TTL_VARIABLE]?.trim();
  if (variable) {
    const seconds = Number(variable);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new NxHelmError(
        `${REPOSITORY_INDEX_TTL_VARIABLE} is ${JSON.stringify(variable)}, which is not a number of seconds. Set it to e.g. 600, ` +
          'or 0 to check the chart repositories on every run, or unset it.',
      );
    }
    return seconds * 1000;
  }
  if (setting !== undefined) {
    checkRepositoryIndexTtl(setting);
    return setting * 1000;
  }
  return DEFAULT_REPOSITORY_INDEX_TTL_SECONDS * 1000;
}

/** The `repositoryIndexTtl` option must be a number of seconds. */
export function checkRepositoryIndexTtl(setting: unknown): void {
  if (typeof setting !== 'number' || !Number.isFinite(setting) || setting < 0) {
    throw new NxHelmError(
      `The nx-helm plugin option "repositoryIndexTtl" in nx.json is ${JSON.stringify(setting)}, which is not a number of seconds. ` +
        'Set it to e.g. 600, or 0 to ask the chart repositories on every run.',
    );
  }
}
