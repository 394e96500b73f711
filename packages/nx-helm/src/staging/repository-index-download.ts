import { createWriteStream } from 'node:fs';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { types } from 'node:util';
import {
  classifyTransportError,
  headerValue,
  isUnanswered,
  readTlsFiles,
  sendHttpRequest,
  tlsRequestOptions,
  type HttpResponse,
  type TlsFiles,
  type TransportFailureKind,
} from '../registry/http-transport';
import type { RegistryHostOptions } from '../registry/registry-options';
import { withRetries, type RetryPolicy } from '../registry/retry';
import { NxHelmError } from '../utils/nx-helm-error';

/** A classic chart repository and how to reach it. */
export interface RepositoryEndpoint {
  /** The repository URL; user info in it is used as credentials when none are given. */
  url: string;
  /** TLS settings (caFile, certFile/keyFile, insecureSkipTlsVerify); credential settings are ignored here. */
  connection: RegistryHostOptions;
  credentials?: { username: string; password: string };
}

/** The validators of a cached copy, for a conditional request. */
export interface IndexValidators {
  etag?: string;
  lastModified?: string;
}

export type IndexDownload = { modified: true; validators: IndexValidators } | { modified: false };

export interface IndexDownloadOptions {
  /** Time for one request, from connecting until the index has been written. */
  timeoutMs: number;
  /**
   * Time until the server starts to answer, and that its answer may pause: a server that does not answer, or stops,
   * is asked twice at most, whatever the retries. Unbounded by default (then `timeoutMs` bounds it).
   */
  answerTimeoutMs?: number;
  retry: RetryPolicy;
}

/** Why an index could not be read, in the three cases the user fixes differently. */
export type IndexFailureCause = 'unauthorized' | 'not found' | 'unreachable';

export class IndexDownloadFailure extends Error {
  constructor(
    readonly reason: IndexFailureCause,
    /** What happened, e.g. `GET http://host/charts/index.yaml answered HTTP 401`; holds no credential. */
    readonly detail: string,
    /** For an unreachable repository: whether TLS settings are the likely fix. */
    readonly transport?: TransportFailureKind,
    /** The server took the request and did not answer, or stopped answering (asked twice). */
    readonly unanswered = false,
  ) {
    super(detail);
  }
}

export const DEFAULT_INDEX_RETRY: RetryPolicy = { retries: 2, initialDelayMs: 1000, maxDelayMs: 4000 };
const MAX_REDIRECTS = 5;

/**
 * Downloads `<repository>/index.yaml` into `file`, as helm would: following redirects, with basic credentials for the
 * repository's host only, gzip-compressed when the server offers it (a large index shrinks tenfold). With validators,
 * the request is conditional and a 304 answer writes nothing. Transient failures are retried.
 */
export async function downloadRepositoryIndex(
  endpoint: RepositoryEndpoint,
  file: string,
  validators: IndexValidators,
  options: IndexDownloadOptions,
): Promise<IndexDownload> {
  const { url, authorization } = indexRequestOf(endpoint);
  const tlsFiles = url.protocol === 'https:' ? readTlsFiles(url.host, endpoint.connection) : {};
  const headers: OutgoingHttpHeaders = { Accept: 'application/x-yaml, text/yaml, */*', 'Accept-Encoding': 'gzip' };
  if (validators.etag) headers['If-None-Match'] = validators.etag;
  if (validators.lastModified) headers['If-Modified-Since'] = validators.lastModified;
  let last: IndexDownloadFailure | undefined;
  let unanswered = 0;
  const outcome = await withRetries<IndexDownload | undefined>(options.retry, async () => {
    try {
      const response = await follow(url, headers, authorization, tlsFiles, endpoint.connection, file, options);
      const conditional = Boolean(validators.etag || validators.lastModified);
      if (response.status === 304 && conditional) return { ok: true, retryable: false, value: { modified: false } };
      if (response.status === 200) {
        const etag = headerValue(response.headers.etag);
        const lastModified = headerValue(response.headers['last-modified']);
        return { ok: true, retryable: false, value: { modified: true, validators: { etag, lastModified } } };
      }
      last = failureFor(response, url);
      return { ok: false, retryable: response.status === 429 || response.status >= 500, value: undefined };
    } catch (error) {
      if (error instanceof IndexDownloadFailure) {
        last = error;
        return { ok: false, retryable: false, value: undefined };
      }
      // Node's own errors may come from another realm (a VM context, as under jest), where `instanceof Error` is false.
      if (error instanceof NxHelmError || !(error instanceof Error || types.isNativeError(error))) throw error;
      const { kind, detail } = classifyTransportError(error as Error & { code?: string });
      const silent = isUnanswered(error);
      if (silent) unanswered++;
      const asked = silent && unanswered > 1 ? ' (asked twice)' : '';
      last = new IndexDownloadFailure('unreachable', `GET ${describeUrl(url)} failed: ${detail}${asked}`, kind, silent);
      // A server that takes requests and never answers is asked once more, not as often as a flaky one.
      return { ok: false, retryable: kind === 'transient' && unanswered < 2, value: undefined };
    }
  });
  if (outcome) return outcome;
  throw last!;
}

/** The URL of the index (helm's rule: index.yaml appended to the path, query kept) and the credentials to send. */
function indexRequestOf(endpoint: RepositoryEndpoint): { url: URL; authorization?: string } {
  const url = new URL(endpoint.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NxHelmError(`${describeUrl(url)} is not an http(s) URL: a chart repository index is downloaded over http or https.`);
  }
  const fromUrl = url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  url.username = '';
  url.password = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/index.yaml`;
  const credentials = endpoint.credentials ?? fromUrl;
  const authorization = credentials
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : undefined;
  return { url, authorization };
}

/** Follows redirects; the credentials and the client certificate go to the repository's own host only. */
async function follow(
  start: URL,
  headers: OutgoingHttpHeaders,
  authorization: string | undefined,
  tlsFiles: TlsFiles,
  connection: RegistryHostOptions,
  file: string,
  { timeoutMs, answerTimeoutMs }: IndexDownloadOptions,
): Promise<HttpResponse> {
  let url = start;
  for (let hop = 0; ; hop++) {
    const sameHost = url.host === start.host;
    const response = await sendHttpRequest('GET', url, {
      headers: { ...headers, ...(authorization && sameHost ? { Authorization: authorization } : {}) },
      timeoutMs,
      answerTimeoutMs,
      stallTimeoutMs: answerTimeoutMs,
      tls: url.protocol === 'https:' ? tlsRequestOptions(tlsFiles, connection, sameHost) : undefined,
      consumeBody: (incoming) => (incoming.statusCode === 200 ? writeIndex(incoming, file, url) : undefined),
    });
    const location = headerValue(response.headers.location);
    if (!location || ![301, 302, 303, 307, 308].includes(response.status)) return response;
    if (hop >= MAX_REDIRECTS) {
      throw new IndexDownloadFailure('unreachable', `GET ${describeUrl(start)} was redirected more than ${MAX_REDIRECTS} times`);
    }
    url = new URL(location, url);
  }
}

/** Streams the body (gunzipped if need be) into `file`, and refuses what is not a chart repository index. */
async function writeIndex(response: IncomingMessage, file: string, url: URL): Promise<void> {
  const encoding = headerValue(response.headers['content-encoding'])?.trim().toLowerCase();
  const check = new IndexCheck();
  const decode = encoding === 'gzip' || encoding === 'x-gzip' ? [(require('node:zlib') as typeof import('node:zlib')).createGunzip()] : [];
  await pipeline([response, ...decode, check, createWriteStream(file)]);
  if (!check.found) {
    throw new IndexDownloadFailure(
      'not found',
      `GET ${describeUrl(url)} answered with something other than a chart repository index (it has no apiVersion)`,
    );
  }
}

/** Looks for the `apiVersion` field every index has (helm refuses one without), in a single pass over the stream. */
class IndexCheck extends Transform {
  found = false;
  private tail = '';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null, data?: Buffer) => void): void {
    if (!this.found) {
      const text = this.tail + chunk.toString('latin1');
      this.found = text.includes('apiVersion');
      this.tail = text.slice(-'apiVersion'.length);
    }
    callback(null, chunk);
  }
}

function failureFor(response: HttpResponse, url: URL): IndexDownloadFailure {
  const detail = `GET ${describeUrl(url)} answered HTTP ${response.status}`;
  if (response.status === 401 || response.status === 403) return new IndexDownloadFailure('unauthorized', detail);
  if (response.status === 404 || response.status === 410) return new IndexDownloadFailure('not found', detail);
  return new IndexDownloadFailure('unreachable', detail);
}

/** A URL for messages: no user info, and no query (it may carry a token). */
export function describeUrl(url: URL | string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
