import type { LintOptions } from '../../commands/lint';

/** The lint command's options; the executor context gives the rest. */
export type LintExecutorSchema = Omit<
  LintOptions,
  'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'env' | 'workspaceCharts' | 'projectNamePrefix'
>;
