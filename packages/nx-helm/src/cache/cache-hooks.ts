import { isDeepStrictEqual } from 'node:util';
import { PLUGIN_NAME } from '../config/constants';
import type { NxHelmPluginOptions } from '../config/plugin-options';
import { resolveRemoteCache } from './cache-config';
import { startCacheServer, type RunningCacheServer } from './cache-server';
import { RegistryCacheStore } from './registry-cache-store';

/** The environment variables through which Nx (20.8+) finds a self-hosted remote cache. */
export const NX_CACHE_ENV = {
  server: 'NX_SELF_HOSTED_REMOTE_CACHE_SERVER',
  token: 'NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN',
} as const;

interface HookContext {
  id: string;
  workspaceRoot: string;
  nxJsonConfiguration: {
    plugins?: Array<string | { plugin: string; options?: unknown }>;
    nxCloudId?: string;
    nxCloudAccessToken?: string;
    neverConnectToCloud?: boolean;
    tasksRunnerOptions?: Record<string, { runner?: string }>;
  };
}

/** The servers this process started, by run, and their addresses (a daemon keeps its environment between runs). */
const servers = new Map<string, RunningCacheServer>();
const ownUrls = new Set<string>();

const write = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Before Nx runs tasks (preTasksExecution, Nx 20.4+): when a registry cache is configured, start the cache server for
 * this run and point Nx at it. Nx reads NX_SELF_HOSTED_REMOTE_CACHE_SERVER after this hook, in the same run; with
 * plugin isolation or the daemon, Nx carries the assignments to process.env back to the process that runs the tasks.
 * A server set explicitly and Nx Cloud both win (Nx would use them first anyway), with one line saying so.
 */
export async function startRegistryCache(options: NxHelmPluginOptions | undefined, context: HookContext, env = process.env): Promise<void> {
  if (!isFirstEntry(options, context)) return;
  // A cache that cannot start is a cache that is not there: the run goes on without it.
  try {
    await start(options, context, env);
  } catch (error) {
    write(`nx-helm: the registry cache is off for this run: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
}

async function start(options: NxHelmPluginOptions | undefined, context: HookContext, env: NodeJS.ProcessEnv): Promise<void> {
  const config = resolveRemoteCache(options, env);
  if (!config) return;
  const explicit = env[NX_CACHE_ENV.server];
  if (explicit && !ownUrls.has(explicit)) {
    write(`nx-helm: ${NX_CACHE_ENV.server} is set, so Nx uses that cache server; the registry cache ${config.url} is not started.`);
    return;
  }
  if (usesNxCloud(context.nxJsonConfiguration, env)) {
    write(`nx-helm: this workspace uses Nx Cloud, which Nx takes as its remote cache; the registry cache ${config.url} is not started.`);
    return;
  }
  const store = new RegistryCacheStore(config, {
    registries: options?.registries,
    workspaceRoot: context.workspaceRoot,
    env,
    // A cache must cost little when the registry is slow: one retry, short waits.
    retry: { retries: 1, initialDelayMs: 250, maxDelayMs: 1000 },
    answerTimeoutMs: 5_000,
  });
  const server = await startCacheServer({ store, location: config.url, readOnly: config.readOnly, warn: write });
  servers.set(context.id, server);
  ownUrls.add(server.url);
  process.env[NX_CACHE_ENV.server] = server.url;
  process.env[NX_CACHE_ENV.token] = server.token;
}

/** After the tasks: stop this run's server, with one line of what it did. */
export async function stopRegistryCache(context: { id: string }): Promise<void> {
  const server = servers.get(context.id);
  if (!server) return;
  servers.delete(context.id);
  await server.close();
  if (process.env[NX_CACHE_ENV.server] === server.url) {
    delete process.env[NX_CACHE_ENV.server];
    delete process.env[NX_CACHE_ENV.token];
  }
  const { hits, misses, writes, dropped } = server.stats;
  if (hits + misses + writes + dropped > 0) {
    write(
      `nx-helm: registry cache: ${hits} hit${hits === 1 ? '' : 's'}, ${misses} miss${misses === 1 ? '' : 'es'}, ` +
        `${writes} stored${dropped > 0 ? `, ${dropped} not stored` : ''}.`,
    );
  }
}

/** Only one nx-helm entry of nx.json runs the cache: the first (Nx calls the hooks of every entry). */
function isFirstEntry(options: NxHelmPluginOptions | undefined, context: HookContext): boolean {
  const first = (context.nxJsonConfiguration.plugins ?? [])
    .map((entry) => (typeof entry === 'string' ? { plugin: entry, options: undefined } : entry))
    .find((entry) => entry.plugin === PLUGIN_NAME);
  return first === undefined || isDeepStrictEqual(first.options ?? {}, options ?? {});
}

/** Nx's own rule (isNxCloudUsed) for whether Nx Cloud is the remote cache. */
function usesNxCloud(nxJson: HookContext['nxJsonConfiguration'], env: NodeJS.ProcessEnv): boolean {
  if (env.NX_NO_CLOUD === 'true' || nxJson.neverConnectToCloud) return false;
  return (
    !!env.NX_CLOUD_AUTH_TOKEN ||
    !!env.NX_CLOUD_ACCESS_TOKEN ||
    !!nxJson.nxCloudAccessToken ||
    !!nxJson.nxCloudId ||
    Object.values(nxJson.tasksRunnerOptions ?? {}).some((runner) => runner.runner === '@nrwl/nx-cloud' || runner.runner === 'nx-cloud')
  );
}
