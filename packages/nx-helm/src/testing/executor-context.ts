import type { ExecutorContext } from '@nx/devkit';

/** The part of an Nx executor context the nx-helm executors read: the workspace root and the project's root. */
export function executorContextFor(workspaceRoot: string, projectName: string, projectRoot: string): ExecutorContext {
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    isVerbose: false,
    projectName,
    projectsConfigurations: { version: 2, projects: { [projectName]: { root: projectRoot } } },
    nxJsonConfiguration: {},
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}
