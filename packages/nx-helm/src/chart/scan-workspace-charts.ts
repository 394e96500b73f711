import { join, posix } from 'node:path';
import { findChartFiles } from './chart-files';
import { readChartFile } from './read-chart';
import type { WorkspaceChart } from './workspace-dependencies';

/**
 * The valid charts of a workspace found on disk, named as the plugin names their projects: what the CLI uses to
 * recognise dependencies on the workspace's own charts when it runs without Nx's project graph.
 */
export function scanWorkspaceCharts(workspaceRoot: string, projectNamePrefix = ''): WorkspaceChart[] {
  const charts: WorkspaceChart[] = [];
  for (const chartFile of findChartFiles(workspaceRoot)) {
    const { chart } = readChartFile(join(workspaceRoot, chartFile), chartFile, workspaceRoot);
    if (chart) {
      charts.push({
        root: posix.dirname(chartFile),
        projectName: `${projectNamePrefix}${chart.name}`,
        chartName: chart.name,
        chartVersion: chart.version,
      });
    }
  }
  return charts;
}
