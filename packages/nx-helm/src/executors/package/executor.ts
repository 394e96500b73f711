import type { ExecutorContext } from '@nx/devkit';
import { packageChart } from '../../commands/package';
import { commandContext, runForExecutor } from '../shared/executor-context';
import type { PackageExecutorSchema } from './schema';

export default function packageChartExecutor(options: PackageExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  return runForExecutor('package-chart', context, () => packageChart({ ...options, ...commandContext(context) }));
}
