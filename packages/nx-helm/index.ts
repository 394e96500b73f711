export { createNodes, createNodesV2, createDependencies, preTasksExecution, postTasksExecution, name } from './src/plugins/plugin';
export type { NxHelmPluginOptions } from './src/config/plugin-options';
