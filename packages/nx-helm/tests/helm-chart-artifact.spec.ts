import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HelmRunner } from '../src/helm/helm-runner';
import { helmChartArtifact } from '../src/registry/helm-chart-artifact';
import { HelmChartRegistry } from '../src/registry/helm-chart-registry';
import { chartReference, parseRegistryLocation } from '../src/registry/registry-reference';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';

/**
 * nx-helm pushes charts with its own registry client; the manifest it writes must be the one `helm push` writes for
 * the same archive, byte for byte, so that digests do not depend on which of the two published a chart. Each case is
 * packaged by helm, pushed by helm to a real registry, and compared with the artifact nx-helm builds.
 */
const CHARTS: Record<string, Record<string, string>> = {
  minimal: {
    'Chart.yaml': 'apiVersion: v2\nname: minimal\nversion: 0.1.0\n',
  },
  'every field': {
    'Chart.yaml': [
      'apiVersion: v2',
      'name: everything',
      'version: 1.2.3-rc.1+build.7',
      'appVersion: "1.10"',
      'kubeVersion: ">=1.20.0 <2.0.0"',
      'type: application',
      'deprecated: true',
      'icon: https://example.com/icon.svg?a=1&b=<2>',
      'home: https://example.com/<home>&x',
      'condition: everything.enabled',
      'tags: front,back',
      'description: |',
      '  A chart with a description',
      '  over\ttwo lines, a non-breaking\u00a0space, a zero\u200bwidth space, and ünïcödé ✓ 🚀',
      'keywords: [web, "two words", "<b>"]',
      'sources: [https://git.example.com/a, https://git.example.com/b]',
      'maintainers:',
      '  - name: Ann',
      '    email: ann@example.com',
      '  - name: Bob',
      '    url: https://bob.example.com',
      '  - email: only@example.com',
      'annotations:',
      '  org.opencontainers.image.title: not the title',
      '  org.opencontainers.image.version: not the version',
      '  org.opencontainers.image.licenses: Apache-2.0',
      '  zeta: "last"',
      '  Alpha: "line one\\nline two\\ttab \\"quoted\\" back\\\\slash <&>"',
      '  "ünï": "\u2028 and \u2029"',
      'dependencies:',
      '  - name: vendored',
      '    version: 0.1.0',
      '    condition: vendored.enabled',
      '    tags: [backend, db]',
      '    alias: first',
      '    import-values:',
      '      - data',
      '      - child: default.data',
      '        parent: myimports',
      '  - name: vendored',
      '    version: ">=0.1.0"',
      '    alias: second',
      '    repository: ""',
      '',
    ].join('\n'),
    'charts/vendored/Chart.yaml': 'apiVersion: v2\nname: vendored\nversion: 0.1.0\n',
  },
  'library with requirements.yaml (apiVersion v1)': {
    'Chart.yaml': 'apiVersion: v1\nname: legacy\nversion: 2.0.0\ndescription: An old chart\n',
    'requirements.yaml': 'dependencies:\n  - name: vendored\n    version: 0.1.0\n    repository: file://charts/vendored\n',
    'charts/vendored/Chart.yaml': 'apiVersion: v2\nname: vendored\nversion: 0.1.0\n',
  },
};

describe.each([
  ['Helm 4', mainHelm],
  ['Helm 3', helm3],
])('the chart artifact nx-helm pushes is the one %s pushes', (_label, helmBinary) => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());
  beforeEach(() => {
    workspace = createTempWorkspace();
  });
  afterEach(() => workspace.dispose());

  function packageChart(files: Record<string, string>, modified: Date): string {
    for (const [path, content] of Object.entries(files)) workspace.write(`src/${path}`, content);
    execFileSync(helmBinary(), ['package', join(workspace.root, 'src'), '--destination', join(workspace.root, 'out')], { stdio: 'pipe' });
    const archive = join(
      workspace.root,
      'out',
      readdirSync(join(workspace.root, 'out')).find((file) => file.endsWith('.tgz'))!,
    );
    utimesSync(archive, modified, modified);
    return archive;
  }

  function helmPush(archive: string, path: string, env: NodeJS.ProcessEnv = {}): string {
    const result = spawnSync(helmBinary(), ['push', archive, `oci://${registry.host}/${path}`, '--plain-http'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(result.stdout + result.stderr)?.[1];
    if (result.status !== 0 || !digest) throw new Error(`helm push failed:\n${result.stdout}${result.stderr}`);
    return digest;
  }

  it.each(Object.keys(CHARTS))('%s', async (name) => {
    const modified = new Date('2024-05-06T07:08:09.750Z');
    const archive = packageChart(CHARTS[name], modified);
    const repo = name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
    const pushed = helmPush(archive, `same/${repo}`, { TZ: 'UTC' });
    const built = await helmChartArtifact(readFileSync(archive), { created: modified, origin: archive, utcOffsetMinutes: 0 });
    if (built.digest !== pushed) {
      // Shows where the two differ.
      const base = `http://${registry.host}/v2/same/${repo}/${built.metadata.name}`;
      const manifest = await (
        await fetch(`${base}/manifests/${pushed}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })
      ).text();
      const config = await (await fetch(`${base}/blobs/${JSON.parse(manifest).config.digest}`)).text();
      expect({ manifest: built.manifest.toString(), config: built.blobs[0].toString() }).toEqual({ manifest, config });
    }
    expect(built.digest).toBe(pushed);
  });

  it('with a provenance file, and in a time zone away from UTC', async () => {
    const modified = new Date('2023-12-31T22:30:00Z');
    const archive = packageChart(CHARTS['every field'], modified);
    const provenance = '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nnot checked by helm push\n';
    writeFileSync(`${archive}.prov`, provenance);
    const pushed = helmPush(archive, 'prov', { TZ: 'Asia/Kolkata' });
    const built = await helmChartArtifact(readFileSync(archive), {
      created: modified,
      provenance: Buffer.from(provenance),
      origin: archive,
      utcOffsetMinutes: 330,
    });
    expect(JSON.parse(built.manifest.toString()).annotations['org.opencontainers.image.created']).toBe('2024-01-01T04:00:00+05:30');
    expect(JSON.parse(built.manifest.toString()).layers).toHaveLength(2);
    const base = `http://${registry.host}/v2/prov/everything`;
    const manifest = await (
      await fetch(`${base}/manifests/${pushed}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } })
    ).text();
    expect(built.manifest.toString()).toBe(manifest);
    expect(built.digest).toBe(pushed);
  });

  it('is what HelmChartRegistry pushes, and an archive of another chart is refused before anything is sent', async () => {
    const modified = new Date('2022-02-02T02:02:02Z');
    const archive = packageChart(CHARTS.minimal, modified);
    const helm = await HelmRunner.create({ helmPath: helmBinary() });
    const registryClient = new HelmChartRegistry(helm, registry.host, { plainHttp: true });
    const location = parseRegistryLocation(`oci://${registry.host}/ours`, 'the test');
    const digest = await registryClient.push(archive, chartReference(location, 'minimal', '0.1.0'));
    expect(digest).toBe((await helmChartArtifact(readFileSync(archive), { created: modified, origin: archive })).digest);
    expect(await registry.manifestDigest('ours/minimal', '0.1.0')).toBe(digest);
    await expect(registryClient.push(archive, chartReference(location, 'other', '0.1.0'))).rejects.toThrow(
      `${archive} holds the chart minimal 0.1.0, not the one to push to oci://${registry.host}/ours/other:0.1.0. Package the chart again.`,
    );
    expect(await registry.manifestDigest('ours/other', '0.1.0')).toBeUndefined();
  });
});
