import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { onInterrupt } from './on-interrupt';
import { isProcessAlive } from './process-alive';
import { watchResource } from './watchdog';

/**
 * nx-helm's temporary folders (staged charts, packages, registry and GnuPG configs that may hold credentials). Each is
 * removed when released, and also when the process exits or is interrupted (SIGINT, SIGTERM, SIGHUP) before that, so a
 * cancelled CI job leaves no registry config behind. A process killed outright (SIGKILL, or its parent's death) cannot
 * clean up: its folders carry its host and pid in their names, and the next nx-helm process on that host removes those
 * of dead processes (a temporary folder shared by containers or machines holds other hosts' folders, left alone).
 * Each live folder is kept with what to run before removing it on abort, and the watchdog's hold on it (see
 * watchResource).
 */
const live = new Map<string, { onAbort?: () => void; unwatch: () => void }>();
let staleRemoved = false;

/** `nx-helm-<kind>-<host>-<pid>-<random>`, as createTempDir names them (host: a short hash of the host name). */
const OWN_FOLDER = /^nx-helm-[a-z-]+?-([0-9a-f]{8})-(\d+)-[A-Za-z0-9]{6}$/;
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** Younger folders are left alone even when their pid is gone: another pid namespace may share this /tmp. */
const STALE_AFTER_MS = 5 * 60_000;

/**
 * A new temporary folder named `<prefix><host>-<pid>-<random>` (prefix e.g. `nx-helm-stage-`). `onAbort` runs (synchronously)
 * before the folder is removed when the process ends without releasing it, e.g. to log out so that credentials a
 * helper stored elsewhere (an OS keychain) go too.
 */
export function createTempDir(prefix: string, onAbort?: () => void): string {
  if (!staleRemoved) {
    staleRemoved = true;
    onInterrupt(removeAll);
    removeStaleTempDirs();
  }
  const dir = mkdtempSync(join(tmpdir(), `${prefix}${HOST}-${process.pid}-`));
  live.set(dir, { onAbort, unwatch: watchResource('dir', dir) });
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  live.get(dir)?.unwatch();
  live.delete(dir);
}

/** The host part of this host's folder names, for tests that make folders as another process would. */
export const TEMP_DIR_HOST = HOST;

/** Removes the folders that nx-helm processes which no longer run left in `dir` (default the temporary folder). */
export function removeStaleTempDirs(dir = tmpdir(), now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const [, host, pid] = OWN_FOLDER.exec(name) ?? [];
    if (host !== HOST || Number(pid) === process.pid || isProcessAlive(Number(pid))) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs < STALE_AFTER_MS) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // another user's folder, or removed meanwhile
    }
  }
  return removed;
}

function removeAll(): void {
  for (const [dir, { onAbort }] of live) {
    try {
      onAbort?.();
    } catch {
      // best effort: the folder is removed regardless
    }
    removeTempDir(dir);
  }
}
