import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from '../../utils/process';
import { NxHelmError } from '../../utils/nx-helm-error';
import { configuredCredentials, type RegistryHostOptions } from '../registry-options';

/** A user name and password (or token used as one), or an identity token (an OAuth2 refresh token). */
export type Credentials = { username: string; password: string } | { identityToken: string };

/** Docker Hub logins are stored under its historical index address, not under the registry's host name. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** Credential helpers print this (on stdout, by the protocol) for a server they hold nothing for. */
const NOT_FOUND = /credentials not found/i;
/** Credential helpers answer `<token>` as the user name when the secret is an identity token. */
const IDENTITY_TOKEN_USERNAME = '<token>';
const HELPER_TIMEOUT_MS = 10_000;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * The credentials for `host`, looked up like helm and docker do: the environment variables named in the nx-helm
 * "registries" option, then helm's registry config (what `helm registry login` wrote), then docker's config. Each
 * config is asked for a host-specific credential helper, a stored login, then its default credential store.
 */
export async function resolveCredentials(
  host: string,
  connection: RegistryHostOptions | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const fromVariables = configuredCredentials(host, connection, env);
  if (fromVariables) return fromVariables;
  for (const file of [helmRegistryConfigPath(env), dockerConfigPath(env)]) {
    if (!file) continue;
    const config = await readConfig(file);
    if (!config) continue;
    const found = await credentialsFromConfig(host, config, env);
    if (found) return found;
  }
  return undefined;
}

/** Where helm keeps registry logins: HELM_REGISTRY_CONFIG, else `registry/config.json` in helm's config folder. */
function helmRegistryConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HELM_REGISTRY_CONFIG) return env.HELM_REGISTRY_CONFIG;
  if (env.HELM_CONFIG_HOME) return join(env.HELM_CONFIG_HOME, 'registry', 'config.json');
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'helm', 'registry', 'config.json');
  if (!env.HOME) return undefined;
  const configHome = process.platform === 'darwin' ? join(env.HOME, 'Library', 'Preferences') : join(env.HOME, '.config');
  return join(configHome, 'helm', 'registry', 'config.json');
}

function dockerConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return env.HOME ? join(env.HOME, '.docker', 'config.json') : undefined;
}

/** A missing, unreadable or malformed file counts as no login: helm and docker work without one too. */
async function readConfig(file: string): Promise<ConfigFile | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as ConfigFile) : undefined;
  } catch {
    return undefined;
  }
}

async function credentialsFromConfig(host: string, config: ConfigFile, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const serverAddress = DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_KEY : host;
  const helper = stringValue(config.credHelpers?.[serverAddress]) ?? stringValue(config.credHelpers?.[host]);
  if (helper) {
    return askHelper(helper, serverAddress, host, env);
  }
  const entry = findAuthEntry(host, serverAddress, config.auths);
  const fromEntry = entry && credentialsFromEntry(entry);
  if (fromEntry) return fromEntry;
  const store = stringValue(config.credsStore);
  return store ? askHelper(store, serverAddress, host, env) : undefined;
}

/** The entry for the host: under its exact name, else under a key written with a scheme or a path (older docker). */
function findAuthEntry(host: string, serverAddress: string, auths: Record<string, AuthEntry> | undefined): AuthEntry | undefined {
  if (!auths || typeof auths !== 'object') return undefined;
  const exact = auths[serverAddress] ?? auths[host];
  if (exact) return exact;
  const hostnames = DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_HOSTS : new Set([host]);
  const key = Object.keys(auths).find((candidate) => hostnames.has(hostnameOf(candidate)));
  return key === undefined ? undefined : auths[key];
}

function hostnameOf(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0];
}

function credentialsFromEntry(entry: AuthEntry): Credentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const identityToken = stringValue(entry.identitytoken);
  if (identityToken) return { identityToken };
  const auth = stringValue(entry.auth);
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator > 0) return { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
  }
  const username = stringValue(entry.username);
  const password = stringValue(entry.password);
  return username && password ? { username, password } : undefined;
}

/** Runs `docker-credential-<helper> get` as docker does: the server address on stdin, JSON on stdout. */
async function askHelper(helper: string, serverAddress: string, host: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  const result = await runProcess(program, ['get'], { env, input: serverAddress, timeoutMs: HELPER_TIMEOUT_MS });
  if (result.failed) {
    if (NOT_FOUND.test(`${result.stdout}\n${result.stderr}`)) return undefined;
    const reason = result.timedOut
      ? `it did not answer within ${HELPER_TIMEOUT_MS / 1000} s`
      : (result.startError ?? `it exited with code ${result.exitCode}: ${firstLine(result.stderr || result.stdout)}`);
    throw new NxHelmError(
      `The docker credential helper ${program} (configured for ${host} in the helm or docker config) failed: ${reason}. ` +
        `Check that ${program} is installed and on PATH, or log in again with \`helm registry login ${host}\`.`,
    );
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(result.stdout) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw new NxHelmError(
      `The docker credential helper ${program} gave an answer for ${host} that is not JSON. Check the helper's installation.`,
    );
  }
  const username = stringValue(answer.Username);
  const secret = stringValue(answer.Secret);
  if (!secret || !username) return undefined;
  return username === IDENTITY_TOKEN_USERNAME ? { identityToken: secret } : { username, password: secret };
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Only the first line, shortened: a helper's output is not ours to print in full. */
function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || '(no output)';
}
