import bcrypt from 'bcryptjs';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real OCI registry (CNCF distribution, Debian's docker-registry package) on 127.0.0.1 with a free port, for tests.
 * Optionally with htpasswd authentication (bcrypt) and TLS from a self-signed certificate (its own CA).
 */
export interface RegistryServer {
  /** `127.0.0.1:<port>` */
  host: string;
  tls: boolean;
  /** The self-signed certificate, to pass as caFile. */
  caFile?: string;
  credentials?: { username: string; password: string };
  /** The registry's filesystem storage (docker/registry/v2/...), for tests that tamper with what it serves. */
  dataDir: string;
  /** The manifest digest of `<repository>:<tag>`, or undefined when it does not exist. */
  manifestDigest(repository: string, tag: string): Promise<string | undefined>;
  /** The manifest document of `<repository>:<tag>`. */
  manifest(
    repository: string,
    tag: string,
  ): Promise<{ layers: Array<{ mediaType: string; digest: string }>; annotations?: Record<string, string> }>;
  stop(): Promise<void>;
}

export interface RegistryServerOptions {
  auth?: { username: string; password: string };
  tls?: boolean;
}

const OCI_ACCEPT = 'application/vnd.oci.image.manifest.v1+json';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startRegistry(options: RegistryServerOptions = {}): Promise<RegistryServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-helm-registry-server-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config: string[] = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  let caFile: string | undefined;
  if (options.tls) {
    caFile = join(dir, 'registry.crt');
    const keyFile = join(dir, 'registry.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-keyout',
        keyFile,
        '-out',
        caFile,
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
      ],
      { stdio: 'ignore' },
    );
    config.push('  tls:', `    certificate: ${caFile}`, `    key: ${keyFile}`);
  }
  if (options.auth) {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 10)}\n`);
    config.push('auth:', '  htpasswd:', '    realm: nx-helm-test', `    path: ${htpasswd}`);
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, `${config.join('\n')}\n`);

  const child = spawn(process.env.REGISTRY_BIN ?? 'docker-registry', ['serve', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const call = (method: string, path: string, accept?: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
      const send = options.tls ? httpsRequest : httpRequest;
      const req = send(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: {
            ...(accept ? { Accept: accept } : {}),
            ...(options.auth
              ? { Authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` }
              : {}),
          },
          ...(options.tls ? { ca: readFileSync(caFile!) } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });

  await waitUntilReady(
    child,
    () => call('GET', '/v2/'),
    () => stderr,
  );
  return {
    host,
    tls: options.tls ?? false,
    caFile,
    credentials: options.auth,
    dataDir: join(dir, 'data'),
    async manifestDigest(repository, tag) {
      const response = await call('HEAD', `/v2/${repository}/manifests/${tag}`, OCI_ACCEPT);
      return response.status === 200 ? String(response.headers['docker-content-digest']) : undefined;
    },
    async manifest(repository, tag) {
      const response = await call('GET', `/v2/${repository}/manifests/${tag}`, OCI_ACCEPT);
      if (response.status !== 200) throw new Error(`GET manifest ${repository}:${tag}: HTTP ${response.status}`);
      return JSON.parse(response.body);
    },
    stop: () => stopProcess(child).then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

async function waitUntilReady(child: ChildProcess, probe: () => Promise<{ status: number }>, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`docker-registry exited with code ${child.exitCode}: ${stderr()}`);
    }
    try {
      const { status } = await probe();
      if (status === 200 || status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not become ready in 15 s: ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
