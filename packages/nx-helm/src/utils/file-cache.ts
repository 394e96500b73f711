import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A file-backed map from a content hash to what was computed from that content (a chart's project, a parsed
 * Chart.yaml), kept in Nx's workspace data folder. createNodes runs on every graph computation; with a thousand
 * charts, computing only for changed Chart.yaml files keeps it fast.
 */
export class FileCache<T> {
  private readonly entries: Record<string, T>;
  private readonly used: Record<string, T> = {};
  private dirty = false;

  constructor(private readonly file: string) {
    this.entries = readCacheFile<T>(file);
  }

  /** The entry for `key`, or undefined; does not count as a use (see save). */
  peek(key: string): T | undefined {
    return this.entries[key];
  }

  get(key: string, compute: () => T): T {
    if (!(key in this.entries)) {
      this.entries[key] = compute();
      this.dirty = true;
    }
    this.used[key] = this.entries[key];
    return this.entries[key];
  }

  /** Writes the entries used in this run (dropping stale ones), atomically. */
  save(): void {
    if (!this.dirty && Object.keys(this.used).length === Object.keys(this.entries).length) {
      return;
    }
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(this.used));
      renameSync(temp, this.file);
    } catch {
      // The cache only saves time; a read-only workspace must still produce a graph.
    }
  }
}

function readCacheFile<T>(file: string): Record<string, T> {
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>) : {};
  } catch {
    return {};
  }
}

export function hashOf(...parts: unknown[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(typeof part === 'string' ? part : (JSON.stringify(part) ?? 'undefined'));
    hash.update('\0');
  }
  return hash.digest('hex');
}
