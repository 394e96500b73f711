import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceDataDirectory } from '../config/workspace-data';
import { hashOf } from '../utils/file-cache';
import { workspaceFileWord } from '../utils/shell-word';

/**
 * Where the helm version input finds the helmPath option. Nx runs runtime inputs through a shell while it merely
 * hashes tasks, and helmPath comes from nx.json, which a pull request can change: the path never enters the command
 * line. The plugin writes it to a file in Nx's workspace data folder, named by its hash, and the command reads it
 * from there into a quoted variable, which the shell does not parse again. Returns the file as the command names it:
 * relative to the workspace (the command runs there, and stays the same in every checkout) unless the folder lies
 * elsewhere.
 */
export function writeHelmPathFile(workspaceRoot: string, helmPath: string): string {
  const dir = workspaceDataDirectory(workspaceRoot);
  const file = join(dir, `nx-helm-helm-path-${hashOf(helmPath).slice(0, 16)}`);
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== helmPath) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, helmPath);
  }
  return workspaceFileWord(workspaceRoot, file);
}
