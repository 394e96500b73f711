import type { PackageOptions } from '../../commands/package';

/** The package command's options; the executor context gives the rest. */
export type PackageExecutorSchema = Omit<
  PackageOptions,
  'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'env' | 'workspaceCharts' | 'projectNamePrefix'
>;
