import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageChart } from '../src/commands/package';
import { chartContentDigest } from '../src/packaging/reproducible-archive';
import { mainHelm } from '../src/testing/helm-binaries';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { fileDigest } from '../src/utils/file-digest';
import { quietLogger } from '../src/testing/memory-logger';

/** The content digest push compares when archive digests differ: blind to packaging times, not to content. */
describe('chartContentDigest (real helm packages)', () => {
  let workspace: TempWorkspace;
  const packageAt = async (epoch: string, chart = 'charts/umbrella') => {
    const result = await packageChart({
      workspaceRoot: workspace.root,
      chartRoot: chart,
      log: quietLogger,
      env: { ...process.env, HELM_BIN: mainHelm(), SOURCE_DATE_EPOCH: epoch },
    });
    const copy = join(workspace.root, `${epoch}-${result.chart}.tgz`);
    copyFileSync(result.archivePath, copy);
    return copy;
  };

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-content-digest-');
    writeChart(workspace, 'charts/lib', { name: 'lib', type: 'library' });
    writeChart(workspace, 'charts/umbrella', {
      name: 'umbrella',
      dependencies: [{ name: 'lib', version: '^0.1.0', repository: 'file://../lib' }],
    });
  });
  afterEach(() => workspace.dispose());

  it('is the same for an umbrella packaged at two times (its subchart archives and lock included)', async () => {
    const early = await packageAt('1600000000');
    const late = await packageAt('1700000000');
    expect(fileDigest(early)).not.toBe(fileDigest(late));
    expect(await chartContentDigest(late)).toBe(await chartContentDigest(early));
  });

  it('differs when a byte of a file of the chart or of a subchart differs', async () => {
    const digests = [await chartContentDigest(await packageAt('1600000000'))];
    // Same names and sizes each time: only bytes change.
    workspace.write('charts/umbrella/values.yaml', 'greeting: jello\n');
    digests.push(await chartContentDigest(await packageAt('1600000000')));
    workspace.write('charts/lib/values.yaml', 'greeting: jello\n');
    digests.push(await chartContentDigest(await packageAt('1700000000')));
    expect(new Set(digests).size).toBe(3);
  });
});
