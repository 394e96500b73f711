export { createNodes, createNodesV2, createDependencies, name } from './src/plugins/plugin';
export type { NxHelmPluginOptions } from './src/plugins/options';
export { parseChart, type Chart, type ChartDependency, type ChartType } from './src/chart/chart-model';
export type { ChartProblem } from './src/chart/chart-problem';
export { classifyRepository, type DependencySource } from './src/chart/dependency-source';
export { HelmRunner } from './src/helm/helm-runner';
export { findHelm } from './src/helm/find-helm';
