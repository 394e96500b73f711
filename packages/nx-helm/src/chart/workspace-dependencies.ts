import { join, posix } from 'node:path';
import type { Chart, ChartDependency } from './chart-model';
import { normalizeRepositoryUrl } from './dependency-source';
import { satisfiesConstraint } from './version-constraint';

/** A chart of the workspace, as the graph sees it. */
export interface WorkspaceChart {
  /** Project root, relative to the workspace root, with forward slashes. */
  root: string;
  projectName: string;
  chartName: string;
  chartVersion: string;
}

export interface WorkspaceDependency {
  dependency: ChartDependency;
  target: WorkspaceChart;
  /** `file`: a file:// path into the workspace; `repository`: a registry or repository this workspace publishes to. */
  via: 'file' | 'repository';
}

export interface WorkspaceChartIndex {
  byRoot: Map<string, WorkspaceChart>;
  byChartName: Map<string, WorkspaceChart[]>;
}

export function indexWorkspaceCharts(charts: Iterable<WorkspaceChart>): WorkspaceChartIndex {
  const byRoot = new Map<string, WorkspaceChart>();
  const byChartName = new Map<string, WorkspaceChart[]>();
  for (const chart of charts) {
    byRoot.set(chart.root, chart);
    byChartName.set(chart.chartName, [...(byChartName.get(chart.chartName) ?? []), chart]);
  }
  return { byRoot, byChartName };
}

/**
 * The dependencies of `chart` (found at `chartRoot`) that are charts of this workspace:
 * - `file://` dependencies whose folder is a workspace chart;
 * - dependencies fetched from a repository the workspace publishes to, whose name is a workspace chart and whose
 *   version constraint the local chart satisfies (otherwise helm really resolves an older published copy).
 * Vendored subcharts (no repository) and external repositories are not workspace dependencies.
 */
export function findWorkspaceDependencies(
  chartRoot: string,
  chart: Chart,
  index: WorkspaceChartIndex,
  publishRepositories: readonly string[],
  workspaceRoot: string,
): WorkspaceDependency[] {
  const published = new Set(publishRepositories.map(normalizeRepositoryUrl));
  const found: WorkspaceDependency[] = [];
  for (const dependency of chart.dependencies) {
    const { source } = dependency;
    if (source.kind === 'local-file') {
      const target = index.byRoot.get(resolveLocalDependencyRoot(chartRoot, source.path, workspaceRoot));
      if (target && target.root !== chartRoot) {
        found.push({ dependency, target, via: 'file' });
      }
    } else {
      const target = matchWorkspaceChart(dependency, index, published);
      if (target && target.root !== chartRoot) {
        found.push({ dependency, target, via: 'repository' });
      }
    }
  }
  return found;
}

/**
 * The workspace chart a dependency on a repository of this workspace stands for: same name, a version that satisfies
 * the constraint. `published` holds normalized repository URLs (normalizeRepositoryUrl).
 */
export function matchWorkspaceChart(
  dependency: ChartDependency,
  index: WorkspaceChartIndex,
  published: ReadonlySet<string>,
): WorkspaceChart | undefined {
  const { source } = dependency;
  if ((source.kind !== 'oci' && source.kind !== 'http') || !published.has(normalizeRepositoryUrl(source.url))) {
    return undefined;
  }
  return (index.byChartName.get(dependency.name) ?? []).find((candidate) =>
    satisfiesConstraint(candidate.chartVersion, dependency.version),
  );
}

/**
 * Workspace-relative root that a `file://` dependency path points at (`../x` from the chart, or an absolute path).
 * A result starting with `..` lies outside the workspace.
 */
export function resolveLocalDependencyRoot(chartRoot: string, dependencyPath: string, workspaceRoot: string): string {
  const path = dependencyPath.replace(/\\/g, '/');
  const joined = path.startsWith('/') ? posix.relative(workspaceRoot.replace(/\\/g, '/'), path) : posix.join(chartRoot, path);
  return posix.normalize(joined).replace(/\/+$/, '') || '.';
}

/** The workspace's charts, asked for only when a dependency may be one of them (the lookup can be a folder walk). */
export type WorkspaceChartSource = () => Iterable<WorkspaceChart>;

/**
 * Resolves dependencies on this workspace's own repositories (the publish registry and `workspaceRepositories`) to the
 * folder of the local chart, exactly as the project graph does, so they are built from source: the dependent is then
 * linted and packaged with the very chart that will be published with it.
 */
export function workspaceDependencyResolver(
  workspaceRoot: string,
  publishRepositories: readonly string[],
  charts: WorkspaceChartSource,
): (dependency: ChartDependency) => string | undefined {
  const published = new Set(publishRepositories.map(normalizeRepositoryUrl));
  let index: WorkspaceChartIndex | undefined;
  return (dependency) => {
    const { source } = dependency;
    if ((source.kind !== 'oci' && source.kind !== 'http') || !published.has(normalizeRepositoryUrl(source.url))) {
      return undefined;
    }
    index ??= indexWorkspaceCharts(charts());
    const chart = matchWorkspaceChart(dependency, index, published);
    return chart ? join(workspaceRoot, chart.root) : undefined;
  };
}

/** Whether any of these charts fetches a dependency from `repository` (an oci:// or https:// repository URL). */
export function fetchesFrom(charts: ReadonlyArray<Chart | undefined>, repository: string | undefined): boolean {
  if (!repository) return false;
  const wanted = normalizeRepositoryUrl(repository);
  return charts.some((chart) =>
    chart?.dependencies.some(
      ({ source }) => (source.kind === 'oci' || source.kind === 'http') && normalizeRepositoryUrl(source.url) === wanted,
    ),
  );
}
