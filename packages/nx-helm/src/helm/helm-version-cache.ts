import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Remembers the version a helm binary reported, keyed by its path, size, inode and modification time, in the user's
 * cache folder (never a shared one, where another user could plant an answer). Every task runs in a process of its
 * own; asking helm for its version in each would add a helm process per task. A replaced binary has another key, so
 * a stale answer is never used; without a usable cache folder, helm is asked every time.
 */
export function cachedHelmVersion(
  binary: string,
  lookUp: () => Promise<string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const file = cacheFile(binary, env);
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
        mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
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

function cacheFile(binary: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    const stat = statSync(binary);
    const key = createHash('sha256').update(`${binary}\0${stat.size}\0${stat.ino}\0${stat.mtimeMs}`).digest('hex').slice(0, 32);
    return join(userCacheDirectory(env), 'nx-helm', 'helm-versions', key);
  } catch {
    return undefined;
  }
}

/** XDG_CACHE_HOME, else ~/.cache (where helm keeps its own cache too). */
export function userCacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
}
