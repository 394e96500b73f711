import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders that may hold credentials. They are removed when released, and also when the process exits or
 * is interrupted (SIGINT, SIGTERM, SIGHUP) before that, so a cancelled CI job leaves no registry config behind.
 */
const live = new Map<string, (() => void) | undefined>();
let handlersInstalled = false;

/**
 * `onAbort` runs (synchronously) before the folder is removed when the process ends without releasing it, e.g. to
 * log out so that credentials a helper stored elsewhere (an OS keychain) go too.
 */
export function createSecretTempDir(prefix: string, onAbort?: () => void): string {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  live.set(dir, onAbort);
  return dir;
}

export function removeSecretTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.delete(dir);
}

function removeAll(): void {
  for (const [dir, onAbort] of live) {
    try {
      onAbort?.();
    } catch {
      // best effort: the folder is removed regardless
    }
    removeSecretTempDir(dir);
  }
}

function installHandlers(): void {
  if (handlersInstalled) {
    return;
  }
  handlersInstalled = true;
  process.once('exit', removeAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      removeAll();
      // Let the signal do what it would have done without this handler: end the process.
      process.kill(process.pid, signal);
    });
  }
}
