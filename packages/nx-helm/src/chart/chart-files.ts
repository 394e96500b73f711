import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Folder names under which a Chart.yaml is never a project of its own. */
export const IGNORED_FOLDERS = new Set(['node_modules', 'dist', 'tmp', 'temp', '.tmp', '.git', '.nx']);

/**
 * Keeps the Chart.yaml files that are charts of the workspace, dropping those in ignored folders and vendored
 * subcharts: a chart inside the `charts/` folder of another chart is part of that chart, not a project.
 */
export function selectChartFiles(chartFiles: readonly string[]): string[] {
  const chartRoots = new Set(chartFiles.map((file) => posix.dirname(toPosix(file))));
  return chartFiles.filter((file) => {
    const parts = posix.dirname(toPosix(file)).split('/');
    if (parts.some((part) => IGNORED_FOLDERS.has(part))) {
      return false;
    }
    for (let index = parts.length - 2; index >= 0; index--) {
      if (parts[index] === 'charts') {
        const owner = parts.slice(0, index).join('/') || '.';
        if (chartRoots.has(owner)) {
          return false;
        }
      }
    }
    return true;
  });
}

function toPosix(path: string): string {
  return path.replace(/\\/g, '/');
}

/**
 * Every workspace chart's Chart.yaml, relative to the workspace root, found by walking the folders (without entering
 * ignored or hidden ones): what the CLI uses where Nx's project graph is not at hand.
 */
export function findChartFiles(workspaceRoot: string): string[] {
  const found: string[] = [];
  const walk = (relativeDir: string) => {
    let entries;
    try {
      entries = readdirSync(join(workspaceRoot, relativeDir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!IGNORED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) walk(path);
      } else if (entry.name === 'Chart.yaml') {
        found.push(path);
      }
    }
  };
  walk('');
  return selectChartFiles(found.sort());
}
