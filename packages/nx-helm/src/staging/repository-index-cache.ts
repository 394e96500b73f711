import { createHash, randomBytes } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { normalizeRepositoryUrl } from '../chart/dependency-source';
import { userCacheDirectory } from '../helm/helm-version-cache';
import type { RetryPolicy } from '../registry/retry';
import { withFileLock } from '../utils/file-lock';
import {
  DEFAULT_INDEX_RETRY,
  describeUrl,
  downloadRepositoryIndex,
  IndexDownloadFailure,
  type IndexFailureCause,
  type IndexValidators,
  type RepositoryEndpoint,
} from './repository-index-download';

/** Indexes of large public repositories are tens of MB: more time than for a registry request. */
export const DEFAULT_INDEX_TIMEOUT_MS = 120_000;
/** A fetch time this far in the future means the clock was set back: the entry is not trusted. */
const CLOCK_SKEW_MS = 60_000;

/** What the cache keeps next to an index; no credential, and a URL without user info or query. */
interface IndexMetadata {
  url: string;
  /** When the server last gave or confirmed this index (ISO time). */
  fetchedAt: string;
  etag?: string;
  lastModified?: string;
  /** Whether the server was sent credentials (never which; entries are per user name, see cacheIdentity). */
  authenticated?: boolean;
}

/** The last failed download of an entry, for the callers that waited for it; its detail holds no credential. */
interface FailureRecord {
  url: string;
  /** When the download gave up (ISO time). */
  failedAt: string;
  reason: IndexFailureCause;
  detail: string;
  transport?: IndexDownloadFailure['transport'];
  unanswered?: boolean;
}

export interface CachedIndex {
  /** The index file, complete (never one being written). */
  file: string;
  /** The server was asked during this call, by this caller or by one it waited for; false when the TTL spared it. */
  checked: boolean;
}

export interface CachedIndexOptions {
  /** How long an index is used without asking the server again. */
  ttlMs: number;
  /** The shared cache folder (see repositoryIndexCacheDir). */
  cacheDir: string;
  /** Where to download when the cache folder cannot be written (a read-only home): a folder of this run only. */
  fallbackDir: string;
  /** Ask the server even within the TTL (an index checked by another caller after this call began is taken). */
  force?: boolean;
  timeoutMs?: number;
  /** Time until the server starts to answer, and that its answer may pause (see IndexDownloadOptions). */
  answerTimeoutMs?: number;
  retry?: RetryPolicy;
}

/** `$XDG_CACHE_HOME/nx-helm/repository-indexes`, else `~/.cache/nx-helm/repository-indexes`. */
export function repositoryIndexCacheDir(env: NodeJS.ProcessEnv): string {
  return join(userCacheDirectory(env), 'nx-helm', 'repository-indexes');
}

/**
 * The index of an HTTP chart repository, from a cache shared by every nx-helm process of the user: downloaded at
 * most once per TTL, then revalidated with a conditional request. Of parallel callers needing the same index, one
 * downloads while the others wait on its lock file and take its result, a failure included: a repository that does
 * not answer keeps each of them waiting once, not once per caller in turn. Files are written aside and renamed into
 * place, so a reader never sees a partial index. Entries are named by a hash of the URL, and keep no credential.
 */
export async function cachedRepositoryIndex(endpoint: RepositoryEndpoint, options: CachedIndexOptions): Promise<CachedIndex> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_INDEX_TIMEOUT_MS;
  const download = { timeoutMs, answerTimeoutMs: options.answerTimeoutMs, retry: options.retry ?? DEFAULT_INDEX_RETRY };
  const started = Date.now();
  const username = endpoint.credentials?.username ?? (decodeURIComponent(new URL(endpoint.url).username) || undefined);
  const identity = cacheIdentity(endpoint.url, username);
  const authenticated = username !== undefined;
  if (!usableFolder(options.cacheDir)) {
    const file = join(options.fallbackDir, `${identity.key}.yaml`);
    if (!existsSync(file)) {
      const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await downloadRepositoryIndex(endpoint, temp, {}, download);
      renameSync(temp, file);
    }
    return { file, checked: true };
  }
  const entry = join(options.cacheDir, identity.key);
  const indexFile = `${entry}.yaml`;
  const metadataFile = `${entry}.json`;
  const failureFile = `${entry}.failed.json`;
  // An entry given or confirmed by the server after this call began will do, even when forced or with a TTL of 0.
  const oldest = () => (options.force ? started : Math.min(Date.now() - options.ttlMs, started));
  const current = (): CachedIndex | undefined => {
    const metadata = readMetadata(metadataFile, identity.label);
    const fetchedAt = metadata ? Date.parse(metadata.fetchedAt) : NaN;
    if (!metadata || !(fetchedAt >= oldest()) || fetchedAt > Date.now() + CLOCK_SKEW_MS || !existsSync(indexFile)) return undefined;
    return { file: indexFile, checked: fetchedAt >= started };
  };
  // A download that failed after this call began is this call's answer too (it would have asked the same).
  const currentOrFailure = (): CachedIndex | undefined => {
    const found = current();
    if (found) return found;
    const failure = readFailure(failureFile, identity.label);
    if (failure && Date.parse(failure.failedAt) >= started) {
      throw new IndexDownloadFailure(failure.reason, failure.detail, failure.transport, failure.unanswered);
    }
    return undefined;
  };
  const fresh = current();
  if (fresh) return fresh;
  return withFileLock(
    `${entry}.lock`,
    async () => {
      // The previous holder may have just refreshed it, or failed to.
      const refreshed = currentOrFailure();
      if (refreshed) return refreshed;
      removeLeftovers(options.cacheDir, identity.key, timeoutMs);
      const metadata = readMetadata(metadataFile, identity.label);
      const validators: IndexValidators =
        metadata && existsSync(indexFile) ? { etag: metadata.etag, lastModified: metadata.lastModified } : {};
      const temp = `${indexFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      const asked = new Date().toISOString();
      try {
        const result = await downloadRepositoryIndex(endpoint, temp, validators, download);
        if (result.modified) {
          renameSync(temp, indexFile);
          writeJson(metadataFile, { url: identity.label, fetchedAt: asked, ...result.validators, authenticated });
        } else {
          writeJson(metadataFile, { ...metadata!, fetchedAt: asked, authenticated });
        }
        rmSync(failureFile, { force: true });
      } catch (error) {
        if (error instanceof IndexDownloadFailure) {
          const { reason, detail, transport, unanswered } = error;
          writeJson(failureFile, { url: identity.label, failedAt: new Date().toISOString(), reason, detail, transport, unanswered });
        }
        throw error;
      } finally {
        rmSync(temp, { force: true });
      }
      return { file: indexFile, checked: true };
    },
    { staleAfterMs: timeoutMs, ready: currentOrFailure },
  );
}

/**
 * The cache key and the label kept in the metadata. The key is a hash of the normalised URL without user info (the
 * query is part of it, as it selects the content) and of the user name the index is asked with: a run without
 * credentials, or with another user's, never gets an index that was served to a user, and asks the server itself.
 * The label has neither user info nor query, which may carry a token.
 */
function cacheIdentity(url: string, username: string | undefined): { key: string; label: string } {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  const normalised = normalizeRepositoryUrl(parsed.toString());
  return {
    key: createHash('sha256')
      .update(`${normalised}\n${username ?? ''}`)
      .digest('hex')
      .slice(0, 40),
    label: normalizeRepositoryUrl(describeUrl(parsed)),
  };
}

function usableFolder(dir: string): boolean {
  try {
    // Only the user reads it: an index may list charts of a private repository.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // mkdirSync does not fail for a folder that exists, read-only or not.
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function readMetadata(file: string, label: string): IndexMetadata | undefined {
  try {
    const metadata = JSON.parse(readFileSync(file, 'utf8')) as Partial<IndexMetadata>;
    // The URL guards against a hash collision, and against an entry written for another repository by hand.
    return metadata.url === label && typeof metadata.fetchedAt === 'string' ? (metadata as IndexMetadata) : undefined;
  } catch {
    return undefined;
  }
}

function readFailure(file: string, label: string): FailureRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<FailureRecord>;
    return record.url === label && typeof record.failedAt === 'string' && typeof record.detail === 'string' && record.reason
      ? (record as FailureRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: IndexMetadata | FailureRecord): void {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(temp, file);
}

/** Temporary files of a holder that was killed mid-download; only the lock holder writes them, so older ones are dead. */
function removeLeftovers(dir: string, key: string, olderThanMs: number): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${key}.`) || !name.endsWith('.tmp')) continue;
    try {
      if (Date.now() - statSync(join(dir, name)).mtimeMs > olderThanMs) rmSync(join(dir, name), { force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}
