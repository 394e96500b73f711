import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { packageBatch } from '../../batch/package-batch';
import type { ChartBatchResult } from '../../batch/chart-batch';
import { batchTasks, reportBatch } from '../shared/executor-context';
import type { PackageExecutorSchema } from './schema';

/** Nx's batch implementation of nx-helm:package: every task of the batch through nx-helm's batch runner, a result per task. */
export default function packageChartBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, PackageExecutorSchema>,
  _overrides: PackageExecutorSchema,
  context: ExecutorContext,
): AsyncGenerator<ChartBatchResult> {
  return reportBatch(packageBatch(batchTasks(taskGraph, inputs, context)), context);
}
