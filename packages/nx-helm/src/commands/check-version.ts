import { checkVersionIncrement, type VersionCheckResult } from '../chart/version-increment';
import { ENV } from '../config/constants';
import { readCtConfig } from '../config/ct-config';
import { readNxJson } from '../config/nx-json-settings';
import { loadChartTree, type ChartCommandOptions } from './chart-command';

export interface CheckVersionOptions extends ChartCommandOptions {
  /** Commit or branch to compare with; default NX_BASE, then nx.json's defaultBase, then ct.yaml's, then main. */
  base?: string;
}

/** The commit to compare with, found the way `nx affected` finds its base, and where it came from (for messages). */
export function resolveBase(options: CheckVersionOptions): { base: string; origin: string } {
  if (options.base) return { base: options.base, origin: '--base' };
  const fromEnv = (options.env ?? process.env)[ENV.base];
  if (fromEnv) return { base: fromEnv, origin: ENV.base };
  const nxJson = readNxJson(options.workspaceRoot);
  const defaultBase = nxJson?.defaultBase ?? nxJson?.affected?.defaultBase;
  if (defaultBase) return { base: defaultBase, origin: "nx.json's defaultBase" };
  const ct = readCtConfig(options.workspaceRoot, options.ctConfig);
  if (ct?.base) return { base: ct.base, origin: `remote and target-branch in ${ct.file}` };
  return { base: 'main', origin: 'the default base of nx affected' };
}

/** chart-testing's rule: a chart that changed since the base commit must have a greater version than it had there. */
export async function checkChartVersion(options: CheckVersionOptions): Promise<VersionCheckResult> {
  const { base, origin } = resolveBase(options);
  const tree = loadChartTree(options);
  const result = await checkVersionIncrement({
    workspaceRoot: options.workspaceRoot,
    base,
    baseOrigin: origin,
    chartName: tree.root.chart.name,
    chartRoot: options.chartRoot,
    dependencyRoots: tree.buildOrder.filter((chart) => chart !== tree.root).map((chart) => chart.relativeDir),
    currentVersion: tree.root.chart.version,
  });
  const since = `${base} (${origin})`;
  const messages = {
    unchanged: `Chart "${result.chart}" is unchanged since ${since}.`,
    'new-chart': `Chart "${result.chart}" ${result.newVersion} is new since ${since}.`,
    bumped: `Chart "${result.chart}" changed since ${since} and its version went from ${result.oldVersion} to ${result.newVersion}.`,
  };
  options.log.info(messages[result.status]);
  return result;
}
