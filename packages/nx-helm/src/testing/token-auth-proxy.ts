import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './registry-server';

/** One request the proxy received: registry API calls and token requests alike. */
export interface ProxiedRequest {
  method: string;
  /** The path without the query, e.g. `/v2/acme/web/manifests/1.0.0` or `/token`. */
  path: string;
  /** For `/token`: the scopes asked for (none for a login's `/v2/` check). */
  scopes?: string[];
  /** For `/token`: how the client authenticated: basic credentials, an identity token, or not at all. */
  grant?: 'basic' | 'refresh_token' | 'anonymous';
}

export interface TokenAuthProxy {
  /** `127.0.0.1:<port>`: use it as the registry host. */
  host: string;
  /** The token service address the challenges name. */
  realm: string;
  service: string;
  /** What the requests so far were, in order of arrival. */
  requests(): Promise<ProxiedRequest[]>;
  /** Forgets the recorded requests. */
  clearRequests(): Promise<void>;
  stop(): Promise<void>;
}

export interface TokenAuthProxyOptions {
  /** The registry behind the proxy: `127.0.0.1:<port>`, plain http, without authentication. */
  registryHost: string;
  credentials: { username: string; password: string };
  /** A second user whose tokens only ever grant pull, whatever scope is asked for. */
  readOnlyCredentials?: { username: string; password: string };
  /** An identity token the token service accepts in OAuth2's refresh-token grant. */
  identityToken?: string;
}

const SERVICE = 'nx-helm-test';

/**
 * The server, run in a process of its own: tests may drive helm synchronously, which would block a server in the
 * test's own event loop. It speaks docker's token authentication in front of a registry without authentication:
 * `/v2/` calls need `Authorization: Bearer <token>` with the right scope, else they get a 401 challenge naming the
 * token service (`/token`) and the scope; the token service checks basic credentials (or an identity token) and hands
 * out tokens for the scopes asked for. Anonymous token requests get a token without any access, as public registries
 * do. Valid calls are forwarded with their bodies streamed. Recorded requests are read over the IPC channel.
 */
const SERVER = `
const { createServer, request } = require('node:http');
const { randomBytes } = require('node:crypto');
const port = Number(process.env.PORT);
const upstreamPort = Number(process.env.UPSTREAM_PORT);
const service = process.env.SERVICE;
const realm = 'http://127.0.0.1:' + port + '/token';
const expectedBasic = 'Basic ' + Buffer.from(process.env.AUTH).toString('base64');
const readOnlyBasic = process.env.READ_ONLY_AUTH ? 'Basic ' + Buffer.from(process.env.READ_ONLY_AUTH).toString('base64') : undefined;
const identityToken = process.env.IDENTITY_TOKEN || '';
const tokens = new Map();
const requests = [];

process.on('message', (message) => {
  if (message.kind === 'clear') requests.length = 0;
  process.send({ id: message.id, requests });
});

function issue(authenticated, scopes, pullOnly) {
  const token = randomBytes(24).toString('hex');
  const grants = new Set();
  if (authenticated) {
    for (const scope of scopes) {
      const last = scope.lastIndexOf(':');
      for (const action of scope.slice(last + 1).split(',')) {
        if (!pullOnly || action === 'pull') grants.add(scope.slice(0, last) + ':' + action);
      }
    }
  }
  tokens.set(token, { authenticated, grants });
  return token;
}

function json(response, status, body, headers) {
  response.writeHead(status, Object.assign({ 'Content-Type': 'application/json' }, headers || {}));
  response.end(JSON.stringify(body));
}

function challenge(incoming, response, name, action, error) {
  incoming.resume();
  let header = 'Bearer realm="' + realm + '",service="' + service + '"';
  if (name) header += ',scope="repository:' + name + ':' + (action === 'push' ? 'pull,push' : action) + '"';
  if (error) header += ',error="' + error + '"';
  json(response, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }, { 'WWW-Authenticate': header });
}

function serveToken(incoming, response, url, record) {
  const chunks = [];
  incoming.on('data', (chunk) => chunks.push(chunk));
  incoming.on('end', () => {
    if (incoming.method === 'POST') {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      record.grant = 'refresh_token';
      record.scopes = (form.get('scope') || '').split(' ').filter(Boolean);
      const valid = form.get('grant_type') === 'refresh_token' && identityToken && form.get('refresh_token') === identityToken && form.get('client_id') && form.get('service') === service;
      if (!valid) return json(response, 401, { error: 'invalid_grant' });
      return json(response, 200, { access_token: issue(true, record.scopes), expires_in: 300 });
    }
    const authorization = incoming.headers.authorization;
    record.grant = authorization ? 'basic' : 'anonymous';
    record.scopes = url.searchParams.getAll('scope');
    if (url.searchParams.get('service') !== service) return json(response, 400, { errors: [{ code: 'DENIED', message: 'unknown service' }] });
    const readOnly = readOnlyBasic !== undefined && authorization === readOnlyBasic;
    if (authorization && authorization !== expectedBasic && !readOnly) return json(response, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] });
    json(response, 200, { token: issue(authorization === expectedBasic || readOnly, record.scopes, readOnly), expires_in: 300 });
  });
}

function actionOf(method) {
  if (method === 'GET' || method === 'HEAD') return 'pull';
  return method === 'DELETE' ? 'delete' : 'push';
}

function forward(incoming, response) {
  const headers = Object.assign({}, incoming.headers);
  delete headers.authorization;
  const upstream = request({ host: '127.0.0.1', port: upstreamPort, method: incoming.method, path: incoming.url, headers }, (answer) => {
    const out = Object.assign({}, answer.headers);
    if (out.location) out.location = out.location.replace('//127.0.0.1:' + upstreamPort, '//127.0.0.1:' + port);
    response.writeHead(answer.statusCode || 502, out);
    answer.pipe(response);
  });
  upstream.on('error', () => response.destroy());
  incoming.pipe(upstream);
}

createServer((incoming, response) => {
  const url = new URL(incoming.url || '/', 'http://127.0.0.1:' + port);
  const record = { method: incoming.method, path: url.pathname };
  requests.push(record);
  if (url.pathname === '/token') return serveToken(incoming, response, url, record);
  const bearer = /^Bearer (.+)$/.exec(incoming.headers.authorization || '');
  const token = bearer ? tokens.get(bearer[1]) : undefined;
  const match = /^\\/v2\\/(.+?)\\/(manifests|blobs|tags)\\//.exec(url.pathname);
  if (match) {
    const action = actionOf(incoming.method);
    if (!token || !token.grants.has('repository:' + match[1] + ':' + action)) {
      return challenge(incoming, response, match[1], action, token ? 'insufficient_scope' : undefined);
    }
  } else if (!token || !token.authenticated) {
    return challenge(incoming, response);
  }
  forward(incoming, response);
}).listen(port, '127.0.0.1', () => process.send({ ready: true }));
`;

/** A docker token-authentication front for a test registry started without authentication, on 127.0.0.1. */
export async function startTokenAuthProxy(options: TokenAuthProxyOptions): Promise<TokenAuthProxy> {
  const upstreamPort = Number(/^127\.0\.0\.1:(\d+)$/.exec(options.registryHost)?.[1]);
  if (!upstreamPort) throw new Error(`the registry behind the token proxy must be on 127.0.0.1, got ${options.registryHost}`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    env: {
      PORT: String(port),
      UPSTREAM_PORT: String(upstreamPort),
      SERVICE,
      AUTH: `${options.credentials.username}:${options.credentials.password}`,
      READ_ONLY_AUTH: options.readOnlyCredentials ? `${options.readOnlyCredentials.username}:${options.readOnlyCredentials.password}` : '',
      IDENTITY_TOKEN: options.identityToken ?? '',
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (requests: ProxiedRequest[]) => void>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean; id?: number; requests?: ProxiedRequest[] }) => {
      if (message.ready) resolve();
      if (message.id !== undefined) {
        pending.get(message.id)?.(message.requests ?? []);
        pending.delete(message.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`the token auth proxy exited with code ${code}`)));
  });
  const ask = (kind: 'list' | 'clear') =>
    new Promise<ProxiedRequest[]>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ id, kind });
    });
  return {
    host: `127.0.0.1:${port}`,
    realm: `http://127.0.0.1:${port}/token`,
    service: SERVICE,
    requests: () => ask('list'),
    clearRequests: async () => {
      await ask('clear');
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
