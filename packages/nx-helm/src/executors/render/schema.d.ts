import type { RenderOptions } from '../../commands/render';

/** The render command's options; the executor context gives the rest. */
export type RenderExecutorSchema = Omit<
  RenderOptions,
  'workspaceRoot' | 'chartRoot' | 'projectName' | 'log' | 'env' | 'workspaceCharts' | 'projectNamePrefix'
>;
