import { chmodSync } from 'node:fs';
import { HelmRunner } from '../helm/helm-runner';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { publishChart } from './chart-publisher';
import { parseRegistryLocation } from './registry-reference';
import { RegistrySession } from './registry-session';
import { fileDigest } from '../utils/file-digest';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

/**
 * helm's output moved: Helm 3 and Helm <= 4.2.0 print "Digest:" on stderr (covered by the real-registry tests),
 * later versions on stdout. A stand-in helm that prints it on stdout checks that both are read.
 */
describe('publishChart output parsing', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  it('reads the digest helm prints on stdout', async () => {
    const helm = workspace.write(
      'helm',
      [
        '#!/bin/sh',
        'case "$1" in',
        '  version) echo v4.3.0 ;;',
        '  pull) echo "Error: failed to perform \\"FetchReference\\" on source: r.example/charts/web:1.0.0: not found" >&2; exit 1 ;;',
        `  push) echo "Pushed: r.example/charts/web:1.0.0"; echo "Digest: ${DIGEST}" ;;`,
        'esac',
      ].join('\n'),
    );
    chmodSync(helm, 0o755);
    const archive = workspace.write('web-1.0.0.tgz', 'archive bytes');
    const runner = await HelmRunner.create({ helmPath: helm });
    const session = await RegistrySession.open(runner, 'r.example', {});
    const result = await publishChart({
      session,
      registry: parseRegistryLocation('oci://r.example/charts', 'test'),
      chartName: 'web',
      version: '1.0.0',
      archivePath: archive,
      chartDigest: fileDigest(archive),
      chartFile: 'charts/web/Chart.yaml',
      allowOverwrite: false,
      retry: { retries: 0, initialDelayMs: 1, maxDelayMs: 1 },
      log: () => undefined,
    });
    expect(result).toMatchObject({ status: 'pushed', digest: DIGEST, reference: 'oci://r.example/charts/web:1.0.0' });
  });
});
