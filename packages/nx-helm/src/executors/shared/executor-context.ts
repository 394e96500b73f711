import { logger, type ExecutorContext, type TaskGraph } from '@nx/devkit';
import type { WorkspaceChart } from '../../chart/workspace-dependencies';
import type { ChartCommandOptions } from '../../commands/chart-command';
import { METADATA_KEY } from '../../config/constants';
import type { ChartProjectMetadata } from '../../config/project-metadata';
import { formatFailure } from '../../utils/nx-helm-error';
import { nxBatchesByItself } from '../../config/nx-version';

/**
 * What every command gets from an Nx executor context: the workspace, the project's chart folder, Nx's logger, and the
 * workspace's charts from the project graph (so dependencies on the workspace's own registry resolve as in the graph).
 */
export function commandContext(
  context: ExecutorContext,
  projectName = context.projectName,
): Pick<ChartCommandOptions, 'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'workspaceCharts'> {
  const config = projectName ? context.projectsConfigurations?.projects[projectName] : undefined;
  if (!projectName || !config) {
    throw new Error('This executor must run as a target of an Nx project (no project in the executor context).');
  }
  return {
    workspaceRoot: context.root,
    chartRoot: config.root,
    projectName,
    log: { info: (message) => logger.info(message), warn: (message) => logger.warn(message), error: (message) => logger.error(message) },
    workspaceCharts: () => workspaceChartsOf(context),
  };
}

/**
 * The tasks of a batch Nx hands an executor's batch implementation, as nx-helm's batch runs them: each task's options
 * with its project's context, and the tasks of the batch it depends on. The workspace's charts are listed once.
 */
export function batchTasks<O>(
  taskGraph: TaskGraph,
  inputs: Record<string, O>,
  context: ExecutorContext,
): Array<{ id: string; options: O & Omit<ReturnType<typeof commandContext>, 'log'>; dependsOn: string[] }> {
  let charts: WorkspaceChart[] | undefined;
  const workspaceCharts = () => (charts ??= workspaceChartsOf(context));
  return Object.values(taskGraph.tasks).map((task) => {
    const { log: _log, ...project } = commandContext(context, task.target.project);
    return {
      id: task.id,
      options: { ...inputs[task.id], ...project, workspaceCharts },
      // Nx 24 lists edges ({ id }), earlier versions task ids.
      dependsOn: ((taskGraph.dependencies[task.id] ?? []) as Array<string | { id: string }>).map((edge) =>
        typeof edge === 'string' ? edge : edge.id,
      ),
    };
  });
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

/**
 * The results of a batch for Nx. Nx before 22.6 prints no batched task's output, only what the batch process writes:
 * there each task's output is also written, under its task id, as the task ends.
 */
export async function* reportBatch<R extends { task: string; result: { terminalOutput: string } }>(
  results: AsyncIterable<R>,
  context: ExecutorContext,
): AsyncGenerator<R> {
  const write = !nxBatchesByItself(context.root);
  for await (const result of results) {
    if (write) process.stdout.write(`\n> nx run ${result.task}\n\n${result.result.terminalOutput}`);
    yield result;
  }
}
