import { posix } from 'node:path';

/** Folder names under which a Chart.yaml is never a project of its own. */
const IGNORED_FOLDERS = new Set(['node_modules', 'dist', 'tmp', 'temp', '.tmp', '.git', '.nx']);

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
