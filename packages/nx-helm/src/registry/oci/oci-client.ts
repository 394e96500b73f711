import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { types } from 'node:util';
import { NxHelmError } from '../../utils/nx-helm-error';
import {
  classifyTransportError,
  headerValue,
  isUnanswered,
  readTlsFiles,
  RequestTimeout,
  sendHttpRequest,
  tlsRequestOptions,
  USER_AGENT,
  type HttpResponse,
  type TlsFiles,
} from '../http-transport';
import { isLoopback, type RegistryHostOptions } from '../registry-options';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from '../retry';
import { resolveCredentials, type Credentials } from './credentials';
import { findChallenge, parseWwwAuthenticate } from './www-authenticate';

export const CHART_CONFIG_MEDIA_TYPE = 'application/vnd.cncf.helm.config.v1+json';
export const CHART_LAYER_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
export const CHART_PROVENANCE_MEDIA_TYPE = 'application/vnd.cncf.helm.chart.provenance.v1.prov';
export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** Indexes are accepted too: a registry answers "manifest unknown" for a type the client did not accept. */
const MANIFEST_ACCEPT = [OCI_MANIFEST_MEDIA_TYPE, OCI_INDEX_MEDIA_TYPE, DOCKER_MANIFEST_MEDIA_TYPE, DOCKER_MANIFEST_LIST_MEDIA_TYPE].join(
  ', ',
);
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 5;
const MAX_TAG_PAGES = 1000;
/** The OAuth2 client id sent with identity-token grants, as docker sends "docker" and oras "oras-go". */
const CLIENT_ID = USER_AGENT;

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** An OCI image manifest: what a Helm chart and an nx-helm artifact are stored as. */
export interface OciManifest {
  schemaVersion: number;
  mediaType: string;
  artifactType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  /** The manifest digest, checked against the content. */
  digest: string;
  mediaType: string;
  manifest: OciManifest;
  /** The manifest exactly as stored: its digest is over these bytes. */
  bytes: Buffer;
}

export interface OciClientOptions {
  /** `host[:port]` as in an oci:// reference, e.g. "ghcr.io" or "127.0.0.1:5000". */
  host: string;
  connection?: RegistryHostOptions;
  /** Where credential variables, HOME, DOCKER_CONFIG and HELM_REGISTRY_CONFIG are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Time for one request, from connecting until the response has ended; default 30 s. */
  timeoutMs?: number;
  /** Time until a request's answer starts; default 10 s. A registry that never answers is asked twice at most. */
  answerTimeoutMs?: number;
  /** Time a started answer may go without data; unbounded by default (then `timeoutMs` bounds it). */
  stallTimeoutMs?: number;
  /** Retries of transient failures (network errors, timeouts, 5xx, 429). */
  retry?: RetryPolicy;
  /** Gets one line per retry. */
  log?: (line: string) => void;
}

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
type Action = 'pull' | 'push' | 'delete';

interface RegistryRequest {
  method: Method;
  url: URL;
  /** The token scope the request needs when the registry uses bearer tokens. */
  scope: string;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
}

type RegistryResponse = HttpResponse;

export type ProblemKind =
  | 'transient'
  | 'unauthorized'
  | 'denied'
  | 'tls'
  | 'plain-http'
  | 'needs-tls'
  | 'delete-unsupported'
  | 'not-found'
  | 'integrity'
  | 'unexpected'
  | 'other';

/** A request the registry client gave up on, with what kind of problem stopped it (the message says what to do). */
export class RegistryRequestError extends NxHelmError {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly facts: {
      /** What was asked and what went wrong, without the fix: the message's first line. */
      summary?: string;
      /** The last attempt ran out of time: the registry did not answer, stopped answering, or was too slow. */
      timedOut?: boolean;
    } = {},
  ) {
    super(message);
  }
}

/** What went wrong in one attempt; `perform` turns it into a retry or an NxHelmError with the matching fix. */
class RegistryProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly retryAfterMs?: number,
    readonly timedOut = false,
  ) {
    super(detail);
  }
}

type Outcome<T> = { kind: 'done'; value: T } | { kind: 'failed'; problem: RegistryProblem };

/**
 * A client of the OCI distribution API for one registry host, with docker's authentication: every request goes out
 * anonymous (or with what an earlier challenge earned), and a 401 challenge is answered with basic credentials or a
 * bearer token for the request's scope. Tokens are cached per scope for the client's lifetime. Credentials come from
 * resolveCredentials, only once a registry asks for them. No message or log line contains a secret.
 */
export class OciClient {
  readonly host: string;
  private readonly connection: RegistryHostOptions;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;
  private readonly answerTimeoutMs: number;
  private readonly stallTimeoutMs?: number;
  private readonly retry: RetryPolicy;
  private readonly log: (line: string) => void;
  private readonly baseUrl: URL;
  private credentialsLookup?: Promise<Credentials | undefined>;
  private credentialsFound = false;
  private basicAuthorization?: string;
  private readonly tokens = new Map<string, Promise<string>>();
  /** The scope a request hinted -> the scope its challenge asked for, when the registry wanted more. */
  private readonly scopeAliases = new Map<string, string>();
  private readonly secrets = new Set<string>();
  private tlsFiles?: TlsFiles;

  constructor(options: OciClientOptions) {
    if (!/^[^/\s@]+$/.test(options.host)) {
      throw new NxHelmError(
        `"${options.host}" is not a registry host: give host and port only, e.g. "ghcr.io" or "127.0.0.1:5000" (no oci:// and no path).`,
      );
    }
    this.host = options.host;
    this.connection = options.connection ?? {};
    this.env = options.env ?? process.env;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.stallTimeoutMs = options.stallTimeoutMs;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.log = options.log ?? (() => undefined);
    const { plainHttp, caFile, certFile, keyFile, insecureSkipTlsVerify } = this.connection;
    // The rule of hostOptionsFor, for callers that pass a host entry as configured: loopback without TLS settings is http.
    const plain = plainHttp ?? (isLoopback(this.host) && !caFile && !certFile && !keyFile && !insecureSkipTlsVerify);
    this.baseUrl = new URL(`${plain ? 'http' : 'https'}://${this.host}`);
  }

  /** The manifest of `repository:reference`, or undefined when the repository or the reference does not exist. */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest | undefined> {
    checkRepository(repository);
    checkReference(reference);
    return this.perform('Reading the manifest of', this.describe(repository, reference), async () => {
      const response = await this.send(this.manifestRequest('GET', repository, reference));
      if (isNotFound(response)) return undefined;
      this.expectStatus(response, [200]);
      return readManifest(response, reference);
    });
  }

  /** The digest of `repository:reference`, or undefined when it does not exist; downloads no manifest if it can. */
  async headManifest(repository: string, reference: string): Promise<string | undefined> {
    checkRepository(repository);
    checkReference(reference);
    return this.perform('Checking the manifest of', this.describe(repository, reference), async () => {
      const response = await this.send(this.manifestRequest('HEAD', repository, reference));
      if (isNotFound(response)) return undefined;
      this.expectStatus(response, [200]);
      const digest = headerValue(response.headers['docker-content-digest']);
      if (digest) return digest;
      // The header is optional on HEAD; the content gives the digest too.
      const full = await this.send(this.manifestRequest('GET', repository, reference));
      if (isNotFound(full)) return undefined;
      this.expectStatus(full, [200]);
      return readManifest(full, reference).digest;
    });
  }

  /** The blob's content, checked against its digest. Follows the redirects registries send to their storage. */
  async getBlob(repository: string, digest: string): Promise<Buffer> {
    checkRepository(repository);
    checkDigest(digest);
    return this.perform('Downloading the blob', this.describe(repository, digest), async () => {
      const response = await this.send({
        method: 'GET',
        url: this.url(`/v2/${repository}/blobs/${digest}`),
        scope: scopeFor(repository, 'pull'),
      });
      if (response.status === 404) throw new RegistryProblem('not-found', 'the registry has no such blob (HTTP 404)');
      this.expectStatus(response, [200]);
      if (!matchesDigest(digest, response.body)) {
        throw new RegistryProblem('integrity', `the content received hashes to ${digestOf(response.body, algorithmOf(digest))}`);
      }
      return response.body;
    });
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    checkRepository(repository);
    checkDigest(digest);
    return this.blobExists(repository, digest, 'pull');
  }

  /** Uploads `data` as a blob unless the repository has it already (`uploaded: false`). */
  async uploadBlob(repository: string, data: Buffer): Promise<{ digest: string; uploaded: boolean }> {
    checkRepository(repository);
    const digest = digestOf(data);
    // Asked with the push scope, so a token registry hands out one token for the whole upload.
    if (await this.blobExists(repository, digest, 'push')) {
      return { digest, uploaded: false };
    }
    const scope = scopeFor(repository, 'push');
    // Starting an upload and sending the blob are retried each on their own (a flaky registry fails one request at a
    // time); a failed send starts a new upload, since the registry may have dropped or consumed the old one.
    await this.perform('Uploading the blob', this.describe(repository, digest), async () => {
      const location = await this.perform('Uploading the blob', this.describe(repository, digest), async () => {
        const started = await this.send({ method: 'POST', url: this.url(`/v2/${repository}/blobs/uploads/`), scope });
        this.expectStatus(started, [202]);
        const where = headerValue(started.headers.location);
        if (!where) throw new RegistryProblem('other', 'the registry started an upload but gave no Location to send the blob to');
        return where;
      });
      const target = new URL(location, this.baseUrl);
      // Location may carry upload state in its query, which has to be kept as it is.
      target.search = `${target.search ? `${target.search}&` : '?'}digest=${encodeURIComponent(digest)}`;
      const finished = await this.send({
        method: 'PUT',
        url: target,
        scope,
        headers: { 'Content-Type': 'application/octet-stream' },
        body: data,
      });
      this.expectStatus(finished, [201]);
    });
    return { digest, uploaded: true };
  }

  /** Stores a manifest under a tag (or its digest) and returns its digest. */
  async putManifest(repository: string, reference: string, manifest: object | Buffer, mediaType: string): Promise<string> {
    checkRepository(repository);
    checkReference(reference);
    const body = Buffer.isBuffer(manifest) ? manifest : Buffer.from(JSON.stringify(manifest));
    const digest = digestOf(body);
    if (isDigest(reference) && !matchesDigest(reference, body)) {
      throw new NxHelmError(
        `Pushing a manifest to ${this.describe(repository, reference)} failed: its content has the digest ${digest}, not the one in the reference.`,
      );
    }
    return this.perform('Pushing the manifest to', this.describe(repository, reference), async () => {
      const response = await this.send({
        method: 'PUT',
        url: this.url(`/v2/${repository}/manifests/${reference}`),
        scope: scopeFor(repository, 'push'),
        headers: { 'Content-Type': mediaType },
        body,
      });
      this.expectStatus(response, [201]);
      const stored = headerValue(response.headers['docker-content-digest']);
      if (stored && !matchesDigest(stored, body)) {
        throw new RegistryProblem('integrity', `the registry stored it as ${stored}, but the manifest sent has the digest ${digest}`);
      }
      return digest;
    });
  }

  /**
   * All tags of the repository, following the registry's `Link` pagination; [] when the repository does not exist.
   * `pageSize` asks for pages of that many tags (registries may ignore it and answer all at once).
   */
  async listTags(repository: string, pageSize?: number): Promise<string[]> {
    checkRepository(repository);
    const tags: string[] = [];
    let url: URL | undefined = this.url(`/v2/${repository}/tags/list${pageSize ? `?n=${pageSize}` : ''}`);
    for (let page = 1; url; page++) {
      if (page > MAX_TAG_PAGES) {
        throw new NxHelmError(
          `Listing the tags of ${this.host}/${repository} stopped after ${MAX_TAG_PAGES} pages: the registry keeps sending a next page.`,
        );
      }
      const pageUrl: URL = url;
      const result = await this.perform('Listing the tags of', `${this.host}/${repository}`, async () => {
        const response = await this.send({ method: 'GET', url: pageUrl, scope: scopeFor(repository, 'pull') });
        if (isNotFound(response)) return { tags: [], next: undefined };
        this.expectStatus(response, [200]);
        const body = parseJson(response.body) as { tags?: unknown } | undefined;
        const list = Array.isArray(body?.tags) ? body.tags.filter((tag): tag is string => typeof tag === 'string') : [];
        return { tags: list, next: nextLink(headerValue(response.headers.link)) };
      });
      tags.push(...result.tags);
      url = result.next ? new URL(result.next, pageUrl) : undefined;
    }
    return tags;
  }

  /** Deletes the manifest with this digest (and so every tag on it). Deleting one that is gone already succeeds. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    checkRepository(repository);
    checkDigest(digest);
    await this.perform('Deleting the manifest', this.describe(repository, digest), async () => {
      const response = await this.send({
        method: 'DELETE',
        url: this.url(`/v2/${repository}/manifests/${digest}`),
        scope: scopeFor(repository, 'delete'),
      });
      if (isNotFound(response)) return;
      if (response.status === 405 || registryErrors(response.body).some((error) => error.code === 'UNSUPPORTED')) {
        throw new RegistryProblem('delete-unsupported', describeStatus(response));
      }
      this.expectStatus(response, [200, 202]);
    });
  }

  private async blobExists(repository: string, digest: string, action: Action): Promise<boolean> {
    return this.perform('Checking the blob', this.describe(repository, digest), async () => {
      const response = await this.send({
        method: 'HEAD',
        url: this.url(`/v2/${repository}/blobs/${digest}`),
        scope: scopeFor(repository, action),
      });
      if (response.status === 404) return false;
      this.expectStatus(response, [200]);
      return true;
    });
  }

  private manifestRequest(method: 'GET' | 'HEAD', repository: string, reference: string): RegistryRequest {
    return {
      method,
      url: this.url(`/v2/${repository}/manifests/${reference}`),
      scope: scopeFor(repository, 'pull'),
      headers: { Accept: MANIFEST_ACCEPT },
    };
  }

  /** Runs one unit of work, retrying it on transient problems, and turns any problem into an NxHelmError. */
  private async perform<T>(action: string, target: string, work: () => Promise<T>): Promise<T> {
    let attempts = 0;
    let delayMs = 0;
    let silent = false;
    const outcome = await withRetries<Outcome<T>>(
      this.retry,
      async () => {
        attempts++;
        try {
          return { ok: true, retryable: false, value: { kind: 'done', value: await work() } };
        } catch (error) {
          const problem = this.asProblem(error);
          // A registry that takes requests and never answers is asked once more, not as often as a flaky one.
          silent = isUnanswered(error);
          const silentAgain = silent && attempts >= 2;
          return { ok: false, retryable: problem.kind === 'transient' && !silentAgain, value: { kind: 'failed', problem } };
        }
      },
      (attemptNumber, computedDelayMs, last) => {
        const retryAfter = last.kind === 'failed' ? last.problem.retryAfterMs : undefined;
        delayMs = retryAfter === undefined ? computedDelayMs : Math.min(retryAfter, this.retry.maxDelayMs);
        const detail = last.kind === 'failed' ? last.problem.detail : 'failed';
        this.log(
          this.redact(`${action} ${target}: attempt ${attemptNumber} failed (${detail}); retrying in ${(delayMs / 1000).toFixed(1)} s.`),
        );
      },
      () => new Promise((resolve) => setTimeout(resolve, delayMs)),
    );
    if (outcome.kind === 'done') return outcome.value;
    const { problem } = outcome;
    const after = problem.kind === 'transient' && attempts > 1 ? ` after ${attempts} attempts` : '';
    const hint = silent
      ? `${this.host} takes requests but does not answer them: check that it is the registry's address and that the registry is up (nx-helm asks a silent registry twice, whatever the retries).`
      : this.hintFor(problem.kind);
    const summary = this.redact(`${action} ${target} failed${after}: ${problem.detail}.`);
    throw new RegistryRequestError(problem.kind, `${summary}\nFix: ${this.redact(hint)}`, { summary, timedOut: problem.timedOut });
  }

  /**
   * Errors the caller has to see as they are (configuration errors, bugs) pass through. Node's own errors may come
   * from another realm (a VM context, as under jest), where `instanceof Error` is false: isNativeError sees them.
   */
  private asProblem(error: unknown): RegistryProblem {
    if (error instanceof RegistryProblem) return error;
    if (error instanceof NxHelmError || !(error instanceof Error || types.isNativeError(error))) throw error;
    return transportProblem(error);
  }

  private hintFor(kind: ProblemKind): string {
    const host = this.host;
    const option = `for "${host}" in the nx-helm "registries" option`;
    switch (kind) {
      case 'transient':
        return `${host} or the network failed; try again later, or allow more retries (the retries option).`;
      case 'unauthorized': {
        const { usernameEnv, passwordEnv } = this.connection;
        if (usernameEnv || passwordEnv) {
          return `${host} did not accept the user name and password from the environment variables ${usernameEnv} and ${passwordEnv}: check their values.`;
        }
        if (this.credentialsFound) {
          return `${host} did not accept the saved login (helm's or docker's registry config): log in again with \`helm registry login ${host}\`, or configure usernameEnv/passwordEnv ${option}.`;
        }
        return `no credentials for ${host} were found (not logged in): log in with \`helm registry login ${host}\`, or configure usernameEnv/passwordEnv ${option} and set those environment variables.`;
      }
      case 'denied':
        return (
          `${host} refused access with these credentials. Check that the token may pull and push this repository: its scopes ` +
          '(write:packages for GHCR, "packages: write" in GitHub Actions) and the repository permissions of the user.'
        );
      case 'tls':
        return `the TLS certificate of ${host} could not be verified (or it wants a client certificate). Set caFile ${option} to its CA bundle (certFile/keyFile for client certificates), or insecureSkipTlsVerify for a test registry.`;
      case 'plain-http':
        return `${host} speaks plain http, not https. Set plainHttp: true ${option}.`;
      case 'needs-tls':
        return `${host} speaks https, but plain http was used (the default for a loopback host without TLS settings). Set plainHttp: false ${option}, with caFile for a private CA.`;
      case 'delete-unsupported':
        return `${host} does not allow deleting manifests through the registry API: enable deletion on the registry (distribution: storage.delete.enabled), or delete through the registry's own interface.`;
      case 'not-found':
        return 'check the repository and the reference.';
      case 'integrity':
        return `${host} (or something between here and it) sent other content than the digest names; try again, and check proxies on the way.`;
      case 'unexpected':
        return 'the reference holds something other than a single image manifest (an image index or an old docker manifest): use a repository of Helm charts or nx-helm artifacts.';
      default:
        return "check the registry's answer above.";
    }
  }

  /** Sends a request with the authorization earned so far; answers a 401 challenge once. */
  private async send(request: RegistryRequest): Promise<RegistryResponse> {
    const sent = await this.cachedAuthorization(request.scope);
    const response = await this.follow(request, sent);
    if (response.status !== 401) return response;
    const authorization = await this.authorize(request.scope, response, sent);
    return authorization ? this.follow(request, authorization) : response;
  }

  private async cachedAuthorization(scope: string): Promise<string | undefined> {
    if (this.basicAuthorization) return this.basicAuthorization;
    const hinted = mergeScopes([scope]);
    const token = this.tokens.get(this.scopeAliases.get(hinted) ?? hinted);
    return token ? token.then((value) => `Bearer ${value}`).catch(() => undefined) : undefined;
  }

  private async authorize(scope: string, response: RegistryResponse, sent: string | undefined): Promise<string | undefined> {
    const challenges = parseWwwAuthenticate(headerValue(response.headers['www-authenticate']) ?? '');
    const bearer = findChallenge(challenges, 'bearer');
    if (bearer?.params.realm) {
      const hinted = mergeScopes([scope]);
      const key = mergeScopes([scope, bearer.params.scope]);
      if (key !== hinted) this.scopeAliases.set(hinted, key);
      const cached = this.tokens.get(key);
      // A token the registry refused (expired, or anonymous) is fetched again once.
      if (cached && sent === `Bearer ${await cached.catch(() => '')}`) this.tokens.delete(key);
      const token = await this.token(bearer.params.realm, bearer.params.service, key);
      const authorization = `Bearer ${token}`;
      return authorization === sent ? undefined : authorization;
    }
    if (findChallenge(challenges, 'basic')) {
      const credentials = await this.credentials();
      if (!credentials || !('username' in credentials)) return undefined;
      const authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      if (authorization === sent) return undefined;
      this.secrets.add(authorization.slice('Basic '.length));
      this.basicAuthorization = authorization;
      return authorization;
    }
    return undefined;
  }

  private token(realm: string, service: string | undefined, scope: string): Promise<string> {
    let pending = this.tokens.get(scope);
    if (!pending) {
      const fetching = this.fetchToken(realm, service, scope);
      pending = fetching;
      this.tokens.set(scope, fetching);
      fetching.catch(() => {
        if (this.tokens.get(scope) === fetching) this.tokens.delete(scope);
      });
    }
    return pending;
  }

  /** docker's token protocol: GET with basic credentials, or OAuth2's refresh-token grant for identity tokens. */
  private async fetchToken(realm: string, service: string | undefined, scope: string): Promise<string> {
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new RegistryProblem('other', `the registry named a token service that is not a URL (${realm})`);
    }
    if (realmUrl.protocol !== 'https:' && realmUrl.protocol !== 'http:') {
      throw new RegistryProblem('other', `the registry named a token service with an unsupported scheme (${realmUrl.protocol})`);
    }
    const credentials = await this.credentials();
    let response: RegistryResponse;
    if (credentials && 'identityToken' in credentials) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken });
      if (service) form.set('service', service);
      if (scope) form.set('scope', scope);
      form.set('client_id', CLIENT_ID);
      response = await this.transmit(
        'POST',
        realmUrl,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        Buffer.from(form.toString()),
      );
    } else {
      const url = new URL(realmUrl);
      if (service) url.searchParams.set('service', service);
      for (const part of scope.split(' ').filter(Boolean)) url.searchParams.append('scope', part);
      const headers: OutgoingHttpHeaders = credentials
        ? { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` }
        : {};
      response = await this.transmit('GET', url, headers);
    }
    const detail = `the token service ${realmUrl.host} answered ${describeStatus(response)}`;
    if (response.status === 401 || response.status === 403) throw new RegistryProblem('unauthorized', detail);
    if (isTransientStatus(response.status))
      throw new RegistryProblem('transient', detail, retryAfterMs(headerValue(response.headers['retry-after'])));
    if (response.status !== 200) throw new RegistryProblem('other', detail);
    const body = parseJson(response.body) as { token?: unknown; access_token?: unknown } | undefined;
    const token = typeof body?.access_token === 'string' && body.access_token ? body.access_token : body?.token;
    if (typeof token !== 'string' || !token)
      throw new RegistryProblem('other', `the token service ${realmUrl.host} answered without a token`);
    this.secrets.add(token);
    return token;
  }

  private credentials(): Promise<Credentials | undefined> {
    this.credentialsLookup ??= resolveCredentials(this.host, this.connection, this.env).then((credentials) => {
      this.credentialsFound = credentials !== undefined;
      if (credentials && 'identityToken' in credentials) this.secrets.add(credentials.identityToken);
      if (credentials && 'password' in credentials) this.secrets.add(credentials.password);
      return credentials;
    });
    return this.credentialsLookup;
  }

  /** Follows redirects of reads; the Authorization header stays with the registry host, never goes to storage hosts. */
  private async follow(request: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    let url = request.url;
    for (let hop = 0; ; hop++) {
      const headers: OutgoingHttpHeaders = { ...request.headers };
      if (authorization && url.host === this.baseUrl.host) headers.Authorization = authorization;
      const response = await this.transmit(request.method, url, headers, request.body);
      const location = headerValue(response.headers.location);
      const readOnly = request.method === 'GET' || request.method === 'HEAD';
      if (!location || !readOnly || ![301, 302, 303, 307, 308].includes(response.status)) return response;
      if (hop >= MAX_REDIRECTS) throw new RegistryProblem('other', `the registry redirected more than ${MAX_REDIRECTS} times`);
      url = new URL(location, url);
    }
  }

  /** One HTTP exchange, bounded by the timeout from connecting until the response has ended. */
  private transmit(method: Method, url: URL, headers: OutgoingHttpHeaders, body?: Buffer): Promise<RegistryResponse> {
    return sendHttpRequest(method, url, {
      headers,
      body,
      timeoutMs: this.timeoutMs,
      answerTimeoutMs: this.answerTimeoutMs,
      stallTimeoutMs: this.stallTimeoutMs,
      tls: this.tlsOptionsFor(url),
    });
  }

  private tlsOptionsFor(url: URL): HttpsRequestOptions {
    if (url.protocol !== 'https:') return {};
    this.tlsFiles ??= readTlsFiles(this.host, this.connection);
    return tlsRequestOptions(this.tlsFiles, this.connection, url.host === this.baseUrl.host);
  }

  private expectStatus(response: RegistryResponse, expected: number[]): void {
    if (expected.includes(response.status)) return;
    throw problemFor(response, this.credentialsFound);
  }

  private url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  private describe(repository: string, reference: string): string {
    return `${this.host}/${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  private redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (secret.length >= 4) result = result.split(secret).join('***');
    }
    return result;
  }
}

const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
/** Only the algorithms the client can verify. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Names go into URL paths unescaped, so only what the distribution spec allows gets through. */
function checkRepository(repository: string): void {
  if (!REPOSITORY.test(repository)) {
    throw new NxHelmError(
      `"${repository}" is not a valid OCI repository name: use lower case letters, digits, ".", "_", "-" and "/" (no leading or trailing separators).`,
    );
  }
}

function checkReference(reference: string): void {
  if (!TAG.test(reference) && !DIGEST.test(reference)) {
    throw new NxHelmError(
      `"${reference}" is neither an OCI tag (letters, digits, ".", "_", "-"; at most 128) nor a digest (sha256:<hex>).`,
    );
  }
}

function checkDigest(digest: string): void {
  if (!DIGEST.test(digest)) throw new NxHelmError(`"${digest}" is not a digest (sha256:<64 hex digits> or sha512:<128 hex digits>).`);
}

function isDigest(reference: string): boolean {
  return reference.includes(':');
}

function scopeFor(repository: string, action: Action): string {
  return `repository:${repository}:${action === 'push' ? 'pull,push' : action}`;
}

/** Scopes as one cache key: actions of the same resource united and sorted, as the token service grants them. */
function mergeScopes(scopes: Array<string | undefined>): string {
  const actions = new Map<string, Set<string>>();
  const others = new Set<string>();
  for (const scope of scopes.flatMap((value) => (value ?? '').split(' ')).filter(Boolean)) {
    const last = scope.lastIndexOf(':');
    if (last <= scope.indexOf(':')) {
      others.add(scope);
      continue;
    }
    const resource = scope.slice(0, last);
    const granted = actions.get(resource) ?? new Set<string>();
    for (const action of scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean))
      granted.add(action);
    actions.set(resource, granted);
  }
  const merged = [...actions].map(([resource, granted]) => `${resource}:${granted.has('*') ? '*' : [...granted].sort().join(',')}`);
  return [...merged, ...others].sort().join(' ');
}

function readManifest(response: RegistryResponse, reference: string): FetchedManifest {
  const bytes = response.body;
  const stated = headerValue(response.headers['docker-content-digest']);
  if (stated && !matchesDigest(stated, bytes)) {
    throw new RegistryProblem(
      'integrity',
      `the registry says the manifest is ${stated}, but its content hashes to ${digestOf(bytes, algorithmOf(stated))}`,
    );
  }
  if (isDigest(reference) && !matchesDigest(reference, bytes)) {
    throw new RegistryProblem('integrity', `the manifest received hashes to ${digestOf(bytes, algorithmOf(reference))}`);
  }
  const document = parseJson(bytes) as (Partial<OciManifest> & { manifests?: unknown }) | undefined;
  const mediaType =
    (typeof document?.mediaType === 'string' && document.mediaType) ||
    headerValue(response.headers['content-type'])?.split(';')[0].trim() ||
    OCI_MANIFEST_MEDIA_TYPE;
  if (!document || typeof document.config !== 'object' || document.config === null || !Array.isArray(document.layers)) {
    throw new RegistryProblem('unexpected', `it is not an image manifest (media type ${mediaType})`);
  }
  const manifest = { ...document, mediaType } as OciManifest;
  return { digest: stated ?? (isDigest(reference) ? reference : digestOf(bytes)), mediaType, manifest, bytes };
}

/** `withCredentials`: an anonymous token lacks every scope, which means "not logged in" rather than "denied". */
function problemFor(response: RegistryResponse, withCredentials: boolean): RegistryProblem {
  const detail = describeStatus(response);
  const codes = registryErrors(response.body).map((error) => error.code);
  if (response.status === 401) {
    const bearer = findChallenge(parseWwwAuthenticate(headerValue(response.headers['www-authenticate']) ?? ''), 'bearer');
    return new RegistryProblem(withCredentials && bearer?.params.error === 'insufficient_scope' ? 'denied' : 'unauthorized', detail);
  }
  if (response.status === 403 || codes.includes('DENIED')) return new RegistryProblem('denied', detail);
  if (isTransientStatus(response.status)) {
    return new RegistryProblem('transient', detail, retryAfterMs(headerValue(response.headers['retry-after'])));
  }
  if (response.status === 400 && /HTTP request to an HTTPS server/i.test(response.body.toString('utf8'))) {
    return new RegistryProblem('needs-tls', `${detail}: the server wants TLS`);
  }
  if (response.status === 404) return new RegistryProblem('not-found', detail);
  return new RegistryProblem('other', detail);
}

function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function isNotFound(response: RegistryResponse): boolean {
  return (
    response.status === 404 ||
    registryErrors(response.body).some((error) => error.code === 'MANIFEST_UNKNOWN' || error.code === 'NAME_UNKNOWN')
  );
}

/** `HTTP 503 (UNAVAILABLE: ...)`, with the registry's error codes and messages, shortened. */
function describeStatus(response: RegistryResponse): string {
  const errors = registryErrors(response.body)
    .map((error) => [error.code, error.message].filter(Boolean).join(': '))
    .join('; ');
  const text = errors.length > 300 ? `${errors.slice(0, 300)}…` : errors;
  return `HTTP ${response.status}${text ? ` (${text})` : ''}`;
}

function registryErrors(body: Buffer): Array<{ code?: string; message?: string }> {
  const parsed = parseJson(body) as { errors?: unknown } | undefined;
  if (!Array.isArray(parsed?.errors)) return [];
  return parsed.errors
    .filter((error): error is Record<string, unknown> => typeof error === 'object' && error !== null)
    .map((error) => ({
      code: typeof error.code === 'string' ? error.code : undefined,
      message: typeof error.message === 'string' ? error.message : undefined,
    }));
}

/** Network and TLS errors by what the user can do about them. */
function transportProblem(error: Error & { code?: string }): RegistryProblem {
  const { kind, detail } = classifyTransportError(error);
  return new RegistryProblem(kind, detail, undefined, error instanceof RequestTimeout);
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The target of `rel="next"` in a Link header: `</v2/x/tags/list?last=b&n=2>; rel="next"`. */
function nextLink(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(match[2])) return match[1];
  }
  return undefined;
}

function digestOf(bytes: Buffer, algorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function algorithmOf(digest: string): string {
  return digest.slice(0, digest.indexOf(':'));
}

function matchesDigest(digest: string, bytes: Buffer): boolean {
  const algorithm = algorithmOf(digest);
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new RegistryProblem('other', `the digest ${digest} uses an algorithm nx-helm does not verify (sha256 and sha512 only)`);
  }
  return digestOf(bytes, algorithm) === digest.toLowerCase();
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
