import type { ExecutorContext } from '@nx/devkit';

/** The part of an Nx executor context the nx-helm executors read: the workspace root and the project's root. */
export function executorContextFor(
  workspaceRoot: string,
  projectName: string,
  projectRoot: string,
  otherCharts: Array<{ name: string; root: string; version: string }> = [],
): ExecutorContext {
  const others = Object.fromEntries(
    otherCharts.map((chart) => [
      chart.name,
      { root: chart.root, metadata: { 'nx-helm': { chartName: chart.name, chartVersion: chart.version } } },
    ]),
  );
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName,
    projectsConfigurations: { version: 2, projects: { ...others, [projectName]: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}
