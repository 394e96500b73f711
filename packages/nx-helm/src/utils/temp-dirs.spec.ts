import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempDir, removeStaleTempDirs, removeTempDir, TEMP_DIR_HOST } from './temp-dirs';

describe('temporary folders', () => {
  let parent: string;
  beforeEach(() => {
    parent = mkdtempSync(join(tmpdir(), 'temp-dirs-spec-'));
  });
  afterEach(() => rmSync(parent, { recursive: true, force: true }));

  const folder = (name: string, ageMs: number) => {
    const path = join(parent, name);
    mkdirSync(path);
    const time = new Date(Date.now() - ageMs);
    utimesSync(path, time, time);
    return path;
  };

  it('carry the pid of their process in their names', () => {
    const dir = createTempDir('nx-helm-spec-');
    try {
      expect(dir).toMatch(new RegExp(`nx-helm-spec-${TEMP_DIR_HOST}-${process.pid}-[A-Za-z0-9]{6}$`));
    } finally {
      removeTempDir(dir);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('of processes that no longer run are removed by the next one, and no others', () => {
    const deadPid = spawnSync('true').pid!;
    const live = spawn('sleep', ['30']);
    try {
      const host = TEMP_DIR_HOST;
      const stale = folder(`nx-helm-registry-${host}-${deadPid}-aB3dE6`, 10 * 60_000);
      const young = folder(`nx-helm-stage-${host}-${deadPid}-Zz9Yy8`, 1_000);
      const ownFolder = folder(`nx-helm-stage-${host}-${process.pid}-Qq1Ww2`, 10 * 60_000);
      const running = folder(`nx-helm-stage-${host}-${live.pid}-Ee3Rr4`, 10 * 60_000);
      const otherHost = folder(`nx-helm-stage-0badc0de-${deadPid}-Uu7Ii8`, 10 * 60_000);
      const unrelated = folder(`other-tool-${deadPid}-Tt5Yy6`, 10 * 60_000);
      expect(removeStaleTempDirs(parent)).toEqual([stale]);
      expect([stale, young, ownFolder, running, otherHost, unrelated].map(existsSync)).toEqual([false, true, true, true, true, true]);
    } finally {
      live.kill();
    }
  });
});
