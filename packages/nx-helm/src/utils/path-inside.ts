import { sep } from 'node:path';

/** Whether `path` is `dir` or below it; both absolute and resolved the same way (e.g. both real paths). */
export function isPathInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}${sep}`);
}
