import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartDependency } from '../chart/chart-model';
import { describeDependencies } from '../chart/describe-dependencies';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import type { ProcessResult } from '../utils/process';
import { classifyRegistryFailure } from '../registry/registry-errors';
import { connectionFlags, hostConnection, type RegistriesOptions, type RegistryHostOptions } from '../registry/registry-options';
import { RegistrySession } from '../registry/registry-session';
import { createSecretTempDir, removeSecretTempDir } from '../utils/temp-dirs';
import { NxHelmError } from '../utils/nx-helm-error';

/** Where `helm dependency build` downloads from, with the logins it needs. */
export interface DependencySources {
  /** Environment for `helm dependency build`: its own registry config, repository config and cache. */
  env: NodeJS.ProcessEnv;
  /** Connection flags for OCI dependencies (`--plain-http`, CA files). */
  flags: string[];
  /** Explains a failed `helm dependency build`, naming the dependency, its repository and the cause. */
  explain(result: ProcessResult, dependencies: ChartDependency[]): string;
  /** Logs out and deletes the temporary configs (they may hold credentials). */
  dispose(): Promise<void>;
}

/**
 * Prepares the downloads of the charts' OCI and HTTP dependencies with the credentials of the `registries` option:
 * OCI registries are logged in to (password on stdin) and HTTP chart repositories added with `helm repo add
 * --password-stdin`, all into a temporary helm configuration, so private dependencies resolve in CI and nothing is
 * left behind. Hosts without credentials are used anonymously (or with the user's own logins for OCI).
 */
export async function prepareDependencySources(
  helm: HelmRunner,
  dependencies: Array<{ dependency: ChartDependency; chartFile: string }>,
  settings: { registries?: RegistriesOptions; workspaceRoot: string; secretVariables?: string[]; env?: NodeJS.ProcessEnv },
): Promise<DependencySources> {
  const env = settings.env ?? process.env;
  const loggedInHosts: string[] = [];
  const registryConfigFile = () => join(dir, 'registry.json');
  // An interrupted run logs out too: a credential helper may keep a login outside this folder.
  const dir = createSecretTempDir('nx-helm-dependencies-', () => {
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
    removeSecretTempDir(dir);
  };
  try {
    const hostOptions = (host: string) => hostConnection(host, settings.registries, {}, settings.workspaceRoot);
    const ociHosts = new Map<string, RegistryHostOptions>();
    const httpRepositories = new Map<string, ChartDependency[]>();
    for (const { dependency, chartFile } of dependencies) {
      if (dependency.source.kind === 'oci') {
        const host = dependency.source.url.replace(/^oci:\/\//, '').split('/')[0];
        ociHosts.set(host, hostOptions(host));
      } else if (dependency.source.kind === 'http') {
        if (!URL.canParse(dependency.source.url)) {
          throw new NxHelmError(
            `${chartFile}: the dependency "${dependency.name}" has the repository ${JSON.stringify(dependency.source.url)}, which is not a URL. ` +
              'Use an https://, oci:// or file:// URL, or @<name> for a repository added with `helm repo add`.',
          );
        }
        httpRepositories.set(dependency.source.url, [...(httpRepositories.get(dependency.source.url) ?? []), dependency]);
      }
    }
    const flags = ociConnectionFlags(ociHosts, helm.majorVersion);
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
    if (httpRepositories.size > 0) {
      // A repository config of this run, starting from the user's so that @alias dependencies still resolve.
      helmEnv.HELM_REPOSITORY_CONFIG = join(dir, 'repositories.yaml');
      const userConfig = await helm.run(['env', 'HELM_REPOSITORY_CONFIG']);
      if (!userConfig.failed && existsSync(userConfig.stdout.trim())) {
        copyFileSync(userConfig.stdout.trim(), helmEnv.HELM_REPOSITORY_CONFIG);
      }
    }
    let index = 0;
    for (const [url, users] of httpRepositories) {
      await addRepository(helm, `nx-helm-${index++}`, url, hostOptions(new URL(url).host), users, helmEnv, env);
    }
    return { env: helmEnv, flags, explain: (result, chartDependencies) => explainFailure(result, chartDependencies), dispose };
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

async function addRepository(
  helm: HelmRunner,
  name: string,
  url: string,
  options: RegistryHostOptions,
  users: ChartDependency[],
  helmEnv: NodeJS.ProcessEnv,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const credentials =
    options.usernameEnv && options.passwordEnv ? { username: env[options.usernameEnv], password: env[options.passwordEnv] } : undefined;
  if (credentials && (!credentials.username || !credentials.password)) {
    throw new NxHelmError(
      `Credentials for ${new URL(url).host} are configured in the nx-helm "registries" option, but the environment variable(s) ` +
        `${[options.usernameEnv, options.passwordEnv].filter((variable) => !env[variable!]).join(', ')} are not set. Export them before running.`,
    );
  }
  const tlsFlags = [
    ...(options.insecureSkipTlsVerify ? ['--insecure-skip-tls-verify'] : []),
    ...(options.caFile ? ['--ca-file', options.caFile] : []),
    ...(options.certFile ? ['--cert-file', options.certFile] : []),
    ...(options.keyFile ? ['--key-file', options.keyFile] : []),
  ];
  const result = await helm.run(
    ['repo', 'add', name, url, ...(credentials ? ['--username', credentials.username!, '--password-stdin'] : []), ...tlsFlags],
    { env: { ...helm.environment, ...helmEnv }, ...(credentials ? { input: credentials.password } : {}) },
  );
  if (result.failed) {
    const failure = classifyRegistryFailure(result, new URL(url).host);
    const cause =
      failure.kind === 'unauthorized' || failure.kind === 'denied' || /401|403/.test(result.stderr)
        ? 'unauthorized'
        : failure.kind === 'not-found' || /404/.test(result.stderr)
          ? 'not found'
          : 'unreachable';
    throw new NxHelmError(
      `The chart repository ${url} of ${new Set(users.map((dependency) => dependency.name)).size > 1 ? 'dependencies' : 'dependency'} ${describeDependencies(users)} could not be read: ${cause}.\n` +
        `${describeHelmFailure(result)}\nFix: ${
          cause === 'unauthorized'
            ? `configure usernameEnv/passwordEnv for "${new URL(url).host}" in the nx-helm "registries" option and set those variables.`
            : 'check the repository URL in Chart.yaml.'
        }`,
    );
  }
}

/** Names the dependency whose repository the failing request went to, and whether it was missing or forbidden. */
function explainFailure(result: ProcessResult, dependencies: ChartDependency[]): string {
  const output = `${result.stderr}\n${result.stdout}`;
  const remote = dependencies.filter((dependency) => dependency.source.kind === 'oci' || dependency.source.kind === 'http');
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
    return `The dependency ${named} was not found: check its name and version in Chart.yaml, and that it is published there.`;
  }
  return `Downloading the dependency ${named} failed.`;
}
