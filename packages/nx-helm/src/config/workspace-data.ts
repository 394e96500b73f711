import { join } from 'node:path';

/** Nx's workspace data folder (where Nx keeps the project graph cache), honouring its environment overrides. */
export function workspaceDataDirectory(workspaceRoot: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.NX_WORKSPACE_DATA_DIRECTORY ?? env.NX_PROJECT_GRAPH_CACHE_DIRECTORY ?? join(workspaceRoot, '.nx', 'workspace-data');
}
