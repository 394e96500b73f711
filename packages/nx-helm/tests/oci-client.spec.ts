import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CHART_CONFIG_MEDIA_TYPE,
  CHART_LAYER_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  OciClient,
  type OciClientOptions,
  type OciManifest,
} from '../src/registry/oci/oci-client';
import { mainHelm } from '../src/testing/helm-binaries';
import { startHttpProxy } from '../src/testing/http-proxy';
import { freePort, startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { startTokenAuthProxy, type TokenAuthProxy } from '../src/testing/token-auth-proxy';
import { NxHelmError } from '../src/utils/nx-helm-error';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const PASSWORD = 'oci-Client-s3cret-Pa55';
const FAST_RETRY = { retries: 2, initialDelayMs: 20, maxDelayMs: 50 };

let workDir: string;
beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'nx-helm-oci-client-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** An environment with an empty HOME: no login of the machine's user can leak into a test. */
function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(workDir, 'home-'));
  return {
    PATH: process.env.PATH,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    ...extra,
  };
}

function clientFor(host: string, options: Partial<OciClientOptions> = {}): OciClient {
  return new OciClient({ host, env: isolatedEnv(), retry: FAST_RETRY, ...options });
}

async function failureOf(promise: Promise<unknown>): Promise<NxHelmError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof NxHelmError)) throw new Error(`expected an NxHelmError, got ${String(error)}`);
  return error;
}

/** helm, asynchronously: the in-process test servers must keep answering while it runs. */
function helm(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(mainHelm(), args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout + stderr) : reject(new Error(`helm ${args.join(' ')} exited with ${code}: ${stderr}`)),
    );
    child.stdin.end(input);
  });
}

/** Packages a one-template chart with `helm package`; returns the archive's path. */
async function packageTinyChart(name: string, version: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = mkdtempSync(join(workDir, 'chart-'));
  mkdirSync(join(dir, name, 'templates'), { recursive: true });
  writeFileSync(join(dir, name, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  writeFileSync(
    join(dir, name, 'templates', 'configmap.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n',
  );
  await helm(['package', join(dir, name), '--destination', dir], env);
  return join(dir, `${name}-${version}.tgz`);
}

/** A Helm-chart-shaped artifact (config + chart layer) uploaded with the client; returns its manifest and blobs. */
async function pushChartArtifact(client: OciClient, repository: string, tag: string) {
  const config = Buffer.from(JSON.stringify({ apiVersion: 'v2', name: repository.split('/').pop(), version: tag }));
  const layer = randomBytes(4096);
  expect(await client.uploadBlob(repository, config)).toEqual({ digest: sha256(config), uploaded: true });
  expect(await client.uploadBlob(repository, layer)).toEqual({ digest: sha256(layer), uploaded: true });
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: { mediaType: CHART_CONFIG_MEDIA_TYPE, digest: sha256(config), size: config.length },
    layers: [
      {
        mediaType: CHART_LAYER_MEDIA_TYPE,
        digest: sha256(layer),
        size: layer.length,
        annotations: { 'org.opencontainers.image.title': 'chart.tgz' },
      },
    ],
    annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' },
  };
  const digest = await client.putManifest(repository, tag, manifest, OCI_MANIFEST_MEDIA_TYPE);
  return { manifest, digest, config, layer };
}

const portOf = (host: string) => Number(host.split(':')[1]);

describe('OciClient against a real registry (plain http)', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());

  it('uploads blobs, puts a Helm chart manifest, reads it back by tag and digest, lists tags and deletes it', async () => {
    const client = clientFor(registry.host);
    const repository = 'acme/charts/web';
    const { manifest, digest, layer, config } = await pushChartArtifact(client, repository, '1.0.0');

    expect(digest).toBe(sha256(Buffer.from(JSON.stringify(manifest))));
    expect(await registry.manifestDigest(repository, '1.0.0')).toBe(digest);

    const byTag = await client.getManifest(repository, '1.0.0');
    expect(byTag).toEqual({ digest, mediaType: OCI_MANIFEST_MEDIA_TYPE, manifest, bytes: Buffer.from(JSON.stringify(manifest)) });
    expect((await client.getManifest(repository, digest))?.digest).toBe(digest);
    expect(await client.headManifest(repository, '1.0.0')).toBe(digest);
    expect(byTag?.manifest.layers.find((entry) => entry.mediaType === CHART_LAYER_MEDIA_TYPE)?.digest).toBe(sha256(layer));
    expect(await client.getBlob(repository, sha256(layer))).toEqual(layer);
    expect(await client.getBlob(repository, sha256(config))).toEqual(config);
    expect(await client.hasBlob(repository, sha256(layer))).toBe(true);
    expect(await client.hasBlob(repository, sha256(Buffer.from('never uploaded')))).toBe(false);

    await client.putManifest(repository, '1.0.1', manifest, OCI_MANIFEST_MEDIA_TYPE);
    const other = await pushChartArtifact(client, repository, '2.0.0');
    expect((await client.listTags(repository)).sort()).toEqual(['1.0.0', '1.0.1', '2.0.0']);

    await client.deleteManifest(repository, digest);
    expect(await client.getManifest(repository, '1.0.0')).toBeUndefined();
    expect(await client.getManifest(repository, digest)).toBeUndefined();
    expect(await client.headManifest(repository, '1.0.1')).toBeUndefined();
    expect(await client.listTags(repository)).toEqual(['2.0.0']);
    expect(await client.getManifest(repository, '2.0.0')).toMatchObject({ digest: other.digest });
    // Deleting what is gone already is no error: a cache may evict an entry twice.
    await expect(client.deleteManifest(repository, digest)).resolves.toBeUndefined();
  });

  it('gives undefined for unknown tags and repositories, [] for tags of an unknown repository, and an error for a missing blob', async () => {
    const client = clientFor(registry.host, { connection: { plainHttp: true } });
    await pushChartArtifact(client, 'acme/known', '1.0.0');
    expect(await client.getManifest('acme/known', '9.9.9')).toBeUndefined();
    expect(await client.getManifest('acme/unknown', '1.0.0')).toBeUndefined();
    expect(await client.headManifest('acme/unknown', '1.0.0')).toBeUndefined();
    expect(await client.listTags('acme/unknown')).toEqual([]);
    const missing = sha256(Buffer.from('missing'));
    const error = await failureOf(client.getBlob('acme/known', missing));
    expect(error.message).toContain(
      `Downloading the blob ${registry.host}/acme/known@${missing} failed: the registry has no such blob (HTTP 404)`,
    );
  });

  it('sends the blob to a relative upload Location, keeping the upload state in its query', async () => {
    const proxy = await startHttpProxy(portOf(registry.host), {
      rewrite: (headers) => ({ ...headers, ...(headers.location ? { location: headers.location.replace(/^https?:\/\/[^/]+/, '') } : {}) }),
    });
    try {
      const data = randomBytes(256);
      expect(await clientFor(proxy.host).uploadBlob('acme/relative', data)).toEqual({ digest: sha256(data), uploaded: true });
      const put = proxy.requests.find((entry) => entry.method === 'PUT');
      expect(put?.path).toMatch(/^\/v2\/acme\/relative\/blobs\/uploads\/[0-9a-f-]+$/);
      expect(put?.query).toMatch(new RegExp(`^\\?_state=[^&]+&digest=${encodeURIComponent(sha256(data))}$`));
      expect(await clientFor(registry.host).getBlob('acme/relative', sha256(data))).toEqual(data);
    } finally {
      await proxy.stop();
    }
  });

  it('says when the registry does not allow deletion', async () => {
    const client = clientFor(registry.host);
    const { digest } = await pushChartArtifact(client, 'acme/kept', '1.0.0');
    const proxy = await startHttpProxy(portOf(registry.host), {
      intercept: (incoming, outgoing) => {
        if (incoming.method !== 'DELETE') return false;
        outgoing.writeHead(405, { 'Content-Type': 'application/json' });
        outgoing.end('{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}');
        return true;
      },
    });
    try {
      const error = await failureOf(clientFor(proxy.host).deleteManifest('acme/kept', digest));
      expect(error.message).toContain(
        `Deleting the manifest ${proxy.host}/acme/kept@${digest} failed: HTTP 405 (UNSUPPORTED: The operation is unsupported.)`,
      );
      expect(error.message).toContain(`${proxy.host} does not allow deleting manifests`);
      expect(await registry.manifestDigest('acme/kept', '1.0.0')).toBe(digest);
    } finally {
      await proxy.stop();
    }
  });

  it('does not upload a blob the repository already has', async () => {
    const client = clientFor(registry.host);
    const data = randomBytes(1024);
    expect(await client.uploadBlob('acme/dedupe', data)).toEqual({ digest: sha256(data), uploaded: true });
    expect(await client.uploadBlob('acme/dedupe', data)).toEqual({ digest: sha256(data), uploaded: false });
  });

  it('follows the Link header through every page of tags (relative and absolute links)', async () => {
    // distribution 2.8 answers every tag at once, so the proxy pages them as newer registries do.
    const pages: Record<string, { tags: string[]; link?: (host: string) => string }> = {
      '?n=2': { tags: ['t0', 't1'], link: () => '</v2/acme/paged/tags/list?last=t1&n=2>; rel="next"' },
      '?last=t1&n=2': { tags: ['t2', 't3'], link: (host) => `<http://${host}/v2/acme/paged/tags/list?last=t3&n=2>; rel="next"` },
      '?last=t3&n=2': { tags: ['t4'] },
    };
    let proxyHost = '';
    const proxy = await startHttpProxy(portOf(registry.host), {
      intercept: (incoming, outgoing) => {
        const url = new URL(incoming.url ?? '/', 'http://proxy');
        const page = url.pathname === '/v2/acme/paged/tags/list' ? pages[url.search] : undefined;
        if (!page) return false;
        outgoing.writeHead(200, { 'Content-Type': 'application/json', ...(page.link ? { Link: page.link(proxyHost) } : {}) });
        outgoing.end(JSON.stringify({ name: 'acme/paged', tags: page.tags }));
        return true;
      },
    });
    proxyHost = proxy.host;
    try {
      expect(await clientFor(proxy.host).listTags('acme/paged', 2)).toEqual(['t0', 't1', 't2', 't3', 't4']);
      expect(proxy.requests.map((entry) => entry.query)).toEqual(['?n=2', '?last=t1&n=2', '?last=t3&n=2']);
    } finally {
      await proxy.stop();
    }
  });

  it('reads a chart pushed by helm push: the chart layer digest is the sha256 of the archive', async () => {
    const env = isolatedEnv();
    const archive = await packageTinyChart('tiny', '0.1.0', env);
    await helm(['push', archive, `oci://${registry.host}/helm-pushed`, '--plain-http'], env);
    const found = await clientFor(registry.host).getManifest('helm-pushed/tiny', '0.1.0');
    expect(found?.digest).toBe(await registry.manifestDigest('helm-pushed/tiny', '0.1.0'));
    expect(found?.manifest.config.mediaType).toBe(CHART_CONFIG_MEDIA_TYPE);
    const layer = found?.manifest.layers.find((entry) => entry.mediaType === CHART_LAYER_MEDIA_TYPE);
    expect(layer?.digest).toBe(sha256(readFileSync(archive)));
    expect(await clientFor(registry.host).getBlob('helm-pushed/tiny', layer!.digest)).toEqual(readFileSync(archive));
  });

  it('says to set plainHttp when https meets a plain http registry', async () => {
    const client = clientFor(registry.host, { connection: { plainHttp: false } });
    const error = await failureOf(client.getManifest('acme/charts/web', '1.0.0'));
    expect(error.message).toContain(`Reading the manifest of ${registry.host}/acme/charts/web:1.0.0 failed: the TLS handshake failed`);
    expect(error.message).toContain(`Set plainHttp: true for "${registry.host}"`);
    expect(error.message).not.toMatch(/attempts/);
  });

  it('never sends the Authorization header along a redirect to another host, and checks the redirected content', async () => {
    const content = randomBytes(512);
    const storageHits: Array<string | undefined> = [];
    const storagePort = await freePort();
    const storage = createServer((incoming, outgoing) => {
      storageHits.push(incoming.headers.authorization);
      outgoing.end(incoming.url === '/good' ? content : Buffer.from('tampered'));
    });
    await new Promise<void>((resolve) => storage.listen(storagePort, '127.0.0.1', resolve));
    const authRegistry = await startRegistry({ auth: { username: 'u', password: PASSWORD } });
    const proxy = await startHttpProxy(portOf(authRegistry.host), {
      intercept: (incoming, outgoing) => {
        const blob = /\/blobs\/(sha256:[0-9a-f]+)$/.exec(incoming.url ?? '');
        if (incoming.method !== 'GET' || !blob || !incoming.headers.authorization) return false;
        outgoing.writeHead(307, { Location: `http://127.0.0.1:${storagePort}/${blob[1] === sha256(content) ? 'good' : 'bad'}` });
        outgoing.end();
        return true;
      },
    });
    try {
      const env = isolatedEnv({ OCI_USER: 'u', OCI_PASSWORD: PASSWORD });
      const client = clientFor(proxy.host, { env, connection: { usernameEnv: 'OCI_USER', passwordEnv: 'OCI_PASSWORD' } });
      await client.uploadBlob('acme/redirected', content);
      const other = randomBytes(16);
      await client.uploadBlob('acme/redirected', other);
      expect(await client.getBlob('acme/redirected', sha256(content))).toEqual(content);
      const error = await failureOf(client.getBlob('acme/redirected', sha256(other)));
      expect(error.message).toContain(
        `Downloading the blob ${proxy.host}/acme/redirected@${sha256(other)} failed: the content received hashes to ${sha256(Buffer.from('tampered'))}`,
      );
      expect(storageHits).toEqual([undefined, undefined]);
      expect(
        proxy.requests
          .filter((entry) => entry.method === 'GET' && entry.path.includes('/blobs/'))
          .every((entry) => entry.authorization?.startsWith('Basic ')),
      ).toBe(true);
    } finally {
      await proxy.stop();
      await authRegistry.stop();
      await new Promise((resolve) => storage.close(resolve));
    }
  });
});

describe('OciClient against a real registry (htpasswd, basic challenge)', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'pusher', password: PASSWORD } });
  });
  afterAll(() => registry.stop());

  const withVariables = (password: string, log?: (line: string) => void) =>
    clientFor(registry.host, {
      env: isolatedEnv({ OCI_TEST_USER: 'pusher', OCI_TEST_PASSWORD: password }),
      connection: { usernameEnv: 'OCI_TEST_USER', passwordEnv: 'OCI_TEST_PASSWORD' },
      log,
    });

  it('authenticates with the credentials from the configured environment variables', async () => {
    const client = withVariables(PASSWORD);
    const { digest } = await pushChartArtifact(client, 'acme/private', '1.0.0');
    expect((await client.getManifest('acme/private', '1.0.0'))?.digest).toBe(digest);
    expect(await registry.manifestDigest('acme/private', '1.0.0')).toBe(digest);
  });

  it('reports wrong credentials naming the variables, without the password anywhere', async () => {
    const lines: string[] = [];
    const wrong = 'wr0ng-Pa55-do-not-print';
    const error = await failureOf(withVariables(wrong, (line) => lines.push(line)).getManifest('acme/private', '1.0.0'));
    expect(error.message).toContain(`Reading the manifest of ${registry.host}/acme/private:1.0.0 failed: HTTP 401`);
    expect(error.message).toContain(
      `${registry.host} did not accept the user name and password from the environment variables OCI_TEST_USER and OCI_TEST_PASSWORD`,
    );
    for (const secret of [wrong, Buffer.from(`pusher:${wrong}`).toString('base64')]) {
      expect(error.message).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(secret);
    }
    expect(lines).toEqual([]);
  });

  it('says how to log in when there are no credentials at all', async () => {
    const error = await failureOf(clientFor(registry.host).getManifest('acme/private', '1.0.0'));
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain(
      `no credentials for ${registry.host} were found (not logged in): log in with \`helm registry login ${registry.host}\``,
    );
  });

  it('uses the login `helm registry login` saved, and reads a chart helm pushed with it', async () => {
    const registryConfig = join(mkdtempSync(join(workDir, 'helm-login-')), 'config.json');
    const env = isolatedEnv({ HELM_REGISTRY_CONFIG: registryConfig });
    await helm(['registry', 'login', registry.host, '--username', 'pusher', '--password-stdin', '--plain-http'], env, PASSWORD);
    expect(readFileSync(registryConfig, 'utf8')).toContain(registry.host);
    const archive = await packageTinyChart('logged', '1.2.3', env);
    await helm(['push', archive, `oci://${registry.host}/from-helm`, '--plain-http'], env);

    const client = new OciClient({ host: registry.host, env, retry: FAST_RETRY });
    const found = await client.getManifest('from-helm/logged', '1.2.3');
    expect(found?.digest).toBe(await registry.manifestDigest('from-helm/logged', '1.2.3'));
    expect(found?.manifest.layers.find((entry) => entry.mediaType === CHART_LAYER_MEDIA_TYPE)?.digest).toBe(sha256(readFileSync(archive)));
  });
});

describe('OciClient against a real registry (TLS with a self-signed CA)', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry({ tls: true });
  });
  afterAll(() => registry.stop());

  it('verifies the registry with caFile, and reads a chart helm pushed with --ca-file', async () => {
    const client = clientFor(registry.host, { connection: { caFile: registry.caFile } });
    const { digest } = await pushChartArtifact(client, 'acme/tls', '1.0.0');
    expect(await registry.manifestDigest('acme/tls', '1.0.0')).toBe(digest);
    expect((await client.getManifest('acme/tls', '1.0.0'))?.digest).toBe(digest);

    const env = isolatedEnv();
    const archive = await packageTinyChart('secure', '0.2.0', env);
    await helm(['push', archive, `oci://${registry.host}/charts`, '--ca-file', registry.caFile!], env);
    const found = await client.getManifest('charts/secure', '0.2.0');
    expect(found?.manifest.layers.find((entry) => entry.mediaType === CHART_LAYER_MEDIA_TYPE)?.digest).toBe(sha256(readFileSync(archive)));
  });

  it('says to set caFile when the certificate cannot be verified, without retrying', async () => {
    const lines: string[] = [];
    const client = clientFor(registry.host, { connection: { plainHttp: false }, log: (line) => lines.push(line) });
    const error = await failureOf(client.getManifest('acme/tls', '1.0.0'));
    expect(error.message).toContain(
      `Reading the manifest of ${registry.host}/acme/tls:1.0.0 failed: TLS verification failed: self-signed certificate`,
    );
    expect(error.message).toContain(`Set caFile for "${registry.host}" in the nx-helm "registries" option`);
    expect(lines).toEqual([]);
  });

  it('skips verification with insecureSkipTlsVerify', async () => {
    const client = clientFor(registry.host, { connection: { insecureSkipTlsVerify: true } });
    expect(await client.headManifest('acme/tls', '1.0.0')).toBe(await registry.manifestDigest('acme/tls', '1.0.0'));
  });

  it('says to set plainHttp: false when plain http (the loopback default) meets a TLS registry', async () => {
    const error = await failureOf(clientFor(registry.host).getManifest('acme/tls', '1.0.0'));
    expect(error.message).toContain('HTTP 400');
    expect(error.message).toContain(`${registry.host} speaks https, but plain http was used`);
    expect(error.message).toContain('Set plainHttp: false');
  });
});

describe('OciClient on failing connections', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());

  it('gives up on a registry that accepts connections but never answers, within the timeout per attempt', async () => {
    const held: Socket[] = [];
    const silent = createTcpServer((socket) => held.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const lines: string[] = [];
    try {
      const client = clientFor(`127.0.0.1:${port}`, {
        timeoutMs: 300,
        retry: { retries: 1, initialDelayMs: 20, maxDelayMs: 20 },
        log: (line) => lines.push(line),
      });
      const started = Date.now();
      const error = await failureOf(client.getManifest('acme/web', '1.0.0'));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error.message).toBe(
        `Reading the manifest of 127.0.0.1:${port}/acme/web:1.0.0 failed after 2 attempts: no complete response within 0.3 s.\n` +
          `Fix: 127.0.0.1:${port} or the network failed; try again later, or allow more retries (the retries option).`,
      );
      expect(lines).toHaveLength(1);
      expect(held).toHaveLength(2);
    } finally {
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('asks a registry that takes requests but never answers twice at most, in seconds, whatever the retries', async () => {
    const held: Socket[] = [];
    const silent = createTcpServer((socket) => held.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      const client = clientFor(`127.0.0.1:${port}`, { answerTimeoutMs: 200, retry: { retries: 4, initialDelayMs: 20, maxDelayMs: 20 } });
      const started = Date.now();
      const error = await failureOf(client.getManifest('acme/web', '1.0.0'));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error.message).toContain(
        `Reading the manifest of 127.0.0.1:${port}/acme/web:1.0.0 failed after 2 attempts: no answer within 0.2 s.`,
      );
      expect(error.message).toContain(`Fix: 127.0.0.1:${port} takes requests but does not answer them`);
      expect(held).toHaveLength(2);
    } finally {
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('retries 503 answers, waiting as Retry-After says but no longer than maxDelayMs, then succeeds', async () => {
    const seeded = clientFor(registry.host);
    const { digest } = await pushChartArtifact(seeded, 'acme/flaky', '1.0.0');
    const proxy = await startHttpProxy(portOf(registry.host), {
      intercept: (_incoming, outgoing, index) => {
        if (index > 2) return false;
        outgoing.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '30' });
        outgoing.end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}');
        return true;
      },
    });
    const lines: string[] = [];
    try {
      const client = clientFor(proxy.host, { retry: { retries: 3, initialDelayMs: 10, maxDelayMs: 200 }, log: (line) => lines.push(line) });
      const started = Date.now();
      expect((await client.getManifest('acme/flaky', '1.0.0'))?.digest).toBe(digest);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(proxy.requests.map((entry) => entry.path)).toEqual(Array(3).fill('/v2/acme/flaky/manifests/1.0.0'));
      expect(lines).toEqual([
        `Reading the manifest of ${proxy.host}/acme/flaky:1.0.0: attempt 1 failed (HTTP 503 (UNAVAILABLE: try later)); retrying in 0.2 s.`,
        `Reading the manifest of ${proxy.host}/acme/flaky:1.0.0: attempt 2 failed (HTTP 503 (UNAVAILABLE: try later)); retrying in 0.2 s.`,
      ]);
    } finally {
      await proxy.stop();
    }
  });

  it('retries a connection dropped without an answer', async () => {
    const seeded = clientFor(registry.host);
    const { digest } = await pushChartArtifact(seeded, 'acme/dropped', '1.0.0');
    const proxy = await startHttpProxy(portOf(registry.host), {
      intercept: (incoming, _outgoing, index) => {
        if (index > 1) return false;
        incoming.socket.destroy();
        return true;
      },
    });
    const lines: string[] = [];
    try {
      const client = clientFor(proxy.host, { log: (line) => lines.push(line) });
      expect(await client.headManifest('acme/dropped', '1.0.0')).toBe(digest);
      expect(proxy.requests).toHaveLength(2);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/attempt 1 failed \(socket hang up \(ECONNRESET\)\); retrying in 0\.0 s\.$/);
    } finally {
      await proxy.stop();
    }
  });

  it('says the credentials lack permission on 403 DENIED, without retrying', async () => {
    const proxy = await startHttpProxy(portOf(registry.host), {
      intercept: (_incoming, outgoing) => {
        outgoing.writeHead(403, { 'Content-Type': 'application/json' });
        outgoing.end('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
        return true;
      },
    });
    try {
      const error = await failureOf(
        clientFor(proxy.host).putManifest('acme/denied', '1.0.0', { schemaVersion: 2 }, OCI_MANIFEST_MEDIA_TYPE),
      );
      expect(error.message).toContain(
        `Pushing the manifest to ${proxy.host}/acme/denied:1.0.0 failed: HTTP 403 (DENIED: requested access to the resource is denied)`,
      );
      expect(error.message).toContain('write:packages for GHCR');
      expect(proxy.requests).toHaveLength(1);
    } finally {
      await proxy.stop();
    }
  });

  it('says how many attempts it made when the registry keeps failing', async () => {
    const proxy = await startHttpProxy(portOf(registry.host), {
      intercept: (_incoming, outgoing) => {
        outgoing.writeHead(502);
        outgoing.end('bad gateway');
        return true;
      },
    });
    try {
      const error = await failureOf(clientFor(proxy.host).uploadBlob('acme/down', Buffer.from('x')));
      expect(error.message).toContain(
        `Checking the blob ${proxy.host}/acme/down@${sha256(Buffer.from('x'))} failed after 3 attempts: HTTP 502.`,
      );
      expect(proxy.requests).toHaveLength(3);
    } finally {
      await proxy.stop();
    }
  });
});

describe('OciClient with docker token authentication (token proxy in front of a real registry)', () => {
  const IDENTITY_TOKEN = 'identity-token-for-tests';
  let registry: RegistryServer;
  let proxy: TokenAuthProxy;
  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startTokenAuthProxy({
      registryHost: registry.host,
      credentials: { username: 'bot', password: PASSWORD },
      readOnlyCredentials: { username: 'reader', password: 'reader-Pa55' },
      identityToken: IDENTITY_TOKEN,
    });
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });
  beforeEach(() => proxy.clearRequests());

  const withPassword = (password: string, username = 'bot') =>
    clientFor(proxy.host, {
      env: isolatedEnv({ OCI_BOT: username, OCI_BOT_PASSWORD: password }),
      connection: { usernameEnv: 'OCI_BOT', passwordEnv: 'OCI_BOT_PASSWORD' },
    });
  const tokenRequests = async () => (await proxy.requests()).filter((entry) => entry.path === '/token');

  it('fetches one token per scope and reuses it for every later request', async () => {
    const client = withPassword(PASSWORD);
    const { digest, layer } = await pushChartArtifact(client, 'acme/web', '1.0.0');
    expect(await registry.manifestDigest('acme/web', '1.0.0')).toBe(digest);
    expect((await client.getManifest('acme/web', '1.0.0'))?.digest).toBe(digest);
    expect((await client.getManifest('acme/web', '1.0.0'))?.digest).toBe(digest);
    expect(await client.headManifest('acme/web', digest)).toBe(digest);
    expect(await client.getBlob('acme/web', sha256(layer))).toEqual(layer);
    expect(await client.listTags('acme/web')).toEqual(['1.0.0']);

    expect(await tokenRequests()).toEqual([
      { method: 'GET', path: '/token', grant: 'basic', scopes: ['repository:acme/web:pull,push'] },
      { method: 'GET', path: '/token', grant: 'basic', scopes: ['repository:acme/web:pull'] },
    ]);
    const manifestReads = (await proxy.requests()).filter(
      (entry) => entry.method === 'GET' && entry.path === '/v2/acme/web/manifests/1.0.0',
    );
    // The first read is turned away (anonymous), the next two carry the token.
    expect(manifestReads).toHaveLength(3);

    await proxy.clearRequests();
    expect(await client.uploadBlob('acme/web', layer)).toEqual({ digest: sha256(layer), uploaded: false });
    expect(await proxy.requests()).toEqual([{ method: 'HEAD', path: `/v2/acme/web/blobs/${sha256(layer)}` }]);

    await client.deleteManifest('acme/web', digest);
    expect(await client.getManifest('acme/web', '1.0.0')).toBeUndefined();
    expect((await tokenRequests()).map((entry) => entry.scopes)).toEqual([['repository:acme/web:delete']]);
  });

  it('reports credentials the token service refuses, without the password', async () => {
    const wrong = 'not-the-Pa55word';
    const error = await failureOf(withPassword(wrong).getManifest('acme/web', '1.0.0'));
    expect(error.message).toContain(
      `Reading the manifest of ${proxy.host}/acme/web:1.0.0 failed: the token service ${proxy.host} answered HTTP 401 (UNAUTHORIZED: invalid credentials)`,
    );
    expect(error.message).toContain(
      'did not accept the user name and password from the environment variables OCI_BOT and OCI_BOT_PASSWORD',
    );
    expect(error.message).not.toContain(wrong);
    expect(await tokenRequests()).toEqual([{ method: 'GET', path: '/token', grant: 'basic', scopes: ['repository:acme/web:pull'] }]);
  });

  it('says the token lacks permission when a read-only user pushes (insufficient_scope)', async () => {
    const error = await failureOf(withPassword('reader-Pa55', 'reader').uploadBlob('acme/web', Buffer.from('read-only')));
    expect(error.message).toContain(
      `Uploading the blob ${proxy.host}/acme/web@${sha256(Buffer.from('read-only'))} failed: HTTP 401 (UNAUTHORIZED: authentication required)`,
    );
    expect(error.message).toContain(
      `${proxy.host} refused access with these credentials. Check that the token may pull and push this repository`,
    );
    expect(error.message).toContain('write:packages for GHCR');
    expect(error.message).not.toContain('reader-Pa55');
  });

  it('says "not logged in" when an anonymous token gets no access', async () => {
    const error = await failureOf(clientFor(proxy.host).getManifest('acme/web', '1.0.0'));
    expect(error.message).toContain('failed: HTTP 401 (UNAUTHORIZED: authentication required)');
    expect(error.message).toContain(`no credentials for ${proxy.host} were found (not logged in)`);
    expect(await tokenRequests()).toEqual([{ method: 'GET', path: '/token', grant: 'anonymous', scopes: ['repository:acme/web:pull'] }]);
  });

  it('exchanges an identity token from the docker config with the refresh-token grant', async () => {
    const env = isolatedEnv();
    mkdirSync(join(env.HOME!, '.docker'));
    writeFileSync(
      join(env.HOME!, '.docker', 'config.json'),
      JSON.stringify({ auths: { [proxy.host]: { identitytoken: IDENTITY_TOKEN } } }),
    );
    const client = new OciClient({ host: proxy.host, env, retry: FAST_RETRY });
    const { digest } = await pushChartArtifact(client, 'acme/identity', '1.0.0');
    expect(await client.headManifest('acme/identity', '1.0.0')).toBe(digest);
    expect(await tokenRequests()).toEqual([
      { method: 'POST', path: '/token', grant: 'refresh_token', scopes: ['repository:acme/identity:pull,push'] },
      { method: 'POST', path: '/token', grant: 'refresh_token', scopes: ['repository:acme/identity:pull'] },
    ]);
  });

  it('serves helm: helm registry login and helm push through the proxy, then the client reads the chart', async () => {
    const registryConfig = join(mkdtempSync(join(workDir, 'helm-token-login-')), 'config.json');
    const env = isolatedEnv({ HELM_REGISTRY_CONFIG: registryConfig });
    await helm(['registry', 'login', proxy.host, '--username', 'bot', '--password-stdin', '--plain-http'], env, PASSWORD);
    const archive = await packageTinyChart('proxied', '3.0.0', env);
    await helm(['push', archive, `oci://${proxy.host}/charts`, '--plain-http'], env);
    const helmRequests = await proxy.requests();
    expect(
      helmRequests.some(
        (entry) =>
          entry.path === '/token' &&
          entry.scopes?.some((scope) => scope.startsWith('repository:charts/proxied:') && scope.includes('push')),
      ),
    ).toBe(true);
    expect(helmRequests.some((entry) => entry.method === 'PUT' && entry.path === '/v2/charts/proxied/manifests/3.0.0')).toBe(true);

    const client = new OciClient({ host: proxy.host, env, retry: FAST_RETRY });
    const found = await client.getManifest('charts/proxied', '3.0.0');
    expect(found?.digest).toBe(await registry.manifestDigest('charts/proxied', '3.0.0'));
    expect(found?.manifest.layers.find((entry) => entry.mediaType === CHART_LAYER_MEDIA_TYPE)?.digest).toBe(sha256(readFileSync(archive)));
  });
});
