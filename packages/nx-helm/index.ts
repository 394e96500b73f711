export { createNodes, createNodesV2, createDependencies, postTasksExecution, name } from './src/plugins/plugin';
export type { NxHelmPluginOptions } from './src/config/plugin-options';
