import type { ExecutorContext } from '@nx/devkit';
import { renderChart } from '../../commands/render';
import { commandContext, runForExecutor } from '../shared/executor-context';
import type { RenderExecutorSchema } from './schema';

export default function renderChartExecutor(options: RenderExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return runForExecutor('render-chart', context, () => renderChart({ ...options, ...commandContext(context) }));
}
