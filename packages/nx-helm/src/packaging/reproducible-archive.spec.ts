import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { makeArchiveReproducible } from './reproducible-archive';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('makeArchiveReproducible', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  /** A tar.gz made by GNU tar, with the given file mtime, owner and path prefix. */
  function archive(name: string, mtime: number, owner: string): string {
    const dir = `src-${name}`;
    workspace.write(`${dir}/chart/Chart.yaml`, 'apiVersion: v2\nname: chart\nversion: 1.0.0\n');
    workspace.write(`${dir}/chart/templates/${'long-'.repeat(25)}name.yaml`, 'kind: ConfigMap\n');
    for (const file of ['chart/Chart.yaml', `chart/templates/${'long-'.repeat(25)}name.yaml`]) {
      utimesSync(join(workspace.root, dir, file), mtime, mtime);
    }
    const target = join(workspace.root, `${name}.tgz`);
    // Entries in a different order per archive: the rewrite must not depend on it.
    const files = ['chart/Chart.yaml', `chart/templates/${'long-'.repeat(25)}name.yaml`];
    execFileSync('tar', [
      '-czf',
      target,
      `--owner=${owner}`,
      '--group=staff',
      '-C',
      join(workspace.root, dir),
      ...(owner === 'bob' ? files.reverse() : files),
    ]);
    return target;
  }

  it('gives the same bytes for the same content whatever the mtimes, owners and gzip header were', async () => {
    const a = archive('a', 1_600_000_000, 'alice');
    const b = archive('b', 1_700_000_000, 'bob');
    expect(sha256(a)).not.toBe(sha256(b));
    const timestamp = new Date('2024-05-01T10:00:00Z');
    await makeArchiveReproducible(a, timestamp);
    await makeArchiveReproducible(b, timestamp);
    expect(sha256(a)).toBe(sha256(b));
    expect(statSync(a).mtime.toISOString()).toBe('2024-05-01T10:00:00.000Z');
  });

  it('keeps every entry and its content, sorted by path, with the timestamp and no owner', async () => {
    const a = archive('a', 1_600_000_000, 'alice');
    await makeArchiveReproducible(a, new Date('2024-05-01T10:00:00Z'));
    const listing = execFileSync('tar', ['-tvzf', a, '--utc'], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toHaveLength(2);
    expect(listing[0]).toMatch(/^-rw-r--r-- 0\/0 +42 2024-05-01 10:00 chart\/Chart\.yaml$/);
    expect(listing[1]).toMatch(/chart\/templates\/(long-){25}name\.yaml$/);
    expect(execFileSync('tar', ['-xzOf', a, 'chart/Chart.yaml'], { encoding: 'utf8' })).toBe(
      'apiVersion: v2\nname: chart\nversion: 1.0.0\n',
    );
    // The gzip header carries no time and "unknown" as its operating system.
    expect([...readFileSync(a).subarray(4, 10)]).toEqual([0, 0, 0, 0, 2, 255]);
  });

  it('changes the bytes when the timestamp changes', async () => {
    const a = archive('a', 1_600_000_000, 'alice');
    const b = archive('b', 1_600_000_000, 'alice');
    await makeArchiveReproducible(a, new Date('2024-05-01T10:00:00Z'));
    await makeArchiveReproducible(b, new Date('2024-05-02T10:00:00Z'));
    expect(sha256(a)).not.toBe(sha256(b));
  });
});
