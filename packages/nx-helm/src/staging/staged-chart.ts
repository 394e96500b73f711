import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, parse, relative, sep } from 'node:path';
import { parseDocument, type YAMLSeq } from 'yaml';
import type { LocalChart, LocalChartTree } from '../chart/local-chart-tree';
import type { RegistriesOptions } from '../registry/registry-options';
import { dependencyPins, verifyDependencyPin } from './dependency-pins';
import { prepareDependencySources, type DependencySources } from './dependency-sources';
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
  options: { sourceDate?: Date; registries?: RegistriesOptions; secretVariables?: string[] } = {},
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
  let sources: DependencySources | undefined;
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
    const remoteDependencies = tree.buildOrder.flatMap((chart) =>
      chart.chart.dependencies
        .filter(
          (dependency) =>
            (dependency.source.kind === 'oci' || dependency.source.kind === 'http') &&
            !chart.workspaceDependencies.some((workspace) => workspace.dependency === dependency),
        )
        .map((dependency) => ({ dependency, chartFile: `${chart.relativeDir}/Chart.yaml` })),
    );
    sources =
      remoteDependencies.length > 0
        ? await prepareDependencySources(helm, remoteDependencies, {
            registries: options.registries,
            workspaceRoot,
            secretVariables: options.secretVariables,
          })
        : undefined;
    for (const chart of tree.buildOrder) {
      const stagedDir = stagedDirOf(chart);
      const fromWorkspace = new Set(chart.workspaceDependencies.map(({ dependency }) => dependency));
      const toDownload = chart.chart.dependencies.filter((dependency) => dependency.source.kind !== 'vendored' && !fromWorkspace.has(dependency));
      if (toDownload.length === 0 && fromWorkspace.size === 0) {
        continue;
      }
      const hadLockFile = existsSync(join(chart.dir, 'Chart.lock'));
      const restore =
        fromWorkspace.size > 0
          ? hideDependencies(stagedDir, new Set(chart.workspaceDependencies.map(({ dependency }) => chart.chart.dependencies.indexOf(dependency))))
          : undefined;
      try {
        if (toDownload.length > 0) {
          const result = await helm.run(['dependency', 'build', stagedDir, ...(sources?.flags ?? [])], {
            cwd: dirname(stagedDir),
            env: { ...helm.environment, ...sources?.env },
          });
          if (result.failed) {
            const cause = sources?.explain(result, toDownload);
            throw new ChartBuildError(
              `Building the dependencies of chart "${chart.chart.name}" (${chart.relativeDir}/Chart.yaml) failed.` +
                `${cause ? ` ${cause}` : ''}\n${describeHelmFailure(result)}\n` +
                'Fix: check the dependencies listed in Chart.yaml (name, version, repository) and, if Chart.lock exists, ' +
                'run `helm dependency update` and commit the refreshed Chart.lock.',
            );
          }
        }
        for (const pin of dependencyPins(chart.chart, `${chart.relativeDir}/Chart.yaml`)) {
          if (fromWorkspace.has(pin.dependency)) {
            throw new ChartBuildError(
              `${chart.relativeDir}/Chart.yaml pins its dependency "${pin.dependency.name}" to ${pin.digest}, but that dependency is ` +
                'a chart of this workspace and is built from its sources, so no published manifest is involved. Remove the pin, ' +
                'or depend on a version the local chart does not satisfy.',
            );
          }
          await verifyDependencyPin(helm, pin, join(stagedDir, 'charts'), chart.chart.name, { env: sources?.env ?? {}, flags: sources?.flags ?? [] });
        }
        for (const { chart: dependency } of chart.workspaceDependencies) {
          const packaged = await helm.run(['package', stagedDirOf(dependency), '--destination', join(stagedDir, 'charts')]);
          if (packaged.failed) {
            throw new ChartBuildError(
              `Packaging the workspace chart "${dependency.chart.name}" (${dependency.relativeDir}) for "${chart.chart.name}" failed.\n` +
                `${describeHelmFailure(packaged)}\nFix: run \`nx run ${dependency.chart.name}:lint-chart\` and fix what it reports.`,
            );
          }
        }
      } finally {
        restore?.();
      }
      if (options.sourceDate) {
        if (!hadLockFile) {
          stampGeneratedLockFile(join(stagedDir, 'Chart.lock'), options.sourceDate);
        }
        setModificationTimes(stagedDir, options.sourceDate);
      }
    }
    return staged;
  } catch (error) {
    staged.dispose();
    throw error;
  } finally {
    await sources?.dispose();
  }
}

/**
 * Takes the dependencies built from workspace sources out of the staged Chart.yaml (and sets a Chart.lock aside) so
 * that `helm dependency build` downloads only the others. The returned function puts the original files back; a
 * Chart.lock that helm generated for the reduced list is dropped, as it would not match the full Chart.yaml.
 */
function hideDependencies(stagedDir: string, hiddenIndexes: ReadonlySet<number>): () => void {
  const chartFile = join(stagedDir, 'Chart.yaml');
  const lockFile = join(stagedDir, 'Chart.lock');
  const original = readFileSync(chartFile, 'utf8');
  const lock = existsSync(lockFile) ? readFileSync(lockFile) : undefined;
  const document = parseDocument(original);
  const list = document.get('dependencies', true) as YAMLSeq;
  // Items are in Chart.yaml order, the order of the chart model's dependencies.
  list.items = list.items.filter((_, index) => !hiddenIndexes.has(index));
  writeFileSync(chartFile, document.toString());
  rmSync(lockFile, { force: true });
  return () => {
    writeFileSync(chartFile, original);
    rmSync(lockFile, { force: true });
    if (lock) {
      writeFileSync(lockFile, lock);
    }
  };
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
