import type { ExecutorContext } from '@nx/devkit';
import { checkChartVersion } from '../../commands/check-version';
import { commandContext, runForExecutor } from '../shared/executor-context';
import type { CheckVersionExecutorSchema } from './schema';

export default function checkChartVersionExecutor(
  options: CheckVersionExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  return runForExecutor('check-version', context, () => checkChartVersion({ ...options, ...commandContext(context) }));
}
