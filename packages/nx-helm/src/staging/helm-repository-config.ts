import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { NxHelmError } from '../utils/nx-helm-error';
import { yaml } from '../utils/lazy-modules';

/** One entry of helm's repositories.yaml (the fields nx-helm reads and writes). */
export interface HelmRepositoryEntry {
  name: string;
  url: string;
  username?: string;
  password?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecureSkipTlsVerify?: boolean;
  passCredentialsAll?: boolean;
}

/** The repositories of a helm repositories.yaml (as `helm repo add` writes it); none when the file does not exist. */
export function readHelmRepositories(file: string): HelmRepositoryEntry[] {
  if (!existsSync(file)) return [];
  const { parseDocument, LineCounter } = yaml();
  const lineCounter = new LineCounter();
  // Not prettyErrors: they quote the offending line, which may be a password.
  const parsed = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false });
  if (parsed.errors.length > 0) {
    const line = lineCounter.linePos(parsed.errors[0].pos[0]).line;
    throw new NxHelmError(
      `Helm's repository config ${file}:${line} is not valid YAML. Fix or remove the file (\`helm repo list\` shows whether helm can read it).`,
      { file, line },
    );
  }
  const document: unknown = parsed.toJS();
  const list = (document as { repositories?: unknown } | null)?.repositories;
  if (!Array.isArray(list)) return [];
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return list
    .filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
    .filter((entry) => text(entry.name) && text(entry.url))
    .map((entry) => ({
      name: text(entry.name)!,
      url: text(entry.url)!,
      username: text(entry.username),
      password: text(entry.password),
      caFile: text(entry.caFile),
      certFile: text(entry.certFile),
      keyFile: text(entry.keyFile),
      insecureSkipTlsVerify: entry.insecure_skip_tls_verify === true,
      passCredentialsAll: entry.pass_credentials_all === true,
    }));
}

/**
 * Writes a repositories.yaml for helm (JSON, which helm's YAML reader takes as it is). It may hold passwords: the
 * caller puts it in a folder only the user can read, removed after the run.
 */
export function writeHelmRepositories(file: string, entries: readonly HelmRepositoryEntry[]): void {
  const repositories = entries.map((entry) => ({
    name: entry.name,
    url: entry.url,
    ...(entry.username !== undefined ? { username: entry.username, password: entry.password ?? '' } : {}),
    ...(entry.caFile ? { caFile: entry.caFile } : {}),
    ...(entry.certFile ? { certFile: entry.certFile } : {}),
    ...(entry.keyFile ? { keyFile: entry.keyFile } : {}),
    ...(entry.insecureSkipTlsVerify ? { insecure_skip_tls_verify: true } : {}),
    ...(entry.passCredentialsAll ? { pass_credentials_all: true } : {}),
  }));
  writeFileSync(file, `${JSON.stringify({ apiVersion: '', generated: '0001-01-01T00:00:00Z', repositories }, null, 2)}\n`, {
    mode: 0o600,
  });
}
