import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PLUGIN_NAME } from '../config/constants';

interface PluginManifest {
  name?: string;
  version?: string;
  bin?: Record<string, string>;
}

/** This package's folder and package.json, or undefined when it cannot be read. */
export function pluginPackage(): { root: string; manifest: PluginManifest } | undefined {
  // Compiled files live in dist/src/utils, sources in src/utils: the package.json is two or three levels up.
  for (const relative of ['../../package.json', '../../../package.json']) {
    try {
      const file = join(__dirname, relative);
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as PluginManifest;
      if (manifest.name === PLUGIN_NAME) {
        return { root: dirname(file), manifest };
      }
    } catch {
      // try the next location
    }
  }
  return undefined;
}

/** The version in this package's package.json (0.0.0 when it cannot be read). */
export function readPluginVersion(): string {
  return pluginPackage()?.manifest.version ?? '0.0.0';
}

/**
 * The version of this package plus the build time of this file, so caches written by another version or another
 * build (a locally rebuilt plugin keeps its version number) are not reused.
 */
export const pluginVersion = `${readPluginVersion()}+${statSync(__filename).mtimeMs}`;
