import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, parse, relative, sep } from 'node:path';
import type { LocalChart, LocalChartTree } from '../chart/local-chart-tree';
import { NxHelmError } from '../utils/nx-helm-error';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';

export interface StagedChart {
  tree: LocalChartTree;
  /** Folder of the staged copy of the chart itself. */
  chartDir: string;
  /** Staged folder of any chart of the tree. */
  stagedDirOf(chart: LocalChart): string;
  /** Removes the staging folder; safe to call more than once. */
  dispose(): void;
}

export class ChartBuildError extends NxHelmError {}

/**
 * Copies a chart and every chart it reaches through `file://` into a temporary folder that mirrors their relative
 * layout (so `file://../common` still resolves and Chart.lock digests stay valid), then runs
 * `helm dependency build` in each staged chart, dependencies first.
 *
 * Building in a copy keeps the source tree untouched: no charts/*.tgz or Chart.lock appear next to the sources,
 * so Nx's input hashes (and therefore its cache) stay stable across runs.
 */
export async function stageChart(
  tree: LocalChartTree,
  workspaceRoot: string,
  helm: HelmRunner,
  options: { sourceDate?: Date } = {},
): Promise<StagedChart> {
  const base = commonAncestor([workspaceRoot, ...tree.buildOrder.map((chart) => chart.dir)]);
  const stagingRoot = mkdtempSync(join(tmpdir(), 'nx-helm-stage-'));
  const stagedDirOf = (chart: LocalChart) => join(stagingRoot, relative(base, chart.dir));
  const staged: StagedChart = {
    tree,
    chartDir: stagedDirOf(tree.root),
    stagedDirOf,
    dispose: () => rmSync(stagingRoot, { recursive: true, force: true }),
  };
  try {
    for (const chart of tree.buildOrder) {
      cpSync(chart.dir, stagedDirOf(chart), {
        recursive: true,
        filter: (source) => basename(source) !== '.git' && basename(source) !== 'node_modules',
      });
      if (options.sourceDate) {
        setModificationTimes(stagedDirOf(chart), options.sourceDate);
      }
    }
    for (const chart of tree.buildOrder) {
      if (!chart.chart.dependencies.some((dependency) => dependency.source.kind !== 'vendored')) {
        continue;
      }
      const hadLockFile = existsSync(join(chart.dir, 'Chart.lock'));
      const result = await helm.run(['dependency', 'build', stagedDirOf(chart)], { cwd: dirname(stagedDirOf(chart)) });
      if (result.failed) {
        throw new ChartBuildError(
          `Building the dependencies of chart "${chart.chart.name}" (${chart.relativeDir}/Chart.yaml) failed.\n` +
            `${describeHelmFailure(result)}\n` +
            'Fix: check the dependencies listed in Chart.yaml (name, version, repository) and, if Chart.lock exists, ' +
            'run `helm dependency update` and commit the refreshed Chart.lock.',
        );
      }
      if (options.sourceDate) {
        if (!hadLockFile) {
          stampGeneratedLockFile(join(stagedDirOf(chart), 'Chart.lock'), options.sourceDate);
        }
        setModificationTimes(stagedDirOf(chart), options.sourceDate);
      }
    }
    return staged;
  } catch (error) {
    staged.dispose();
    throw error;
  }
}

/**
 * `helm dependency build` writes a Chart.lock with the current time in `generated` when the chart has none;
 * it ends up in the package, so it gets the package's timestamp instead.
 */
function stampGeneratedLockFile(lockFile: string, date: Date): void {
  if (existsSync(lockFile)) {
    const text = readFileSync(lockFile, 'utf8');
    writeFileSync(lockFile, text.replace(/^generated: .*$/m, `generated: "${date.toISOString()}"`));
  }
}

/** Helm 4 stores file mtimes in the archive: give every staged file the package's timestamp. */
function setModificationTimes(dir: string, date: Date): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      setModificationTimes(path, date);
    }
    utimesSync(path, date, date);
  }
}

function commonAncestor(paths: string[]): string {
  const split = paths.map((path) => path.split(sep));
  const first = split[0];
  let length = 0;
  while (length < first.length && split.every((parts) => parts[length] === first[length])) {
    length++;
  }
  return first.slice(0, length).join(sep) || parse(first.join(sep)).root;
}
