import type { ExecutorContext } from '@nx/devkit';
import { verifyChart } from '../../commands/verify';
import { commandContext, runForExecutor } from '../shared/executor-context';
import type { VerifyExecutorSchema } from './schema';

export default function verifyChartExecutor(options: VerifyExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return runForExecutor('verify-chart', context, () => verifyChart({ ...options, ...commandContext(context) }));
}
