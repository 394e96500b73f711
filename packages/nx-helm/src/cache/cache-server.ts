import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegistryRequestError } from '../registry/oci/oci-client';
import { CACHE_HASH_PATTERN } from './registry-cache-store';
import { createPool } from '../utils/pool';

/** What the server keeps entries in (the registry in use; a map in unit tests). */
export interface CacheStore {
  get(hash: string): Promise<Buffer | undefined>;
  put(hash: string, archive: Buffer): Promise<void>;
}

export interface CacheServerOptions {
  store: CacheStore;
  /** Where the entries live, for messages: `oci://host/path`. */
  location: string;
  readOnly: boolean;
  /** Gets the warning lines (one per cause and run). */
  warn: (line: string) => void;
  /** Longest a request to the store may take before it counts as a miss (or a dropped write). Default 60 s. */
  requestTimeoutMs?: number;
  /** Largest entry accepted. Default 2 GiB. */
  maxEntryBytes?: number;
}

export interface CacheServerStats {
  hits: number;
  misses: number;
  writes: number;
  dropped: number;
}

export interface RunningCacheServer {
  /** `http://127.0.0.1:<port>`: NX_SELF_HOSTED_REMOTE_CACHE_SERVER. */
  url: string;
  /** NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: random per server. */
  token: string;
  stats: CacheServerStats;
  /** Stops taking requests and waits for the entries still being uploaded. */
  close(): Promise<void>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_ENTRY_BYTES = 2 * 1024 ** 3;
/**
 * Uploads to the registry at a time: enough to keep up with Nx, which stores the entries of a whole batch of tasks at
 * its end, few enough not to flood the registry.
 */
const UPLOAD_CONCURRENCY = 8;

/**
 * Nx's self-hosted remote cache API (`GET`/`PUT /v1/cache/{hash}`, bearer token) on 127.0.0.1, over a store in the
 * registry. It answers as Nx's client (Nx 20.8 to 24) needs: 200 for an entry taken (202 would be taken for a
 * misconfigured server), 403 for a write it does not make (Nx ignores it), 404 for a miss, 401 with
 * `Content-Type: text/plain` without the token. Entries are uploaded in the background, a few at a time, so tasks
 * never wait for the registry; close() waits for the uploads.
 *
 * The cache never breaks a build: a registry that is down, slow, failing or refusing the credentials turns every
 * further read of the run into a miss and every write into a dropped one, with one warning naming the registry and
 * the cause; an entry whose content does not match its digest is a miss.
 */
export async function startCacheServer(options: CacheServerOptions): Promise<RunningCacheServer> {
  const token = randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const stats: CacheServerStats = { hits: 0, misses: 0, writes: 0, dropped: 0 };
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const maxEntryBytes = options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  let unavailable: string | undefined;
  const warned = new Set<string>();
  const warnOnce = (key: string, line: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    options.warn(line);
  };
  const giveUp = (error: unknown) => {
    if (unavailable !== undefined) return;
    unavailable = firstLine(error);
    warnOnce(
      'unavailable',
      `nx-helm: the remote cache ${options.location} is not used for the rest of this run (${unavailable}); tasks run as without it.`,
    );
  };
  const withDeadline = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the registry took longer than ${seconds(requestTimeoutMs)} s to answer`)),
        requestTimeoutMs,
      );
      work.then(resolve, reject).finally(() => clearTimeout(timer));
    });

  const pending = new Map<string, Buffer>();
  const inFlight = new Set<Promise<void>>();
  const uploads = createPool(UPLOAD_CONCURRENCY);

  const read = async (hash: string, response: ServerResponse) => {
    const stored = pending.get(hash);
    if (stored) {
      stats.hits++;
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': stored.length });
      return response.end(stored);
    }
    if (unavailable !== undefined) {
      stats.misses++;
      return send(response, 404, 'miss');
    }
    try {
      const archive = await withDeadline(options.store.get(hash));
      if (!archive) {
        stats.misses++;
        return send(response, 404, 'miss');
      }
      stats.hits++;
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': archive.length });
      response.end(archive);
    } catch (error) {
      stats.misses++;
      if (error instanceof RegistryRequestError && error.kind === 'integrity') {
        warnOnce(
          `integrity:${hash}`,
          `nx-helm: the remote cache entry ${hash} in ${options.location} does not match its digest; it is treated as a miss.`,
        );
      } else {
        giveUp(error);
      }
      send(response, 404, 'miss');
    }
  };

  const write = async (hash: string, request: IncomingMessage, response: ServerResponse) => {
    if (options.readOnly || unavailable !== undefined) {
      request.resume();
      stats.dropped++;
      return send(response, 403, options.readOnly ? 'the cache is read-only' : 'the cache is not available');
    }
    let archive: Buffer;
    try {
      archive = await readBody(request, maxEntryBytes);
    } catch (error) {
      stats.dropped++;
      warnOnce('too-large', `nx-helm: a task's cache entry was not stored in ${options.location}: ${firstLine(error)}.`);
      return send(response, 403, 'not stored');
    }
    // Stored behind Nx's back: the task does not wait for the registry, and close() waits for what is still going up.
    // Until then the entry is served from memory.
    pending.set(hash, archive);
    send(response, 200, 'stored');
    const upload = uploads(async () => {
      if (unavailable !== undefined) throw new Error(unavailable);
      await withDeadline(options.store.put(hash, archive));
    })
      .then(
        () => {
          stats.writes++;
        },
        (error: unknown) => {
          stats.dropped++;
          giveUp(error);
        },
      )
      .finally(() => {
        pending.delete(hash);
        inFlight.delete(upload);
      });
    inFlight.add(upload);
  };

  const server = createServer((request, response) => {
    const authorization = Buffer.from(request.headers.authorization ?? '');
    if (authorization.length !== expected.length || !timingSafeEqual(authorization, expected)) {
      request.resume();
      return send(response, 401, 'Unauthorized');
    }
    const match = /^\/v1\/cache\/([^/?]+)$/.exec(request.url ?? '');
    if (!match || !CACHE_HASH_PATTERN.test(match[1])) {
      request.resume();
      return send(response, 404, 'not found');
    }
    if (request.method === 'GET') return void read(match[1], response);
    if (request.method === 'PUT') return void write(match[1], request, response);
    request.resume();
    send(response, 405, 'method not allowed');
  });
  // Nx keeps connections open between requests; closing must not wait for them.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    stats,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Every upload is bounded by the request timeout, so this ends.
      await Promise.all([...inFlight]);
    },
  };
}

/** A plain-text answer; Nx's client reads 401 only with exactly this content type. */
function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain' });
  response.end(text);
}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.destroy();
        reject(new Error(`it is larger than ${Math.round(limit / 1024 ** 2)} MiB`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0].replace(/\.$/, '');
}

function seconds(ms: number): string {
  return ms >= 10_000 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1);
}
