import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { isProcessAlive } from './process-alive';

export interface FileLockOptions {
  /**
   * A lock whose file has not been touched for this long is taken over: its holder was killed. The holder touches it
   * while it works, so this is about the longest pause of a live holder (e.g. one request), not its whole work.
   */
  staleAfterMs: number;
  /** How often a waiting caller looks again; default 100 ms. */
  pollMs?: number;
}

/**
 * Runs `work` holding the lock `lockFile` (created with the `wx` flag, so that processes, and concurrent calls of one
 * process alike, exclude each other through the file system). While another holds it, `ready()` is asked at every
 * poll: a value ends the wait without taking the lock, for the case where the holder produced what this caller needs.
 * A holder that died (its file untouched for `staleAfterMs`, or its process gone on this machine) is taken over; two
 * callers taking over at the same moment can both run `work`, so `work` must stay correct when run twice.
 */
export async function withFileLock<T>(
  lockFile: string,
  work: () => Promise<T>,
  options: FileLockOptions & { ready?: () => T | undefined },
): Promise<T> {
  const pollMs = options.pollMs ?? 100;
  for (;;) {
    const token = tryLock(lockFile);
    if (token) {
      // Touching the file tells waiters the holder is alive, however long the work takes.
      const heartbeat = setInterval(() => touch(lockFile), Math.max(50, Math.min(1000, options.staleAfterMs / 3)));
      heartbeat.unref();
      try {
        return await work();
      } finally {
        clearInterval(heartbeat);
        release(lockFile, token);
      }
    }
    const value = options.ready?.();
    if (value !== undefined) return value;
    if (isStale(lockFile, options.staleAfterMs)) {
      takeOver(lockFile, options.staleAfterMs);
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Creates the lock file, or returns undefined when it exists; the token tells this holder's file from a successor's. */
function tryLock(lockFile: string): string | undefined {
  const token = randomBytes(8).toString('hex');
  let fd: number;
  try {
    fd = openSync(lockFile, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), token }));
  } finally {
    closeSync(fd);
  }
  return token;
}

function touch(lockFile: string): void {
  try {
    const now = new Date();
    utimesSync(lockFile, now, now);
  } catch {
    // taken over meanwhile: the work goes on, at worst twice
  }
}

/** Removes the lock unless another caller has taken it over meanwhile (then the file is theirs). */
function release(lockFile: string, token: string): void {
  if (readHolder(lockFile)?.token === token) rmSync(lockFile, { force: true });
}

function isStale(lockFile: string, staleAfterMs: number): boolean {
  let modified: number;
  try {
    modified = statSync(lockFile).mtimeMs;
  } catch {
    return false; // released meanwhile: the next attempt takes it
  }
  if (Date.now() - modified > staleAfterMs) return true;
  const holder = readHolder(lockFile);
  return holder !== undefined && holder.host === hostname() && !isProcessAlive(holder.pid);
}

/**
 * Moves the stale file aside before deleting it, so that of several waiters that found it stale only one removes it.
 * A waiter that checked just before a quicker one replaced the stale lock by its own moves that fresh lock aside
 * instead: it sees so and links it back.
 */
function takeOver(lockFile: string, staleAfterMs: number): void {
  const aside = `${lockFile}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(lockFile, aside);
  } catch {
    return; // another waiter moved it first
  }
  if (!isStale(aside, staleAfterMs)) {
    try {
      linkSync(aside, lockFile);
    } catch {
      // yet another lock exists by now: at worst the work runs twice
    }
  }
  rmSync(aside, { force: true });
}

function readHolder(lockFile: string): { pid: number; host: string; token: string } | undefined {
  try {
    const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: unknown; host?: unknown; token?: unknown };
    return typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.token === 'string'
      ? { pid: holder.pid, host: holder.host, token: holder.token }
      : undefined;
  } catch {
    return undefined; // gone, or being written: judged by its age alone
  }
}
