import { existsSync } from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';
import type { Chart, ChartDependency } from './chart-model';
import { chartProblemError, type ChartProblem } from './chart-problem';
import { readChartFile } from './read-chart';

export interface LocalChart {
  /** Absolute folder of the chart. */
  dir: string;
  /** Folder relative to the workspace root, for messages and staging. */
  relativeDir: string;
  chart: Chart;
  /** The charts this one reaches through `file://` dependencies. */
  localDependencies: Array<{ dependency: ChartDependency; chart: LocalChart }>;
  /**
   * Dependencies fetched from a repository this workspace publishes to, whose chart is in the workspace in a version
   * that satisfies the constraint: they are built from the local sources instead of downloaded.
   */
  workspaceDependencies: Array<{ dependency: ChartDependency; chart: LocalChart }>;
}

export interface LocalChartTree {
  root: LocalChart;
  /** Every chart of the tree once, each after all of its dependencies: the order to build them in. */
  buildOrder: LocalChart[];
}

/** Finds the folder of the workspace chart a repository dependency stands for, if any (see workspace-dependencies.ts). */
export type WorkspaceDependencyResolver = (dependency: ChartDependency) => string | undefined;

/**
 * Loads a chart and, transitively, every chart it depends on through `file://` (and, with `resolveWorkspaceDependency`,
 * through a repository URL of this workspace), failing with an error that names the file, line and fix for: an
 * invalid Chart.yaml or requirements.yaml anywhere in the tree, a `file://` folder that is missing or holds no chart,
 * and a cycle.
 */
export function loadLocalChartTree(
  chartDir: string,
  workspaceRoot: string,
  resolveWorkspaceDependency: WorkspaceDependencyResolver = () => undefined,
): LocalChartTree {
  const loaded = new Map<string, LocalChart>();
  const buildOrder: LocalChart[] = [];

  const visit = (dir: string, path: LocalChart[]): LocalChart => {
    const done = loaded.get(dir);
    if (done) {
      return done;
    }
    const relativeDir = toDisplayPath(workspaceRoot, dir);
    const chartFile = joinDisplay(relativeDir, 'Chart.yaml');
    const result = readChartFile(join(dir, 'Chart.yaml'), chartFile, workspaceRoot);
    if (!result.chart) {
      throw chartProblemError(result.problems);
    }
    const node: LocalChart = { dir, relativeDir, chart: result.chart, localDependencies: [], workspaceDependencies: [] };
    const ancestors = [...path, node];
    for (const [index, dependency] of result.chart.dependencies.entries()) {
      // A chart with a requirements.yaml declares its dependencies there (see parseChart).
      const declaredIn = dependency.file ?? chartFile;
      const problemAt = (message: string, fix: string): ChartProblem => ({
        file: declaredIn,
        line: dependency.line,
        field: `dependencies[${index}].repository`,
        message,
        fix,
      });
      const enter = (dependencyDir: string): LocalChart => {
        const cycleStart = ancestors.findIndex((ancestor) => ancestor.dir === dependencyDir);
        if (cycleStart !== -1) {
          const cycle = [...ancestors.slice(cycleStart), ancestors[cycleStart]]
            .map((member) => `${member.chart.name} (${member.relativeDir})`)
            .join(' -> ');
          throw chartProblemError([
            problemAt(
              `closes a dependency cycle among local charts: ${cycle}`,
              'Charts cannot depend on each other in a loop; move what they share into a library chart that each depends on.',
            ),
          ]);
        }
        return visit(dependencyDir, ancestors);
      };
      if (dependency.source.kind === 'local-file') {
        const dependencyDir = resolve(dir, dependency.source.path);
        const shownDir = toDisplayPath(workspaceRoot, dependencyDir);
        if (!existsSync(dependencyDir)) {
          throw chartProblemError([
            problemAt(
              `has the dependency "${dependency.name}" at ${dependency.repository}, but the folder ${shownDir} does not exist`,
              `Point the repository at the chart folder, relative to this ${posix.basename(declaredIn)} (e.g. file://../common), or use the registry the chart is published to.`,
            ),
          ]);
        }
        if (!existsSync(join(dependencyDir, 'Chart.yaml'))) {
          throw chartProblemError([
            problemAt(
              `has the dependency "${dependency.name}" at ${dependency.repository}, but ${shownDir} contains no Chart.yaml`,
              'Point the repository at a folder that contains a chart.',
            ),
          ]);
        }
        node.localDependencies.push({ dependency, chart: enter(dependencyDir) });
        continue;
      }
      const workspaceDir = resolveWorkspaceDependency(dependency);
      if (workspaceDir && resolve(workspaceDir) !== dir) {
        node.workspaceDependencies.push({ dependency, chart: enter(resolve(workspaceDir)) });
      }
    }
    loaded.set(dir, node);
    buildOrder.push(node);
    return node;
  };

  const root = visit(resolve(chartDir), []);
  return { root, buildOrder };
}

function toDisplayPath(workspaceRoot: string, dir: string): string {
  const rel = relative(workspaceRoot, dir);
  return (rel === '' ? '.' : rel).split(sep).join('/');
}

function joinDisplay(dir: string, file: string): string {
  return dir === '.' ? file : `${dir}/${file}`;
}
