import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartDependency } from '../chart/chart-model';
import { describeDependencies } from '../chart/describe-dependencies';
import { normalizeRepositoryUrl } from '../chart/dependency-source';
import type { HelmRunner } from '../helm/helm-runner';
import type { ProcessResult } from '../utils/process';
import { classifyRegistryFailure } from '../registry/registry-errors';
import { connectionFlags, hostConnection, type RegistriesOptions, type RegistryHostOptions } from '../registry/registry-options';
import { RegistrySession } from '../registry/registry-session';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { NxHelmError } from '../utils/nx-helm-error';
import { repositoryIndexTtlMs } from '../config/repository-index-ttl';
import { readHelmRepositories, writeHelmRepositories, type HelmRepositoryEntry } from './helm-repository-config';
import {
  cachedRepositoryIndex,
  DEFAULT_INDEX_TIMEOUT_MS,
  repositoryIndexCacheDir,
  type CachedIndex,
  type CachedIndexOptions,
} from './repository-index-cache';
import { describeUrl, IndexDownloadFailure, type RepositoryEndpoint } from './repository-index-download';
import { checkOciSources, sourceBounds, unansweredFix, type OciSource, type SourceBounds, type SourceChecks } from './source-checks';

/** Where `helm dependency build` downloads from, with the logins it needs. */
export interface DependencySources {
  /** Environment for `helm dependency build`: its own registry config, repository config and cache. */
  env: NodeJS.ProcessEnv;
  /** Connection flags for OCI dependencies (`--plain-http`, CA files), for `helm pull` too. */
  flags: string[];
  /** Flags for `helm dependency build`: the OCI ones, and --skip-refresh, as the repository indexes are in place. */
  buildFlags: string[];
  /** Explains a failed `helm dependency build`, naming the dependency, its repository and the cause. */
  explain(result: ProcessResult, dependencies: ChartDependency[]): string;
  /**
   * After a failed `helm dependency build` that says a version was missing: checks again, once, the indexes of these
   * dependencies that came from the cache unchecked in this run. True when one changed, so that one more build may
   * find a version published since the index was cached.
   */
  refreshIndexes(result: ProcessResult, dependencies: ChartDependency[]): Promise<boolean>;
  /** Logs out and deletes the temporary configs (they may hold credentials). */
  dispose(): Promise<void>;
}

export interface DependencySourceSettings {
  registries?: RegistriesOptions;
  workspaceRoot: string;
  secretVariables?: string[];
  /** Where credential variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Seconds a cached repository index is used without asking the server; NX_HELM_REPOSITORY_INDEX_TTL overrides it. */
  repositoryIndexTtl?: number;
  /** Repository names of `@name` dependencies and their URLs, looked up before helm's repositories.yaml. */
  repositoryNames?: Record<string, string>;
  /** The registry lookups of this run so far, shared by its charts (see checkOciSources). */
  sourceChecks?: SourceChecks;
}

/** An HTTP chart repository of this run: its entry in the run's repositories.yaml and where its index comes from. */
interface RunRepository {
  /** `url:<url>` or `@<name>`, as the dependencies name it (see repositoryKeyOf). */
  key: string;
  entry: HelmRepositoryEntry;
  endpoint: RepositoryEndpoint;
  users: ChartDependency[];
  /** Where the users are declared, for messages. */
  declarations: Array<{ file: string; line?: number }>;
  /** The name the dependencies use (`@name`), if they use one. */
  alias?: string;
  /** Where its credentials come from, for the fix of an "unauthorized" error. */
  credentialSource?: { from: 'registries'; usernameEnv: string; passwordEnv: string } | { from: 'helm-config' };
  index?: CachedIndex;
  /** The index file as helm was given it, to tell whether a refresh changed it. */
  linkedVersion?: string;
  refreshed?: boolean;
}

/** Helm's words for a version (or chart) missing from a repository index. */
const MISSING_FROM_INDEX = /can't get a valid version|no chart version found|no chart name found|not found in .*(index|repositor)/i;

/**
 * Prepares the downloads of the charts' OCI and HTTP dependencies with the credentials of the `registries` option, in
 * a temporary helm configuration, so private dependencies resolve in CI and nothing is left behind. OCI registries
 * are logged in to (password on stdin). For HTTP chart repositories (by URL, or by a name from `repositoryNames` or
 * helm's repositories.yaml), the run's repositories.yaml is written here and each index is taken from the cache
 * shared across runs (repository-index-cache.ts), so `helm dependency build --skip-refresh` downloads no index.
 * Hosts without credentials are used anonymously (or with the user's own logins for OCI).
 *
 * Every host is first asked by nx-helm's own client, within the bounds of sourceBounds: each OCI registry for the
 * dependency's manifest or tags (checkOciSources), each HTTP repository for its index (unless cached). A host that
 * does not answer fails the chart in seconds, where helm, which has no timeout of its own, would wait for
 * NX_HELM_COMMAND_TIMEOUT; that timeout still bounds the build, for a host that answers these requests but not the
 * download.
 */
export async function prepareDependencySources(
  helm: HelmRunner,
  dependencies: Array<{ dependency: ChartDependency; chartFile: string }>,
  settings: DependencySourceSettings,
): Promise<DependencySources> {
  const env = settings.env ?? process.env;
  // The cache is located, and its TTL read, in the environment helm runs with, which also locates helm's own caches.
  const runEnv = settings.env ?? helm.environment;
  const loggedInHosts: string[] = [];
  const registryConfigFile = () => join(dir, 'registry.json');
  // An interrupted run logs out too: a credential helper may keep a login outside this folder.
  const dir = createTempDir('nx-helm-dependencies-', () => {
    for (const host of loggedInHosts) {
      execFileSync(helm.binary, ['registry', 'logout', host], {
        env: { ...helm.environment, HELM_REGISTRY_CONFIG: registryConfigFile() },
        stdio: 'ignore',
        timeout: 10_000,
      });
    }
  });
  const helmEnv: NodeJS.ProcessEnv = {};
  const sessions: RegistrySession[] = [];
  const dispose = async () => {
    for (const session of sessions) await session.close();
    removeTempDir(dir);
  };
  try {
    const hostOptions = (host: string) => hostConnection(host, settings.registries, {}, settings.workspaceRoot);
    const bounds = sourceBounds(helm.timeoutMs);
    const ociHosts = new Map<string, RegistryHostOptions>();
    const ociSources: OciSource[] = [];
    const httpDependencies: Array<{ dependency: ChartDependency; chartFile: string }> = [];
    for (const { dependency, chartFile } of dependencies) {
      if (dependency.source.kind === 'oci') {
        const host = dependency.source.url.replace(/^oci:\/\//, '').split('/')[0];
        ociHosts.set(host, hostOptions(host));
        ociSources.push({ dependency, chartFile, host, connection: ociHosts.get(host)! });
      } else if (dependency.source.kind === 'http') {
        if (!URL.canParse(dependency.source.url)) {
          throw new NxHelmError(
            `${chartFile}: the dependency "${dependency.name}" has the repository ${JSON.stringify(dependency.source.url)}, which is not a URL. ` +
              'Use an https://, oci:// or file:// URL, or @<name> for a repository added with `helm repo add`.',
          );
        }
        httpDependencies.push({ dependency, chartFile });
      } else if (dependency.source.kind === 'repo-alias') {
        httpDependencies.push({ dependency, chartFile });
      }
    }
    const flags = ociConnectionFlags(ociHosts, helm.majorVersion);
    // Helm reads this run's repositories only, never the user's: it would load (and without a lock file refresh) each.
    helmEnv.HELM_REPOSITORY_CONFIG = join(dir, 'repositories.yaml');
    helmEnv.HELM_REPOSITORY_CACHE = join(dir, 'repository-cache');
    mkdirSync(helmEnv.HELM_REPOSITORY_CACHE);
    const cacheOptions = {
      ttlMs: httpDependencies.length > 0 ? repositoryIndexTtlMs(runEnv, settings.repositoryIndexTtl) : 0,
      cacheDir: repositoryIndexCacheDir(runEnv),
      fallbackDir: join(dir, 'indexes'),
      timeoutMs: Math.min(DEFAULT_INDEX_TIMEOUT_MS, bounds.commandMs),
      answerTimeoutMs: bounds.answerMs,
    };
    mkdirSync(cacheOptions.fallbackDir);
    const provide = async (repository: RunRepository, force: boolean) => {
      repository.index = await fetchIndex(repository, { ...cacheOptions, force }, bounds);
      repository.linkedVersion = linkIndex(
        repository.index.file,
        join(helmEnv.HELM_REPOSITORY_CACHE!, `${repository.entry.name}-index.yaml`),
      );
    };
    // The registries and the repositories are asked at the same time, so that silent ones keep the chart waiting once;
    // each finishes before anything is cleaned up.
    const [checked, provided] = await Promise.allSettled([
      checkOciSources(ociSources, { env, bounds, checks: settings.sourceChecks }),
      runRepositories(helm, httpDependencies, settings, env, hostOptions).then(async (found) => {
        await Promise.all(found.map((repository) => provide(repository, false)));
        return found;
      }),
    ]);
    if (checked.status === 'rejected') throw checked.reason;
    if (provided.status === 'rejected') throw provided.reason;
    const repositories = provided.value;
    for (const [host, options] of ociHosts) {
      if (options.usernameEnv || options.passwordEnv) {
        sessions.push(
          await RegistrySession.open(helm, host, options, {
            registryConfigFile: registryConfigFile(),
            env,
            secretVariables: settings.secretVariables,
          }),
        );
        loggedInHosts.push(host);
        helmEnv.HELM_REGISTRY_CONFIG = registryConfigFile();
      }
    }
    writeHelmRepositories(
      helmEnv.HELM_REPOSITORY_CONFIG,
      repositories.map((repository) => repository.entry),
    );
    return {
      env: helmEnv,
      flags,
      buildFlags: [...flags, '--skip-refresh'],
      explain: (result, chartDependencies) => explainFailure(result, chartDependencies),
      refreshIndexes: async (result, chartDependencies) => {
        if (!MISSING_FROM_INDEX.test(`${result.stderr}\n${result.stdout}`)) return false;
        const keys = new Set(chartDependencies.map(repositoryKeyOf));
        let changed = false;
        for (const repository of repositories) {
          if (!keys.has(repository.key) || repository.refreshed || repository.index?.checked !== false) continue;
          repository.refreshed = true;
          const before = repository.linkedVersion;
          try {
            await provide(repository, true);
          } catch {
            continue; // the build's own failure is the one to report
          }
          changed ||= repository.linkedVersion !== before;
        }
        return changed;
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * `helm dependency build` takes one set of OCI connection flags for all registries: refuse a mix it cannot express,
 * rather than apply one registry's TLS settings (or plain http) to another.
 */
function ociConnectionFlags(hosts: Map<string, RegistryHostOptions>, helmMajor: number): string[] {
  const describe = (options: RegistryHostOptions) =>
    JSON.stringify({
      plainHttp: Boolean(options.plainHttp),
      insecureSkipTlsVerify: Boolean(options.insecureSkipTlsVerify),
      caFile: options.caFile ?? null,
      certFile: options.certFile ?? null,
      keyFile: options.keyFile ?? null,
    });
  const distinct = new Map([...hosts].map(([host, options]) => [describe(options), host]));
  if (distinct.size > 1) {
    throw new NxHelmError(
      `The chart's OCI dependencies come from registries with different connection settings (${[...hosts.keys()].join(', ')}: ` +
        'plain http, TLS verification or certificates), which one `helm dependency build` cannot combine. ' +
        'Give them the same settings in the nx-helm "registries" option, or vendor one of the dependencies.',
    );
  }
  const [options] = hosts.values();
  return options ? connectionFlags(options, 'pull', helmMajor) : [];
}

/** How a dependency names its repository, the key of its RunRepository: URLs as helm compares them, names as written. */
function repositoryKeyOf(dependency: ChartDependency): string {
  if (dependency.source.kind === 'repo-alias') return `@${dependency.source.alias}`;
  return dependency.source.kind === 'http' ? `url:${normalizeRepositoryUrl(dependency.source.url)}` : '';
}

/**
 * The HTTP repositories of the run, one per URL and one per name, each with its credentials: those of the
 * `registries` option for its host, else those helm's repositories.yaml keeps for a named repository.
 */
async function runRepositories(
  helm: HelmRunner,
  dependencies: Array<{ dependency: ChartDependency; chartFile: string }>,
  settings: DependencySourceSettings,
  env: NodeJS.ProcessEnv,
  hostOptions: (host: string) => RegistryHostOptions,
): Promise<RunRepository[]> {
  const groups = new Map<string, Array<{ dependency: ChartDependency; chartFile: string }>>();
  for (const item of dependencies) {
    const key = repositoryKeyOf(item.dependency);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const names = new Set([...groups.keys()].filter((key) => key.startsWith('@')).map((key) => key.slice(1)));
  let helmRepositories: { file: string; entries: HelmRepositoryEntry[] } | undefined;
  const userRepositories = async () => {
    if (!helmRepositories) {
      const located = await helm.run(['env', 'HELM_REPOSITORY_CONFIG']);
      const file = located.failed ? '' : located.stdout.trim();
      helmRepositories = { file, entries: file ? readHelmRepositories(file) : [] };
    }
    return helmRepositories;
  };
  const repositories: RunRepository[] = [];
  let generated = 0;
  for (const [key, items] of groups) {
    const users = items.map(({ dependency }) => dependency);
    let name: string;
    let url: string;
    let saved: HelmRepositoryEntry | undefined;
    if (key.startsWith('@')) {
      name = key.slice(1);
      const configured = settings.repositoryNames?.[name];
      saved = configured === undefined ? (await userRepositories()).entries.find((entry) => entry.name === name) : undefined;
      url = configured ?? saved?.url ?? '';
      const origin =
        configured !== undefined ? 'the repository names nx-helm was given' : `helm's repository config ${helmRepositories?.file}`;
      checkNamedRepository(name, url, items, origin, helmRepositories);
    } else {
      do name = `nx-helm-${generated++}`;
      while (names.has(name));
      url = (items[0].dependency.source as { url: string }).url.trim();
    }
    const host = new URL(url).host;
    const options = hostOptions(host);
    let credentials: { username: string; password: string } | undefined;
    let credentialSource: RunRepository['credentialSource'];
    if (options.usernameEnv && options.passwordEnv) {
      const username = env[options.usernameEnv];
      const password = env[options.passwordEnv];
      if (!username || !password) {
        throw new NxHelmError(
          `Credentials for ${host} are configured in the nx-helm "registries" option, but the environment variable(s) ` +
            `${[options.usernameEnv, options.passwordEnv].filter((variable) => !env[variable]).join(', ')} are not set. Export them before running.`,
        );
      }
      credentials = { username, password };
      credentialSource = { from: 'registries', usernameEnv: options.usernameEnv, passwordEnv: options.passwordEnv };
    } else if (saved?.username) {
      credentials = { username: saved.username, password: saved.password ?? '' };
      credentialSource = { from: 'helm-config' };
    }
    // The `registries` entry of the host over what `helm repo add` saved with the name.
    const connection: RegistryHostOptions = {
      caFile: options.caFile ?? saved?.caFile,
      certFile: options.certFile ?? saved?.certFile,
      keyFile: options.keyFile ?? saved?.keyFile,
      insecureSkipTlsVerify: options.insecureSkipTlsVerify ?? saved?.insecureSkipTlsVerify,
    };
    repositories.push({
      key,
      entry: { name, url, ...credentials, ...connection, passCredentialsAll: saved?.passCredentialsAll },
      endpoint: { url, connection, credentials },
      users,
      declarations: items.map(({ dependency, chartFile }) => ({ file: chartFile, line: dependency.line })),
      alias: key.startsWith('@') ? name : undefined,
      credentialSource,
    });
  }
  return repositories;
}

/** A name must resolve to an http(s) URL, and be usable as helm's file name for its index. */
function checkNamedRepository(
  name: string,
  url: string,
  items: Array<{ dependency: ChartDependency; chartFile: string }>,
  origin: string,
  helmRepositories: { file: string } | undefined,
): void {
  const { dependency, chartFile } = items[0];
  const where = { file: chartFile, line: dependency.line };
  const location = `${chartFile}${dependency.line ? `:${dependency.line}` : ''}`;
  const named = `${items.length > 1 ? 'dependencies' : 'dependency'} ${describeDependencies(items.map((item) => item.dependency))}`;
  if (!/^[^/\\\s]+$/.test(name) || name === '.' || name === '..') {
    throw new NxHelmError(
      `${location}: the ${named} ${items.length > 1 ? 'use' : 'uses'} the repository name ${JSON.stringify(name)}, which helm cannot use as a ` +
        "repository name. Fix: put the repository's URL in Chart.yaml instead.",
      where,
    );
  }
  if (!url) {
    const searched = helmRepositories?.file ? `helm's repository config (${helmRepositories.file})` : "helm's repository config";
    throw new NxHelmError(
      `${location}: the ${named} ${items.length > 1 ? 'use' : 'uses'} the repository "@${name}", which is not defined: it is neither among ` +
        `the repository names nx-helm was given nor in ${searched}. Fix: add it with \`helm repo add ${name} <url>\`, or put the ` +
        `repository's URL in Chart.yaml instead of "@${name}".`,
      where,
    );
  }
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new NxHelmError(
      `${location}: the repository "@${name}" of the ${named} has the URL ${JSON.stringify(URL.canParse(url) ? describeUrl(url) : url.replace(/\/\/[^/@]*@/, '//***@'))} (from ${origin}), ` +
        'which is not an http(s) URL of a chart repository. Fix: point the name at the https:// URL of the repository, or put an ' +
        'oci:// URL in Chart.yaml for a chart in an OCI registry.',
      where,
    );
  }
}

/** The repository's index from the cache, or an error naming the repository, the dependencies that need it and the fix. */
async function fetchIndex(repository: RunRepository, options: CachedIndexOptions, bounds: SourceBounds): Promise<CachedIndex> {
  try {
    return await cachedRepositoryIndex(repository.endpoint, options);
  } catch (error) {
    if (!(error instanceof IndexDownloadFailure)) throw error;
    const { users, alias } = repository;
    const url = describeUrl(repository.endpoint.url).replace(/\/+$/, '');
    const locations = [...new Set(repository.declarations.map(({ file, line }) => `${file}${line ? `:${line}` : ''}`))].join(', ');
    const host = new URL(url).host;
    const registriesOption = `for "${host}" in the nx-helm "registries" option`;
    let fix: string;
    if (error.reason === 'unauthorized') {
      const source = repository.credentialSource;
      fix =
        source?.from === 'registries'
          ? `${host} did not accept the user name and password from the environment variables ${source.usernameEnv} and ${source.passwordEnv}: check their values.`
          : source?.from === 'helm-config'
            ? `${host} did not accept the credentials helm keeps for the repository "${alias}": add it again with \`helm repo add ${alias} ${url} ` +
              `--username <user> --force-update\`, or configure usernameEnv/passwordEnv ${registriesOption} and set those variables.`
            : `configure usernameEnv/passwordEnv ${registriesOption} and set those variables.`;
    } else if (error.transport === 'tls') {
      fix = `set caFile ${registriesOption} to the CA bundle of its certificate (certFile/keyFile for a client certificate), or insecureSkipTlsVerify for a test repository.`;
    } else if (error.transport === 'plain-http') {
      fix = `${host} does not speak TLS: use an http:// URL for it.`;
    } else {
      const check = alias ? `check the URL of the repository "${alias}" (\`helm repo list\`)` : `check the repository URL in ${locations}`;
      fix =
        error.reason === 'not found'
          ? `${check}.`
          : error.unanswered
            ? unansweredFix(alias ? check : `${check} (host and port)`, host, bounds)
            : `${check}, and that ${host} can be reached from here; then try again.`;
    }
    const named = `${new Set(users.map((dependency) => dependency.name)).size > 1 ? 'dependencies' : 'dependency'} ${describeDependencies(users)}`;
    throw new NxHelmError(
      `The chart repository ${alias ? `"@${alias}" (${url})` : url} of ${named}${error.unanswered ? ` (${locations})` : ''} ` +
        `could not be read: ${error.unanswered ? 'it does not answer' : error.reason}.\n${error.detail}.\nFix: ${fix}`,
      { ...repository.declarations[0], cause: error },
    );
  }
}

/**
 * Gives helm the cached index under the name it looks for: a hard link where the cache and the run's folder share a
 * file system (no copy of the tens of MB of a large index), else a copy. Never a symbolic link: the cache's entry may
 * be replaced by another run (another user's credentials, a newer index) while this run's helm is still to read it,
 * and a hard link or a copy keeps the index this run was given. Returns the identity of the index given, to tell
 * whether a refresh changed it.
 */
function linkIndex(indexFile: string, link: string): string {
  const { ino, size, mtimeMs } = statSync(indexFile);
  rmSync(link, { force: true });
  try {
    linkSync(indexFile, link);
  } catch {
    copyFileSync(indexFile, link);
  }
  return `${ino}:${size}:${mtimeMs}`;
}

/** Names the dependency whose repository the failing request went to, and whether it was missing or forbidden. */
function explainFailure(result: ProcessResult, dependencies: ChartDependency[]): string {
  const output = `${result.stderr}\n${result.stdout}`;
  const remote = dependencies.filter((dependency) => dependency.source.kind !== 'vendored' && dependency.source.kind !== 'local-file');
  const locate = (dependency: ChartDependency) => {
    const url = dependency.repository ?? '';
    const hostAndPath = url.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
    return (
      output.includes(`${hostAndPath}/${dependency.name}`) ||
      output.includes(`"${dependency.name}"`) ||
      output.includes(`${dependency.name}-`)
    );
  };
  const culprits = remote.filter(locate);
  const named = describeDependencies(culprits.length > 0 ? culprits : remote, { withSource: true });
  const failure = classifyRegistryFailure(result, '');
  if (failure.kind === 'unauthorized' || failure.kind === 'denied') {
    return (
      `The dependency ${named} could not be downloaded: unauthorized. Configure usernameEnv/passwordEnv for its host in the ` +
      'nx-helm "registries" option and set those environment variables.'
    );
  }
  if (failure.kind === 'not-found' || /can't get a valid version|no chart version found|not found/i.test(output)) {
    return `The dependency ${named} was not found: check its name and version in ${culprits[0]?.file ?? remote[0]?.file ?? 'Chart.yaml'}, and that it is published there.`;
  }
  return `Downloading the dependency ${named} failed.`;
}
