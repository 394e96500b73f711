import { resolve } from 'node:path';
import { sourceDateFor } from '../build/source-date';
import { loadLocalChartTree } from '../chart/local-chart-tree';

/**
 * Prints the package timestamp of the chart in `chartRoot` (relative to the current folder, the workspace root) the
 * way package-chart computes it. package-chart uses this as a runtime cache input: the timestamp is part of the
 * package bytes, so a package built at another commit time must not be served from the cache.
 * An invalid chart prints its folder's date only; package-chart itself reports the problem.
 */
export function printSourceDate(chartRoot: string, workspaceRoot = process.cwd()): void {
  let paths = [resolve(workspaceRoot, chartRoot)];
  try {
    paths = loadLocalChartTree(paths[0], workspaceRoot).buildOrder.map((chart) => chart.dir);
  } catch {
    // fall back to the chart folder alone
  }
  const { date, origin } = sourceDateFor(paths, workspaceRoot);
  console.log(`${Math.floor(date.getTime() / 1000)} ${origin}`);
}
