import { logger, type ExecutorContext } from '@nx/devkit';
import type { WorkspaceChart } from '../../chart/workspace-dependencies';
import type { ChartCommandOptions } from '../../commands/chart-command';
import { METADATA_KEY } from '../../config/constants';
import type { ChartProjectMetadata } from '../../config/project-metadata';
import { formatFailure } from '../../utils/nx-helm-error';

/**
 * What every command gets from an Nx executor context: the workspace, the project's chart folder, Nx's logger, and the
 * workspace's charts from the project graph (so dependencies on the workspace's own registry resolve as in the graph).
 */
export function commandContext(
  context: ExecutorContext,
): Pick<ChartCommandOptions, 'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'workspaceCharts'> {
  const name = context.projectName;
  const config = name ? context.projectsConfigurations?.projects[name] : undefined;
  if (!name || !config) {
    throw new Error('This executor must run as a target of an Nx project (no project in the executor context).');
  }
  return {
    workspaceRoot: context.root,
    chartRoot: config.root,
    projectName: name,
    log: { info: (message) => logger.info(message), warn: (message) => logger.warn(message), error: (message) => logger.error(message) },
    workspaceCharts: () => workspaceChartsOf(context),
  };
}

function workspaceChartsOf(context: ExecutorContext): WorkspaceChart[] {
  const charts: WorkspaceChart[] = [];
  for (const [projectName, project] of Object.entries(context.projectsConfigurations?.projects ?? {})) {
    const metadata = project.metadata?.[METADATA_KEY] as ChartProjectMetadata | undefined;
    if (metadata?.chartName && metadata.chartVersion) {
      charts.push({ root: project.root, projectName, chartName: metadata.chartName, chartVersion: metadata.chartVersion });
    }
  }
  return charts;
}

/** Runs a command for an executor: success, or the failure reported the way the CLI reports it. */
export async function runForExecutor(
  target: string,
  context: ExecutorContext,
  command: () => Promise<unknown>,
): Promise<{ success: boolean }> {
  try {
    await command();
    return { success: true };
  } catch (error) {
    logger.error(formatFailure(target, context.projectName ?? 'this project', error));
    return { success: false };
  }
}
