import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import { publishChart } from './chart-publisher';
import type { ChartRegistry, PublishedChart } from './chart-registry';
import { reportedDigest } from './registry-command';
import { parseRegistryLocation, type ChartReference } from './registry-reference';

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;

/** A registry in memory: what publishChart sees of a real one (tags to manifests with a chart layer). */
class FakeRegistry implements ChartRegistry {
  readonly tags = new Map<string, PublishedChart>();
  readonly pushed: string[] = [];
  async find(reference: ChartReference) {
    return this.tags.get(reference.reference);
  }
  async push(archivePath: string, reference: ChartReference) {
    const digest = digestOf(this.tags.size + 1);
    this.tags.set(reference.reference, { digest, chartDigest: fileDigest(archivePath) });
    this.archives.set(digest, archivePath);
    this.pushed.push(reference.reference);
    return digest;
  }
  readonly archives = new Map<string, string>();
  async pull(pinnedReference: string, destination: string) {
    const archivePath = join(destination, 'pulled.tgz');
    copyFileSync(this.archives.get(pinnedReference.split('@')[1])!, archivePath);
    return { archivePath };
  }
  async close() {}
}

describe('publishChart', () => {
  let workspace: TempWorkspace;
  let registry: FakeRegistry;
  beforeEach(() => {
    workspace = createTempWorkspace();
    registry = new FakeRegistry();
  });
  afterEach(() => workspace.dispose());

  const publish = (content: string, allowOverwrite = false, sameContent?: (pulled: string) => Promise<boolean>) => {
    const archivePath = workspace.write(`web-1.0.0-${content}.tgz`, content);
    return publishChart({
      registry,
      location: parseRegistryLocation('oci://r.example/charts', 'test'),
      chartName: 'web',
      version: '1.0.0',
      archivePath,
      chartDigest: fileDigest(archivePath),
      chartFile: 'charts/web/Chart.yaml',
      allowOverwrite,
      log: () => undefined,
      sameContent,
    });
  };

  it('pushes a version the registry does not have, and skips it when the same content is there', async () => {
    expect(await publish('v1')).toMatchObject({ status: 'pushed', digest: digestOf(1), reference: 'oci://r.example/charts/web:1.0.0' });
    expect(await publish('v1')).toMatchObject({ status: 'skipped', digest: digestOf(1) });
    expect(registry.pushed).toEqual(['oci://r.example/charts/web:1.0.0']);
  });

  it('refuses other content under a published version, naming the reference, both digests and the fix', async () => {
    await publish('v1');
    const error = await publish('v2').catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(NxHelmError);
    expect((error as NxHelmError).message).toMatch(
      /oci:\/\/r\.example\/charts\/web:1\.0\.0 is already published with other content .*bump `version` in charts\/web\/Chart\.yaml/,
    );
    expect(error).toMatchObject({ reference: 'oci://r.example/charts/web:1.0.0', digest: digestOf(1), file: 'charts/web/Chart.yaml' });
    expect(registry.pushed).toHaveLength(1);
  });

  it('skips other bytes whose content the caller finds the same, recording both digests', async () => {
    await publish('v1');
    const result = await publish('v1 packaged later', false, async (pulled) => readFileSync(pulled, 'utf8') === 'v1');
    expect(result).toMatchObject({
      status: 'skipped',
      digest: digestOf(1),
      chartDigest: registry.tags.get('oci://r.example/charts/web:1.0.0')!.chartDigest,
      packagedChartDigest: fileDigest(join(workspace.root, 'web-1.0.0-v1 packaged later.tgz')),
    });
    expect(registry.pushed).toHaveLength(1);
  });

  it('replaces it with allowOverwrite', async () => {
    await publish('v1');
    expect(await publish('v2', true)).toMatchObject({ status: 'pushed', digest: digestOf(2) });
  });
});

/**
 * helm's output moved: Helm 3 and Helm <= 4.2.0 print "Digest:" on stderr (covered by the real-registry tests),
 * later versions on stdout. Both are read.
 */
describe('reportedDigest', () => {
  const result = (stdout: string, stderr: string) => ({
    command: 'helm',
    args: [],
    exitCode: 0,
    stdout,
    stderr,
    failed: false,
    timedOut: false,
  });
  it('reads the digest from stdout or stderr', () => {
    expect(reportedDigest(result(`Pushed: r/web:1.0.0\nDigest: ${digestOf(7)}`, ''))).toBe(digestOf(7));
    expect(reportedDigest(result('', `Digest: ${digestOf(8)}`))).toBe(digestOf(8));
    expect(reportedDigest(result('Pushed', ''))).toBeUndefined();
  });
});
