import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { lintBatch } from '../../batch/lint-batch';
import type { ChartBatchResult } from '../../batch/chart-batch';
import { batchTasks, reportBatch } from '../shared/executor-context';
import type { LintExecutorSchema } from './schema';

/** Nx's batch implementation of nx-helm:lint: every task of the batch through nx-helm's batch runner, a result per task. */
export default function lintChartBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, LintExecutorSchema>,
  _overrides: LintExecutorSchema,
  context: ExecutorContext,
): AsyncGenerator<ChartBatchResult> {
  return reportBatch(lintBatch(batchTasks(taskGraph, inputs, context)), context);
}
