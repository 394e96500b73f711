import type { CheckVersionOptions } from '../../commands/check-version';

/** The check-version command's options; the executor context gives the rest. */
export type CheckVersionExecutorSchema = Omit<
  CheckVersionOptions,
  'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'env' | 'workspaceCharts' | 'projectNamePrefix'
>;
