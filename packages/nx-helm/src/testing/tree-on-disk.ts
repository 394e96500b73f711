import type { Tree } from '@nx/devkit';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes every file a generator created or changed in `tree` below `dir`, so real tools (helm, nx) can use them. */
export function writeTreeToDisk(tree: Tree, dir: string): void {
  for (const change of tree.listChanges()) {
    if (change.type !== 'DELETE' && change.content) {
      const path = join(dir, change.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, change.content);
    }
  }
}
