import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { NxHelmError } from '../utils/nx-helm-error';

export type HelmLocationSource = 'helmPath option' | 'HELM_BIN' | 'PATH';

export interface HelmLocation {
  path: string;
  source: HelmLocationSource;
}

const INSTALL_HINT =
  'Install Helm 3.8+ or 4.x (https://helm.sh/docs/intro/install/; in CI e.g. the azure/setup-helm action), then put it ' +
  'on PATH, set HELM_BIN to its path, or set the `helmPath` option of the nx-helm plugin.';

/**
 * The one documented lookup for the helm binary: the `helmPath` option, then the HELM_BIN environment variable,
 * then `helm` on PATH. A configured path that does not point at an executable is an error, not a fall-through:
 * silently using another helm would make results depend on the machine.
 */
export function findHelm(options: { helmPath?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): HelmLocation {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.helmPath) {
    return { path: requireExecutable(resolve(cwd, options.helmPath), 'the helmPath option'), source: 'helmPath option' };
  }
  if (env.HELM_BIN) {
    return { path: requireExecutable(resolve(cwd, env.HELM_BIN), 'the HELM_BIN environment variable'), source: 'HELM_BIN' };
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) {
      continue;
    }
    const candidate = join(dir, process.platform === 'win32' ? 'helm.exe' : 'helm');
    if (isExecutableFile(candidate)) {
      return { path: candidate, source: 'PATH' };
    }
  }
  throw new NxHelmError(`helm was not found: no helmPath option, no HELM_BIN, and no helm on PATH. ${INSTALL_HINT}`);
}

function requireExecutable(path: string, origin: string): string {
  if (!isExecutableFile(path)) {
    throw new NxHelmError(`helm was not found at ${path} (from ${origin}): no executable file there. ${INSTALL_HINT}`);
  }
  return path;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) {
      return false;
    }
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
