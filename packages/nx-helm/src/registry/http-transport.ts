import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { NxHelmError } from '../utils/nx-helm-error';
import type { RegistryHostOptions } from './registry-options';

/** Sent with every request, as docker sends "docker" and oras "oras-go". */
export const USER_AGENT = 'nx-helm';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, unless `consumeBody` took it. */
  body: Buffer;
}

export interface HttpRequestOptions {
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
  /** Time for the whole exchange, from connecting until the body has been read (or consumed). */
  timeoutMs: number;
  /**
   * Time until the response starts (its status line and headers), when shorter than `timeoutMs`: a server that takes
   * the connection and never answers is given up on in seconds, while a slow large body keeps the longer bound. For a
   * request without a body it counts from the start, connecting included; with a body, from when the body was sent.
   */
  answerTimeoutMs?: number;
  /**
   * Time the response may go without data once it has started, when shorter than `timeoutMs`: a server that sends
   * its headers and then stops is given up on in seconds, while a large body that keeps coming keeps the longer bound.
   */
  stallTimeoutMs?: number;
  /** TLS settings of https requests (see tlsRequestOptions). */
  tls?: HttpsRequestOptions;
  /**
   * Takes the response body instead of it being collected in memory, e.g. to stream a large download to a file; the
   * exchange ends when the returned promise settles. Returning undefined has the body collected.
   */
  consumeBody?: (response: IncomingMessage) => Promise<void> | undefined;
}

/** The request took longer than its timeout. */
export class RequestTimeout extends Error {}

/** The server did not start to answer within the answer timeout (it may not even have taken the connection). */
export class NoAnswer extends RequestTimeout {}

/** The server started to answer, then sent nothing more within the stall timeout. */
export class Stalled extends RequestTimeout {}

/** The server did not answer, or stopped answering: it is silent rather than slow. */
export function isUnanswered(error: unknown): boolean {
  return error instanceof NoAnswer || error instanceof Stalled;
}

/** One HTTP exchange, bounded by the timeout from connecting until the response has been read. */
export function sendHttpRequest(method: string, url: URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const secure = url.protocol === 'https:';
  const headers: OutgoingHttpHeaders = { 'User-Agent': USER_AGENT, ...options.headers };
  if (options.body || method === 'POST' || method === 'PUT') headers['Content-Length'] = options.body?.length ?? 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(answerTimer);
      clearTimeout(stallTimer);
      finish();
    };
    const fail = (error: Error) => {
      settle(() => reject(error));
      request.destroy(error);
    };
    // https (and tls) are loaded only for hosts that use them: the CLI starts once per task.
    const send = secure ? (require('node:https') as typeof import('node:https')).request : httpRequest;
    let answered = false;
    let answerTimer: NodeJS.Timeout | undefined;
    let stallTimer: NodeJS.Timeout | undefined;
    const request = send(url, { method, headers, ...(secure ? options.tls : {}) }, (response) => {
      answered = true;
      clearTimeout(answerTimer);
      const status = response.statusCode ?? 0;
      const consumed = options.consumeBody?.(response);
      if (consumed) {
        consumed.then(
          () => settle(() => resolve({ status, headers: response.headers, body: Buffer.alloc(0) })),
          (error: unknown) => settle(() => reject(error)),
        );
      } else {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => settle(() => resolve({ status, headers: response.headers, body: Buffer.concat(chunks) })));
        response.on('error', (error) => settle(() => reject(error)));
      }
      // Watched after the consumer is attached, so that this listener does not start the flow before it.
      const stallMs = options.stallTimeoutMs;
      if (stallMs !== undefined && stallMs < options.timeoutMs) {
        const watch = () => {
          clearTimeout(stallTimer);
          if (!settled)
            stallTimer = setTimeout(() => fail(new Stalled(`the answer stopped: no data for ${formatSeconds(stallMs)}`)), stallMs);
        };
        watch();
        response.on('data', watch);
      }
    });
    const timer = setTimeout(
      () => fail(new RequestTimeout(`no complete response within ${formatSeconds(options.timeoutMs)}`)),
      options.timeoutMs,
    );
    const answerMs = options.answerTimeoutMs;
    if (answerMs !== undefined && answerMs < options.timeoutMs) {
      const awaitAnswer = () => {
        if (!settled && !answered)
          answerTimer = setTimeout(() => fail(new NoAnswer(`no answer within ${formatSeconds(answerMs)}`)), answerMs);
      };
      // An upload takes its own time: with a body, the wait counts from when it has been sent.
      if (options.body?.length) request.once('finish', awaitAnswer);
      else awaitAnswer();
    }
    request.on('error', (error) => settle(() => reject(error)));
    request.end(options.body);
  });
}

export interface TlsFiles {
  ca?: string;
  cert?: Buffer;
  key?: Buffer;
}

/** The certificate files of a host's connection settings; a path that cannot be read names the option to fix. */
export function readTlsFiles(host: string, connection: RegistryHostOptions): TlsFiles {
  const read = (name: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new NxHelmError(
        `The ${name} for ${host} (${path}) cannot be read: ${(error as Error).message}. Fix the path in the nx-helm "registries" option (or, for a repository added with \`helm repo add\`, in helm's repository config).`,
      );
    }
  };
  const { caFile, certFile, keyFile } = connection;
  return { ca: read('caFile', caFile)?.toString('utf8'), cert: read('certFile', certFile), key: read('keyFile', keyFile) };
}

/**
 * TLS options of a request. The client certificate and skipping verification apply to the configured host only
 * (`toConfiguredHost`), never to hosts a redirect leads to.
 */
export function tlsRequestOptions(files: TlsFiles, connection: RegistryHostOptions, toConfiguredHost: boolean): HttpsRequestOptions {
  const options: HttpsRequestOptions = {};
  // `ca` replaces Node's trusted roots; keeping them lets redirects to public storage and token services verify.
  if (files.ca) options.ca = [...(require('node:tls') as typeof import('node:tls')).rootCertificates, files.ca];
  if (toConfiguredHost) {
    if (files.cert) options.cert = files.cert;
    if (files.key) options.key = files.key;
    if (connection.insecureSkipTlsVerify) options.rejectUnauthorized = false;
  }
  return options;
}

/** What a failed connection means for the user: try again, fix TLS settings, use plain http, or something else. */
export type TransportFailureKind = 'transient' | 'tls' | 'plain-http' | 'other';

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
]);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Network and TLS errors by what the user can do about them. */
export function classifyTransportError(error: Error & { code?: string }): { kind: TransportFailureKind; detail: string } {
  if (error instanceof RequestTimeout) return { kind: 'transient', detail: error.message };
  const code = error.code ?? '';
  const text = `${code} ${error.message}`;
  if (/wrong version number|packet length too long|record layer failure|unknown protocol|http request/i.test(text)) {
    return { kind: 'plain-http', detail: `the TLS handshake failed: the server did not answer with TLS (${code || 'EPROTO'})` };
  }
  if (TLS_CODES.has(code) || /certificate|self[- ]signed|unable to verify|alert unknown ca|alert bad certificate/i.test(error.message)) {
    return { kind: 'tls', detail: `TLS verification failed: ${error.message}` };
  }
  if (TRANSIENT_CODES.has(code) || /socket hang up/i.test(error.message)) {
    return { kind: 'transient', detail: `${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}` };
  }
  if (code === 'ENOTFOUND') return { kind: 'other', detail: `the host name does not resolve (${error.message})` };
  return { kind: 'other', detail: error.message || code };
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
