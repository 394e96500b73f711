import { spawn } from 'node:child_process';
import { resolveRemoteCache, CACHE_ENV, type RemoteCacheConfig } from '../cache/cache-config';
import { NX_CACHE_ENV } from '../cache/cache-hooks';
import { startCacheServer } from '../cache/cache-server';
import { RegistryCacheStore, type CacheEntryInfo } from '../cache/registry-cache-store';
import type { NxHelmPluginOptions } from '../config/plugin-options';
import type { Logger } from '../utils/logger';
import { NxHelmError } from '../utils/nx-helm-error';
import { onInterrupt } from '../utils/on-interrupt';

export interface CacheCommandOptions {
  workspaceRoot: string;
  /** The nx-helm entry's options (cache and registries). */
  settings: NxHelmPluginOptions;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

function cacheOf(options: CacheCommandOptions): RemoteCacheConfig {
  const config = resolveRemoteCache(options.settings, options.env);
  if (!config) {
    throw new NxHelmError(
      `No registry cache is configured: set ${CACHE_ENV.repository} (e.g. oci://ghcr.io/acme/charts/nx-cache) or the nx-helm plugin option "cache": { "repository": … } in nx.json.`,
    );
  }
  return config;
}

function storeOf(options: CacheCommandOptions, config: RemoteCacheConfig): RegistryCacheStore {
  return new RegistryCacheStore(config, {
    registries: options.settings.registries,
    workspaceRoot: options.workspaceRoot,
    env: options.env,
  });
}

/** `nx-helm cache stats`: how many entries the cache holds, how large they are, and their ages. */
export async function cacheStats(options: CacheCommandOptions): Promise<{ count: number; bytes: number }> {
  const config = cacheOf(options);
  const entries = await storeOf(options, config).list();
  const bytes = entries.reduce((sum, entry) => sum + entry.size, 0);
  const dates = entries.flatMap((entry) => (entry.created ? [entry.created.getTime()] : [])).sort((a, b) => a - b);
  options.log.info(
    `${config.url}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${formatBytes(bytes)}` +
      (dates.length > 0 ? ` (oldest ${new Date(dates[0]).toISOString()}, newest ${new Date(dates.at(-1)!).toISOString()})` : '') +
      '.',
  );
  return { count: entries.length, bytes };
}

/**
 * `nx-helm cache prune --older-than 14d`: deletes the entries stored before then, where the registry allows deleting
 * (distribution with delete enabled, Harbor, ECR). GHCR does not delete through the registry API: its package
 * versions are deleted with GitHub's API, which the message names.
 */
export async function cachePrune(
  options: CacheCommandOptions & { olderThan: string; dryRun?: boolean; now?: Date },
): Promise<CacheEntryInfo[]> {
  const config = cacheOf(options);
  const age = parseDuration(options.olderThan);
  if (config.host === 'ghcr.io') {
    throw new NxHelmError(
      `GHCR does not delete images through the registry API, so ${config.url} cannot be pruned here. Delete its old package versions with ` +
        'the actions/delete-package-versions action (e.g. min-versions-to-keep) or `gh api -X DELETE /orgs/<org>/packages/container/<package>/versions/<id>`.',
    );
  }
  const cutoff = (options.now ?? new Date()).getTime() - age;
  const store = storeOf(options, config);
  // An entry without a creation time was not stored by nx-helm's cache: it is left alone.
  const old = (await store.list()).filter((entry) => entry.created !== undefined && entry.created.getTime() < cutoff);
  if (options.dryRun) {
    options.log.info(
      `Dry run: would delete ${old.length} entries of ${config.url} older than ${options.olderThan} (${formatBytes(sum(old))}).`,
    );
    return old;
  }
  for (const entry of old) await store.delete(entry);
  options.log.info(
    `Deleted ${old.length} entries of ${config.url} older than ${options.olderThan} (${formatBytes(sum(old))}); the registry's garbage collection frees their storage.`,
  );
  return old;
}

/**
 * `nx-helm cache serve -- <command>`: runs the command (e.g. `npx nx affected -t package-chart`) with the registry cache
 * server up and Nx pointed at it, for the cases where the plugin's hook cannot start it (a daemon started with another
 * environment). Returns the command's exit code.
 */
export async function cacheServe(options: CacheCommandOptions & { command: string[] }): Promise<number> {
  if (options.command.length === 0) {
    throw new NxHelmError('Give the command to run after --, e.g. `nx-helm cache serve -- npx nx affected -t lint-chart package-chart`.');
  }
  const config = cacheOf(options);
  const server = await startCacheServer({
    store: storeOf(options, config),
    location: config.url,
    readOnly: config.readOnly,
    warn: (line) => options.log.warn(line),
  });
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(options.command[0], options.command.slice(1), {
        stdio: 'inherit',
        // The hook sees a server set and leaves it alone.
        env: { ...options.env, [NX_CACHE_ENV.server]: server.url, [NX_CACHE_ENV.token]: server.token },
      });
      // A cancelled job stops the command too, not only the server.
      onInterrupt(() => {
        if (child.exitCode === null) child.kill('SIGTERM');
      });
      child.on('error', (error) => {
        reject(new NxHelmError(`Starting ${options.command[0]} failed: ${error.message}.`));
      });
      child.on('close', (code, signal) => {
        resolve(code ?? (signal ? 1 : 0));
      });
    });
  } finally {
    await server.close();
  }
}

/** `14d`, `12h`, `30m`, `90s` in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([dhms])$/.exec(text.trim());
  if (!match) {
    throw new NxHelmError(`--older-than takes a duration such as 14d, 12h or 30m, not "${text}".`);
  }
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[match[2] as 'd' | 'h' | 'm' | 's'];
  return Number(match[1]) * unit;
}

function sum(entries: CacheEntryInfo[]): number {
  return entries.reduce((total, entry) => total + entry.size, 0);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
