import { logger, type ExecutorContext } from '@nx/devkit';
import { loadLocalChartTree } from '../../chart/local-chart-tree';
import { checkVersionIncrement } from '../../chart/version-increment';
import { NxHelmError } from '../../utils/nx-helm-error';
import { projectOf, reportFailure } from '../shared/executor-context';
import { workspaceDependencyResolver } from '../shared/workspace-dependency-resolver';
import type { CheckVersionExecutorSchema } from './schema';

export default async function checkVersionExecutor(
  options: CheckVersionExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const project = projectOf(context);
  try {
    const base = options.base ?? process.env.NX_BASE;
    if (!base) {
      throw new NxHelmError(
        'check-version needs a base commit to compare with: set NX_BASE (nrwl/nx-set-shas does in GitHub Actions), ' +
          'or pass --base=<commit or branch> (e.g. `nx run web:check-version --base=origin/main`).',
      );
    }
    const tree = loadLocalChartTree(project.dir, context.root, workspaceDependencyResolver(context, options.publishRepositories));
    const result = await checkVersionIncrement({
      workspaceRoot: context.root,
      base,
      chartName: tree.root.chart.name,
      chartRoot: project.root,
      dependencyRoots: tree.buildOrder.filter((chart) => chart !== tree.root).map((chart) => chart.relativeDir),
      currentVersion: tree.root.chart.version,
    });
    const messages = {
      unchanged: `Chart "${result.chart}" is unchanged since ${base}.`,
      'new-chart': `Chart "${result.chart}" ${result.newVersion} is new since ${base}.`,
      bumped: `Chart "${result.chart}" changed since ${base} and its version went from ${result.oldVersion} to ${result.newVersion}.`,
    };
    logger.info(messages[result.status]);
    return { success: true };
  } catch (error) {
    return reportFailure('check-version', project.name, error);
  }
}
