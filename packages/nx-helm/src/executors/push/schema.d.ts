import type { PushOptions } from '../../commands/push';

/** The push command's options; the executor context gives the rest. */
export type PushExecutorSchema = Omit<
  PushOptions,
  'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'env' | 'workspaceCharts' | 'projectNamePrefix' | 'openRegistry'
>;
