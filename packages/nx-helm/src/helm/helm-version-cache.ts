import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Remembers the version a helm binary reported, keyed by its path, size, inode and modification time, in the
 * temporary folder. Every task runs in a process of its own; asking helm for its version in each would add a helm
 * process per task. A replaced binary has another key, so a stale answer is never used.
 */
export function cachedHelmVersion(binary: string, lookUp: () => Promise<string | undefined>): Promise<string | undefined> {
  const file = cacheFile(binary);
  if (file) {
    try {
      const cached = readFileSync(file, 'utf8').trim();
      if (cached) return Promise.resolve(cached);
    } catch {
      // not cached yet
    }
  }
  return lookUp().then((version) => {
    if (version && file) {
      try {
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, version);
        renameSync(temp, file);
      } catch {
        // the cache only saves a process; a read-only temporary folder must not fail the task
      }
    }
    return version;
  });
}

function cacheFile(binary: string): string | undefined {
  try {
    const stat = statSync(binary);
    const key = createHash('sha256').update(`${binary}\0${stat.size}\0${stat.ino}\0${stat.mtimeMs}`).digest('hex').slice(0, 32);
    return join(tmpdir(), `nx-helm-helm-version-${key}`);
  } catch {
    return undefined;
  }
}
