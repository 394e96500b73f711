import type { VerifyOptions } from '../../commands/verify';

/** The verify command's options; the executor context gives the rest. */
export type VerifyExecutorSchema = Omit<
  VerifyOptions,
  'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'env' | 'workspaceCharts' | 'projectNamePrefix'
>;
