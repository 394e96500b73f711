import type { ExecutorContext } from '@nx/devkit';
import { lintChart } from '../../commands/lint';
import { commandContext, runForExecutor } from '../shared/executor-context';
import type { LintExecutorSchema } from './schema';

export default function lintChartExecutor(options: LintExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return runForExecutor('lint-chart', context, () => lintChart({ ...options, ...commandContext(context) }));
}
