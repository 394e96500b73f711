import { checkVersionIncrement, type VersionCheckResult } from '../chart/version-increment';
import { ENV } from '../config/constants';
import { NxHelmError } from '../utils/nx-helm-error';
import { loadChartTree, type ChartCommandOptions } from './chart-command';

export interface CheckVersionOptions extends ChartCommandOptions {
  /** Commit or branch to compare with; default NX_BASE. */
  base?: string;
}

/** chart-testing's rule: a chart that changed since the base commit must have a greater version than it had there. */
export async function checkChartVersion(options: CheckVersionOptions): Promise<VersionCheckResult> {
  const base = options.base ?? (options.env ?? process.env)[ENV.base];
  if (!base) {
    throw new NxHelmError(
      `check-version needs a base commit to compare with: set ${ENV.base} (nrwl/nx-set-shas does in GitHub Actions), ` +
        'or pass --base=<commit or branch> (e.g. `nx run web:check-version --base=origin/main`).',
    );
  }
  const tree = loadChartTree(options);
  const result = await checkVersionIncrement({
    workspaceRoot: options.workspaceRoot,
    base,
    chartName: tree.root.chart.name,
    chartRoot: options.chartRoot,
    dependencyRoots: tree.buildOrder.filter((chart) => chart !== tree.root).map((chart) => chart.relativeDir),
    currentVersion: tree.root.chart.version,
  });
  const messages = {
    unchanged: `Chart "${result.chart}" is unchanged since ${base}.`,
    'new-chart': `Chart "${result.chart}" ${result.newVersion} is new since ${base}.`,
    bumped: `Chart "${result.chart}" changed since ${base} and its version went from ${result.oldVersion} to ${result.newVersion}.`,
  };
  options.log.info(messages[result.status]);
  return result;
}
