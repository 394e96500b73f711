import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';

/** Whether a process runs: a killed child whose parent is gone may stay a zombie until it is reaped, which is not running. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const WATCHDOG = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/utils/watchdog.js');

/**
 * The watchdog of the built package, in a process whose main thread then never yields (as a pathological input could
 * make it): the deadline still ends the process, its child and temporary folder go too, and stderr says why.
 */
describe('the watchdog', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'nx-helm-watchdog-test-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const script = (deadlineMs: number, busy: boolean) => `
    const { watchDeadline, watchResource } = require(${JSON.stringify(WATCHDOG)});
    const { spawn } = require('node:child_process');
    const { mkdirSync, writeFileSync } = require('node:fs');
    const stop = watchDeadline(Date.now() + ${deadlineMs}, 'nx-helm lint failed for web: the command did not finish in time');
    const child = spawn('sleep', ['120'], { stdio: 'ignore' });
    watchResource('pid', child.pid);
    mkdirSync(${JSON.stringify(join(dir, 'staged'))});
    watchResource('dir', ${JSON.stringify(join(dir, 'staged'))});
    writeFileSync(${JSON.stringify(join(dir, 'child.pid'))}, String(child.pid));
    setTimeout(() => {
      ${busy ? 'const end = Date.now() + 120000; while (Date.now() < end) {}' : 'stop(); child.kill(); console.log("done");'}
    }, 200);
  `;

  it('ends a process whose main thread stays busy past its deadline, after stopping its child and removing its folder', () => {
    const started = Date.now();
    const result = spawnSync(process.execPath, ['-e', script(1000, true)], { encoding: 'utf8', timeout: 90_000 });
    const elapsed = Date.now() - started;
    // Killed by the watchdog (deadline 1 s plus its 5 s grace), long before the busy loop's 120 s or this test's bound.
    expect(result.signal).toBe('SIGKILL');
    expect(elapsed).toBeLessThan(30_000);
    expect(result.stderr).toContain('nx-helm lint failed for web: the command did not finish in time');
    expect(result.stderr).toContain('a step kept nx-helm busy past its deadline; it was stopped');
    expect(existsSync(join(dir, 'staged'))).toBe(false);
    expect(running(Number(readFileSync(join(dir, 'child.pid'), 'utf8')))).toBe(false);
  }, 120_000);

  it('leaves a process alone that finishes, and does not keep it alive', () => {
    const result = spawnSync(process.execPath, ['-e', script(60_000, false)], { encoding: 'utf8', timeout: 30_000 });
    expect({ status: result.status, signal: result.signal, stdout: result.stdout.trim() }).toEqual({
      status: 0,
      signal: null,
      stdout: 'done',
    });
    expect(existsSync(join(dir, 'staged'))).toBe(true);
  });
});
