export { createNodes, createNodesV2, createDependencies, name } from './src/plugins/plugin';
export type { NxHelmPluginOptions } from './src/config/plugin-options';
