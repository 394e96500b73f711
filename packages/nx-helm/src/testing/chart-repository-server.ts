import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './registry-server';

export interface ChartRepositoryServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  host: string;
  stop(): Promise<void>;
}

/**
 * The server, run in a process of its own: tests drive nx and helm synchronously, which would block a server in the
 * test's own event loop. Serves DIR on 127.0.0.1:PORT; with AUTH ("user:password") behind HTTP basic authentication.
 */
const SERVER = `
const { createServer } = require('node:http');
const { existsSync, readFileSync, statSync } = require('node:fs');
const { join, normalize } = require('node:path');
const dir = process.env.DIR;
const expected = process.env.AUTH ? 'Basic ' + Buffer.from(process.env.AUTH).toString('base64') : undefined;
createServer((request, response) => {
  if (expected && request.headers.authorization !== expected) {
    response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' });
    return response.end('unauthorized');
  }
  const path = normalize(decodeURIComponent((request.url || '/').split('?')[0]));
  const file = join(dir, path);
  if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404);
    return response.end('not found');
  }
  response.writeHead(200, { 'Content-Type': file.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' });
  response.end(readFileSync(file));
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
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
