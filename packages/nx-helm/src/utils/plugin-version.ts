import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_NAME } from '../config/constants';

/** The version in this package's package.json (0.0.0 when it cannot be read). */
export function readPluginVersion(): string {
  // Compiled files live in dist/src/utils, sources in src/utils: the package.json is two or three levels up.
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(join(__dirname, relative), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === PLUGIN_NAME && manifest.version) {
        return manifest.version;
      }
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}

/**
 * The version of this package plus the build time of this file, so caches written by another version or another
 * build (a locally rebuilt plugin keeps its version number) are not reused.
 */
export const pluginVersion = `${readPluginVersion()}+${statSync(__filename).mtimeMs}`;
