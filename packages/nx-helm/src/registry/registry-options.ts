import { isAbsolute, join } from 'node:path';
import { NxHelmError } from '../utils/nx-helm-error';

/** How to reach one registry host. Credentials are given as the *names* of environment variables, never values. */
export interface RegistryHostOptions {
  /** Environment variable that holds the user name. */
  usernameEnv?: string;
  /** Environment variable that holds the password or token. */
  passwordEnv?: string;
  /** Use plain http (Helm 4 needs it even on loopback; Helm 3 uses http on loopback by itself). */
  plainHttp?: boolean;
  /** Skip TLS certificate verification. */
  insecureSkipTlsVerify?: boolean;
  /** CA bundle to verify the registry's certificate. */
  caFile?: string;
  /** Client certificate and key for mutual TLS. */
  certFile?: string;
  keyFile?: string;
}

/** The `registries` option: registry host (with port) -> how to reach it. */
export type RegistriesOptions = Record<string, RegistryHostOptions>;

export type RegistryCommand = 'login' | 'push' | 'pull';

/**
 * The values of the credential variables configured for a host, or undefined when none are. Configured credentials
 * must be usable before anything is sent: a CI job whose secrets are not exported would otherwise go on anonymously
 * (or with someone's saved login) and fail later with a less telling error.
 */
export function configuredCredentials(
  host: string,
  options: RegistryHostOptions | undefined,
  env: NodeJS.ProcessEnv,
): { username: string; password: string } | undefined {
  const usernameEnv = options?.usernameEnv;
  const passwordEnv = options?.passwordEnv;
  if (!usernameEnv && !passwordEnv) return undefined;
  const configured = `Credentials for ${host} are configured in the nx-helm "registries" option, but`;
  if (!usernameEnv || !passwordEnv) {
    throw new NxHelmError(
      `${configured} only one of usernameEnv and passwordEnv is set (${usernameEnv ? `usernameEnv: ${usernameEnv}` : `passwordEnv: ${passwordEnv}`}). ` +
        'Set both to the names of environment variables.',
    );
  }
  const missing = [usernameEnv, passwordEnv].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new NxHelmError(
      `${configured} the environment variable(s) ${missing.join(', ')} are not set or empty. Export them (e.g. from CI secrets) before running.`,
    );
  }
  return { username: env[usernameEnv]!, password: env[passwordEnv]! };
}

/** Connection flags for a helm registry command, as the installed helm accepts them. */
export function connectionFlags(options: RegistryHostOptions, command: RegistryCommand, helmMajor: number): string[] {
  const flags: string[] = [];
  // `helm registry login` learned --plain-http in Helm 4; Helm 3 logs in over http to loopback hosts by itself.
  if (options.plainHttp && (command !== 'login' || helmMajor >= 4)) {
    flags.push('--plain-http');
  }
  if (options.insecureSkipTlsVerify) {
    flags.push(command === 'login' ? '--insecure' : '--insecure-skip-tls-verify');
  }
  if (options.caFile) flags.push('--ca-file', options.caFile);
  if (options.certFile) flags.push('--cert-file', options.certFile);
  if (options.keyFile) flags.push('--key-file', options.keyFile);
  return flags;
}

/**
 * The options for `host`, with target-level settings layered over the host entry. A registry on a loopback address
 * with no TLS setting gets plain http, as Helm 3 does by itself (Helm 4 needs to be told); set plainHttp: false to
 * use TLS there.
 */
export function hostOptionsFor(
  host: string,
  registries: RegistriesOptions | undefined,
  overrides: RegistryHostOptions,
): RegistryHostOptions {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const options: RegistryHostOptions = { ...(registries?.[host] ?? {}), ...defined };
  if (options.plainHttp === undefined && isLoopback(host) && !options.caFile && !options.certFile && !options.insecureSkipTlsVerify) {
    options.plainHttp = true;
  }
  return options;
}

export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

/** The connection settings a target may set directly, overriding the registry host's entry in `registries`. */
export function connectionOverrides(options: RegistryHostOptions): RegistryHostOptions {
  const { plainHttp, insecureSkipTlsVerify, caFile, certFile, keyFile } = options;
  return { plainHttp, insecureSkipTlsVerify, caFile, certFile, keyFile };
}

/** Certificate paths in nx.json are relative to the workspace root; helm runs elsewhere. */
export function resolveCertificatePaths(options: RegistryHostOptions, root: string): RegistryHostOptions {
  const absolute = (path: string | undefined) => (path && !isAbsolute(path) ? join(root, path) : path);
  return { ...options, caFile: absolute(options.caFile), certFile: absolute(options.certFile), keyFile: absolute(options.keyFile) };
}

/**
 * How to reach `host`: its `registries` entry, the target's own settings over it, certificate paths made absolute.
 */
export function hostConnection(
  host: string,
  registries: RegistriesOptions | undefined,
  target: RegistryHostOptions,
  root: string,
): RegistryHostOptions {
  return resolveCertificatePaths(hostOptionsFor(host, registries, connectionOverrides(target)), root);
}
