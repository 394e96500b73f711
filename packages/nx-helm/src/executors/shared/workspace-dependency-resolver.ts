import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { normalizeRepositoryUrl } from '../../chart/dependency-source';
import type { WorkspaceDependencyResolver } from '../../chart/local-chart-tree';
import { indexWorkspaceCharts, matchWorkspaceChart, type WorkspaceChart } from '../../chart/workspace-dependencies';
import { METADATA_KEY, type ChartProjectMetadata } from '../../plugins/chart-targets';

/**
 * Resolves dependencies on this workspace's own repositories (the publish registry and `workspaceRepositories`) to
 * the local chart, exactly as the project graph does, so they are built from source: the dependent is then linted and
 * packaged with the very chart that will be published with it.
 */
export function workspaceDependencyResolver(context: ExecutorContext, publishRepositories: string[] = []): WorkspaceDependencyResolver {
  const charts: WorkspaceChart[] = [];
  for (const [projectName, project] of Object.entries(context.projectsConfigurations?.projects ?? {})) {
    const metadata = project.metadata?.[METADATA_KEY] as ChartProjectMetadata | undefined;
    if (metadata?.chartName && metadata.chartVersion) {
      charts.push({ root: project.root, projectName, chartName: metadata.chartName, chartVersion: metadata.chartVersion });
    }
  }
  const index = indexWorkspaceCharts(charts);
  const published = new Set(publishRepositories.map(normalizeRepositoryUrl));
  return (dependency) => {
    const chart = matchWorkspaceChart(dependency, index, published);
    return chart ? join(context.root, chart.root) : undefined;
  };
}
