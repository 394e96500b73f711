import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { renderBatch } from '../../batch/render-batch';
import type { ChartBatchResult } from '../../batch/chart-batch';
import { batchTasks, reportBatch } from '../shared/executor-context';
import type { RenderExecutorSchema } from './schema';

/** Nx's batch implementation of nx-helm:render: every task of the batch through nx-helm's batch runner, a result per task. */
export default function renderChartBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, RenderExecutorSchema>,
  _overrides: RenderExecutorSchema,
  context: ExecutorContext,
): AsyncGenerator<ChartBatchResult> {
  return reportBatch(renderBatch(batchTasks(taskGraph, inputs, context)), context);
}
