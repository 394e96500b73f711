import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PushRecord } from '../src/registry/chart-publisher';
import type { ReleaseLineage } from '../src/commands/release-assets';
import { mainHelm } from '../src/testing/helm-binaries';
import { createPackedWorkspace, NX_VERSIONS, nxJsonWithPlugin, type PackedWorkspace } from '../src/testing/packed-workspace';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { generateSigningKey, type TestSigningKey } from '../src/testing/signing-keys';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

const CHARTS = ['app-a', 'app-b', 'lib', 'stack', 'tools'];
const initialVersion = (chart: string) => (chart === 'lib' ? '1.2.0' : '0.1.0');

/** app-a as people write Chart.yaml: comments, quoting, an appVersion. nx release must change two values only. */
const APP_A = `# app-a: the first application.
apiVersion: v2
name: app-a
description: 'First app'   # quoted on purpose
type: application

# Chart version, bumped by nx release.
version: 0.1.0 # semver
appVersion: "1.0.0"
dependencies:
  # Helpers from the library.
  - name: lib
    version: "~1.2.0"    # a range
    repository: file://../lib
`;

function succeeded(result: { status: number | null; output: string }): void {
  expect({ status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, output: '' });
}

/**
 * `nx release` for charts, the way a user runs it: the packed plugin in a git repository set up by
 * `nx g nx-helm:init --release`, a real registry, GPG-signed packages. GitHub releases are switched off here, as
 * GitHub's API cannot run on this machine (the generator's own test checks that init asks for them).
 */
describe.each(NX_VERSIONS)('nx release with Nx $nx', (versions) => {
  let registry: RegistryServer;
  let workspace: PackedWorkspace;
  let keys: TempWorkspace;
  let signer: TestSigningKey;
  const env = () => ({ TEST_SIGNING_PASSPHRASE: signer.passphrase });
  const nx = (...args: string[]) => workspace.nx(args, env());
  const read = (path: string) => readFileSync(join(workspace.root, path), 'utf8');
  const version = (chart: string) => /^version: (\S+)/m.exec(read(`charts/${chart}/Chart.yaml`))![1];
  const pushRecord = (chart: string) => JSON.parse(read(`dist/charts/${chart}/push.json`)) as PushRecord;
  const tags = () => workspace.git('tag', '--list').split('\n').filter(Boolean).sort();

  beforeAll(async () => {
    registry = await startRegistry();
    keys = createTempWorkspace('nx-helm-release-keys-');
    signer = generateSigningKey(keys.root, 'charts@example.com', 'release-Pa55phrase');
    const registryUrl = `oci://${registry.host}/charts`;
    workspace = createPackedWorkspace(versions, `nx-helm-release-${versions.nx}-`, (files) => {
      files.write(
        'nx.json',
        nxJsonWithPlugin({
          registry: registryUrl,
          sign: { key: signer.email, keyring: signer.secretKeyring, passphraseEnv: 'TEST_SIGNING_PASSPHRASE' },
        }),
      );
      writeChart(files, 'charts/lib', { name: 'lib', type: 'library', version: '1.2.0' });
      writeChart(files, 'charts/app-a', { name: 'app-a' });
      files.write('charts/app-a/Chart.yaml', APP_A);
      writeChart(files, 'charts/app-b', {
        name: 'app-b',
        dependencies: [{ name: 'lib', version: '1.2.0', repository: 'file://../lib' }],
      });
      // The umbrella takes its siblings from the registry they are published to: a range and a pin.
      writeChart(files, 'charts/stack', {
        name: 'stack',
        dependencies: [
          { name: 'app-a', version: '^0.1.0', repository: registryUrl },
          { name: 'app-b', version: '0.1.0', repository: registryUrl },
        ],
      });
      writeChart(files, 'charts/tools', { name: 'tools' });
      files.write('charts/tools/README.md', '# tools\n\nSmall tools.\n');
      files.write('charts/tools/LICENSE', 'MIT License\n');
    });
    const init = nx('g', 'nx-helm:init', '--release', '--skipInstall');
    succeeded(init);
    const nxJson = JSON.parse(read('nx.json'));
    expect(nxJson.release.groups.charts.changelog.createRelease).toBe('github');
    nxJson.release.groups.charts.changelog.createRelease = false;
    writeFileSync(join(workspace.root, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
    workspace.commit('chore: set up nx release');
    // The charts were released before: each version has its tag.
    for (const chart of CHARTS) workspace.git('tag', `${chart}-v${initialVersion(chart)}`);
  });
  afterAll(async () => {
    await registry.stop();
    workspace.dispose();
    keys.dispose();
  });

  it('nx release version --specifier minor on the library bumps it and, through the graph, every dependent', () => {
    const before = Object.fromEntries(CHARTS.map((chart) => [chart, read(`charts/${chart}/Chart.yaml`)]));
    const result = nx('release', 'version', '--specifier', 'minor', '--projects=lib');
    succeeded(result);
    try {
      expect(version('lib')).toBe('1.3.0');
      // Only the version and the range that no longer accepts 1.3.0 changed; comments, quotes and appVersion stay.
      expect(read('charts/app-a/Chart.yaml')).toBe(
        APP_A.replace('version: 0.1.0 # semver', 'version: 0.1.1 # semver').replace('version: "~1.2.0"', 'version: "~1.3.0"'),
      );
      // A pin follows the new version.
      expect(read('charts/app-b/Chart.yaml')).toBe(
        before['app-b'].replace('version: 0.1.0', 'version: 0.1.1').replace('version: "1.2.0"', 'version: "1.3.0"'),
      );
      // The umbrella is released with them: its range ^0.1.0 accepts app-a 0.1.1 and stays; its pin on app-b moves.
      expect(read('charts/stack/Chart.yaml')).toBe(
        before.stack
          .replace('version: 0.1.0', 'version: 0.1.1')
          .replace('- name: app-b\n    version: "0.1.0"', '- name: app-b\n    version: "0.1.1"'),
      );
      expect(read('charts/stack/Chart.yaml')).toContain('version: "^0.1.0"');
      expect(read('charts/tools/Chart.yaml')).toBe(before.tools);
      expect(result.output).toContain('Updated lib in charts/app-a/Chart.yaml from "~1.2.0" to "~1.3.0"');
      expect(result.output).toContain('Kept the constraint "^0.1.0" on app-a in charts/stack/Chart.yaml: it accepts 0.1.1');
    } finally {
      // nx release version stages what it changed.
      workspace.git('reset', '-q', '--hard', 'HEAD');
    }
  });

  it('--dry-run changes nothing on disk, in git or in the registry', async () => {
    const head = workspace.git('rev-parse', 'HEAD');
    const result = nx('release', '--specifier', 'minor', '--projects=lib', '--dry-run', '--yes');
    succeeded(result);
    expect(result.output).toContain(
      `Dry run: would lint, package and push lib 1.2.0 (the version in Chart.yaml) to oci://${registry.host}/charts/lib:1.2.0.`,
    );
    expect(workspace.git('status', '--porcelain')).toBe('');
    expect(workspace.git('rev-parse', 'HEAD')).toBe(head);
    expect(tags()).toEqual(CHARTS.map((chart) => `${chart}-v${initialVersion(chart)}`));
    for (const chart of CHARTS) {
      expect(await registry.manifestDigest(`charts/${chart}`, initialVersion(chart))).toBeUndefined();
    }
    // Nothing was linted or packaged either.
    expect(existsSync(join(workspace.root, 'dist'))).toBe(false);
  });

  it('nx release publish pushes every chart with its digest and a summary; a re-run skips them all', async () => {
    const result = nx('release', 'publish');
    succeeded(result);
    for (const chart of CHARTS) {
      const record = pushRecord(chart);
      const at = initialVersion(chart);
      expect(record).toMatchObject({ status: 'pushed', version: at });
      expect(record.digest).toBe(await registry.manifestDigest(`charts/${chart}`, at));
      expect(result.output).toMatch(
        new RegExp(
          `^ {2}${chart} +${at.replace(/\./g, '\\.')} +pushed +oci://\\S+/charts/${chart}:${at.replace(/\./g, '\\.')}@sha256:[0-9a-f]{64}$`,
          'm',
        ),
      );
    }
    expect(result.output).toContain('nx-helm: 5 charts published for the release (5 pushed):');
    const again = nx('release', 'publish');
    succeeded(again);
    expect(again.output).toContain('nx-helm: 5 charts published for the release (5 skipped):');
    for (const chart of CHARTS) expect(pushRecord(chart).status).toBe('skipped');
  });

  it('with currentVersionResolver "registry", the current version is the highest version published', () => {
    const nxJson = JSON.parse(read('nx.json'));
    // Nx's conventionalCommits shorthand sets the resolver itself: it is one or the other.
    delete nxJson.release.groups.charts.version.conventionalCommits;
    nxJson.release.groups.charts.version.currentVersionResolver = 'registry';
    writeFileSync(join(workspace.root, 'nx.json'), JSON.stringify(nxJson, null, 2));
    // The registry has tools 0.1.0 only; Chart.yaml says otherwise, which the registry resolver does not read.
    workspace.write('charts/tools/Chart.yaml', read('charts/tools/Chart.yaml').replace(/^version: \S+/m, 'version: 0.0.7'));
    try {
      const result = nx('release', 'version', '--specifier', 'patch', '--projects=tools', '--dry-run');
      succeeded(result);
      expect(result.output).toContain(
        `Resolved the current version as 0.1.0 from the remote registry: ${registry.host}/charts/tools (highest of 1 version tags)`,
      );
      expect(result.output).toMatch(/get new version 0\.1\.1/);
    } finally {
      workspace.git('reset', '-q', '--hard', 'HEAD');
    }
  });

  it('a conventional commit releases only the chart it touches: version, changelog, tag, publish', async () => {
    const others = Object.fromEntries(
      CHARTS.filter((chart) => chart !== 'tools').map((chart) => [chart, read(`charts/${chart}/Chart.yaml`)]),
    );
    workspace.write(
      'charts/tools/templates/extra.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  a: b\n',
    );
    workspace.commit('fix(tools): add the extra config map');
    const result = nx('release', '--yes');
    succeeded(result);
    expect(version('tools')).toBe('0.1.1');
    for (const [chart, text] of Object.entries(others)) expect(read(`charts/${chart}/Chart.yaml`)).toBe(text);
    const changelog = read('charts/tools/CHANGELOG.md');
    expect(changelog).toMatch(/^## 0\.1\.1 \(\d{4}-\d{2}-\d{2}\)/m);
    expect(changelog).toContain('add the extra config map');
    expect(existsSync(join(workspace.root, 'CHANGELOG.md'))).toBe(false);
    expect(
      CHARTS.filter((chart) => chart !== 'tools').some((chart) => existsSync(join(workspace.root, `charts/${chart}/CHANGELOG.md`))),
    ).toBe(false);
    expect(tags()).toContain('tools-v0.1.1');
    expect(workspace.git('tag', '--points-at', 'HEAD')).toBe('tools-v0.1.1');
    expect(workspace.git('status', '--porcelain')).toBe('');
    expect(pushRecord('tools')).toMatchObject({
      status: 'pushed',
      version: '0.1.1',
      digest: await registry.manifestDigest('charts/tools', '0.1.1'),
    });
    // Nx publishes every chart of the group: the ones not released are skipped as published.
    expect(result.output).toContain('nx-helm: 5 charts published for the release (1 pushed, 4 skipped):');
  });

  it('release-assets writes the released package, its signature, lineage, documents and notes', async () => {
    const out = spawnSync(
      process.execPath,
      [
        join(workspace.root, 'node_modules/nx-helm/dist/src/cli/main.js'),
        'release-assets',
        'charts/tools',
        '--ci-run-url=https://ci.example.com/runs/7',
      ],
      {
        cwd: workspace.root,
        encoding: 'utf8',
        env: { ...process.env, GITHUB_RUN_ID: undefined },
      },
    );
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
    const dir = join(workspace.root, 'dist/release-assets/charts/tools');
    expect(readdirSync(dir).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', 'lineage.json', 'release-notes.md', 'tools-0.1.1.tgz', 'tools-0.1.1.tgz.prov'].sort(),
    );
    const archive = readFileSync(join(dir, 'tools-0.1.1.tgz'));
    const sha256 = createHash('sha256').update(archive).digest('hex');
    const digest = await registry.manifestDigest('charts/tools', '0.1.1');
    const manifest = await registry.manifest('charts/tools', '0.1.1');
    // The asset is the very archive in the registry.
    expect(manifest.layers.find((layer) => layer.mediaType === 'application/vnd.cncf.helm.chart.content.v1.tar+gzip')!.digest).toBe(
      `sha256:${sha256}`,
    );
    const lineage = JSON.parse(readFileSync(join(dir, 'lineage.json'), 'utf8')) as ReleaseLineage;
    expect(lineage).toEqual({
      chart: 'tools',
      version: '0.1.1',
      tag: 'tools-v0.1.1',
      reference: `oci://${registry.host}/charts/tools:0.1.1`,
      digest,
      archiveSha256: sha256,
      gitCommit: workspace.git('rev-parse', 'HEAD'),
      signatures: { provenance: 'tools-0.1.1.tgz.prov', cosign: false },
      ciRunUrl: 'https://ci.example.com/runs/7',
      publishedAt: pushRecord('tools').time,
    });
    // The provenance asset verifies with the signer's public key.
    const verified = execFileSync(mainHelm(), ['verify', join(dir, 'tools-0.1.1.tgz'), '--keyring', signer.publicKeyring], {
      encoding: 'utf8',
    });
    expect(verified).toContain('Signed by');
    expect(readFileSync(join(dir, 'CHANGELOG.md'), 'utf8')).toBe(read('charts/tools/CHANGELOG.md'));
    const notes = readFileSync(join(dir, 'release-notes.md'), 'utf8');
    expect(notes).toMatch(/^# tools 0\.1\.1\n/);
    expect(notes).toContain('add the extra config map');
    expect(notes).not.toContain('## 0.1.1');
    expect(notes).toContain(`helm install tools oci://${registry.host}/charts/tools --version 0.1.1`);
    expect(notes).toContain(`helm install tools oci://${registry.host}/charts/tools@${digest}`);
    expect(notes).toContain(`echo "${sha256}  tools-0.1.1.tgz" | sha256sum --check`);
    expect(notes).toContain('helm verify tools-0.1.1.tgz --keyring <public keyring>');
  });

  it('a chart that cannot be published fails the release publish with a summary of what the registry holds', async () => {
    const bump = (chart: string, to: string) =>
      writeFileSync(
        join(workspace.root, `charts/${chart}/Chart.yaml`),
        read(`charts/${chart}/Chart.yaml`).replace(/^version: \S+/m, `version: ${to}`),
      );
    bump('app-a', '0.1.5');
    bump('tools', '0.1.9');
    mkdirSync(join(workspace.root, 'charts/tools/templates'), { recursive: true });
    workspace.write('charts/tools/templates/broken.yaml', 'broken: {{ .Values.missing.deep }}\n');
    const result = nx('release', 'publish', '--projects=app-a,tools');
    expect(result.status === 0 ? result.output : 'failed').toBe('failed');
    expect(result.output).toContain('nx-helm: the release is published only in part (1 pushed, 1 failed):');
    expect(result.output).toMatch(/^ {2}app-a +0\.1\.5 +pushed +oci:\/\/\S+@sha256:[0-9a-f]{64}$/m);
    expect(result.output).toMatch(/^ {2}tools +failed +see its output above$/m);
    expect(result.output).toContain('nil pointer evaluating interface {}.deep');
    expect(result.output).toContain('Fix the failures and run `nx release publish` again');
    expect(await registry.manifestDigest('charts/app-a', '0.1.5')).toBeDefined();
    expect(await registry.manifestDigest('charts/tools', '0.1.9')).toBeUndefined();
    workspace.git('reset', '-q', '--hard', 'HEAD');
    workspace.git('clean', '-fdq', 'charts');
  });
});
