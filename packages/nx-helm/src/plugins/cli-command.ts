import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_NAME } from '../config/constants';
import { pluginPackage } from '../utils/plugin-version';
import { workspaceFileWord } from '../utils/shell-word';

/**
 * How the inferred command targets start the nx-helm CLI. By its name when the workspace's node_modules/.bin has it
 * (Nx puts that folder on the PATH of the commands it runs). Otherwise through node, by the path of this package's
 * CLI relative to the workspace: Nx's wrapper layout (`nx init` in a folder without package.json) installs plugins
 * under .nx/installation, whose .bin is on no PATH. Relative, so the command (part of each task's hash) is the same
 * in every checkout.
 */
export function cliCommand(workspaceRoot: string): string {
  if (existsSync(join(workspaceRoot, 'node_modules', '.bin', CLI_NAME))) {
    return CLI_NAME;
  }
  const found = pluginPackage();
  const bin = found?.manifest.bin?.[CLI_NAME];
  if (!found || !bin) {
    return CLI_NAME;
  }
  return `node ${workspaceFileWord(workspaceRoot, join(found.root, bin))}`;
}
