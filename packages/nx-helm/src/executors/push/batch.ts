import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { pushBatch } from '../../batch/push-batch';
import type { ChartBatchResult } from '../../batch/chart-batch';
import { batchTasks, reportBatch } from '../shared/executor-context';
import type { PushExecutorSchema } from './schema';

/** Nx's batch implementation of nx-helm:push: every task of the batch through nx-helm's batch runner, a result per task. */
export default function pushChartBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, PushExecutorSchema>,
  _overrides: PushExecutorSchema,
  context: ExecutorContext,
): AsyncGenerator<ChartBatchResult> {
  return reportBatch(pushBatch(batchTasks(taskGraph, inputs, context)), context);
}
