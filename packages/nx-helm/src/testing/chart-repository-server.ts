import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { freePort } from './registry-server';

/** How many requests a path got, by the status of the answer (e.g. `{ "200": 1, "304": 3 }`). */
export type RequestCounts = Record<string, Record<string, number>>;

export interface ChartRepositoryServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  /** Requests served so far, per path (without query), by status; the counting endpoint itself is not counted. */
  requests(): Promise<RequestCounts>;
  stop(): Promise<void>;
}

/** Answers with the request counts; outside the authentication, for the tests' eyes only. */
const COUNTS_PATH = '/__requests';

/**
 * The server, run in a process of its own: tests drive nx and helm synchronously, which would block a server in the
 * test's own event loop. Serves DIR on 127.0.0.1:PORT; with AUTH ("user:password") behind HTTP basic authentication.
 * Files have an ETag (size and modification time) and a Last-Modified date, and a conditional GET of an unchanged
 * file is answered 304, as the web servers and CDNs that host chart repositories do.
 */
const SERVER = `
const { createServer } = require('node:http');
const { existsSync, readFileSync, statSync } = require('node:fs');
const { join, normalize } = require('node:path');
const dir = process.env.DIR;
const expected = process.env.AUTH ? 'Basic ' + Buffer.from(process.env.AUTH).toString('base64') : undefined;
const counts = {};
createServer((request, response) => {
  const path = normalize(decodeURIComponent((request.url || '/').split('?')[0]));
  if (path === '${COUNTS_PATH}') {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    return response.end(JSON.stringify(counts));
  }
  const answer = (status, headers, body) => {
    counts[path] = counts[path] || {};
    counts[path][status] = (counts[path][status] || 0) + 1;
    response.writeHead(status, headers);
    response.end(body);
  };
  if (expected && request.headers.authorization !== expected) {
    return answer(401, { 'WWW-Authenticate': 'Basic realm="charts"' }, 'unauthorized');
  }
  const file = join(dir, path);
  if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
    return answer(404, {}, 'not found');
  }
  const stat = statSync(file);
  const etag = '"' + stat.size.toString(16) + '-' + Math.floor(stat.mtimeMs).toString(16) + '"';
  const lastModified = new Date(Math.floor(stat.mtimeMs / 1000) * 1000).toUTCString();
  const validators = { ETag: etag, 'Last-Modified': lastModified };
  const ifNoneMatch = request.headers['if-none-match'];
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifNoneMatch ? ifNoneMatch.split(',').some((tag) => tag.trim() === etag) : ifModifiedSince && Date.parse(ifModifiedSince) >= Date.parse(lastModified)) {
    return answer(304, validators);
  }
  answer(200, { 'Content-Type': file.endsWith('.yaml') ? 'text/yaml' : 'application/gzip', ...validators }, readFileSync(file));
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
`;

/** A classic Helm chart repository (index.yaml and archives in `dir`) on 127.0.0.1, optionally with basic auth. */
export async function startChartRepository(dir: string, auth?: { username: string; password: string }): Promise<ChartRepositoryServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['-e', SERVER], {
    env: { PATH: process.env.PATH, DIR: dir, PORT: String(port), ...(auth ? { AUTH: `${auth.username}:${auth.password}` } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the chart repository server exited with code ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    host: `127.0.0.1:${port}`,
    requests: () => readJson<RequestCounts>(`${url}${COUNTS_PATH}`),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function readJson<T>(url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T));
      response.on('error', reject);
    }).on('error', reject);
  });
}
