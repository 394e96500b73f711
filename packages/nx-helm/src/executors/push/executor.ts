import type { ExecutorContext } from '@nx/devkit';
import { pushChart } from '../../commands/push';
import { commandContext, runForExecutor } from '../shared/executor-context';
import type { PushExecutorSchema } from './schema';

export default function pushChartExecutor(options: PushExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return runForExecutor('push-chart', context, () => pushChart({ ...options, ...commandContext(context) }));
}
