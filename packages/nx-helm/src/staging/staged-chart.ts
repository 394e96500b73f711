import {
  copyFileSync,
  existsSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, parse, posix, relative, resolve, sep } from 'node:path';
import { helmDependencyList, type ChartDependency } from '../chart/chart-model';
import type { LocalChart, LocalChartTree } from '../chart/local-chart-tree';
import { satisfiesConstraint } from '../chart/version-constraint';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import type { RegistriesOptions } from '../registry/registry-options';
import { NxHelmError } from '../utils/nx-helm-error';
import { dependencyPins, verifyDependencyPin } from './dependency-pins';
import { prepareDependencySources, type DependencySources } from './dependency-sources';
import type { SourceChecks } from './source-checks';
import { subchartArchive } from './subchart-archive';
import { memo } from '../utils/memo';
import { checkChartFiles } from './external-files';
import { checkChartYamlKept } from './helmignore-checks';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { redactUrlCredentials } from '../config/option-checks';
import { yaml } from '../utils/lazy-modules';

export interface StagedChart {
  tree: LocalChartTree;
  /** Folder of the staged copy of the chart itself. */
  chartDir: string;
  /** Staged folder of any chart of the tree. */
  stagedDirOf(chart: LocalChart): string;
  /** Removes the staging folder; safe to call more than once. */
  dispose(): void;
}

export interface StageOptions {
  /** Gives every staged file this modification time (Helm 4 stores it in archives). */
  sourceDate?: Date;
  registries?: RegistriesOptions;
  secretVariables?: string[];
  /** Seconds a cached chart repository index is used without asking the server (see prepareDependencySources). */
  repositoryIndexTtl?: number;
  /** Repository names of `@name` dependencies and their URLs, looked up before helm's repositories.yaml. */
  repositoryNames?: Record<string, string>;
  /** Let charts read files outside themselves (links) and outside the workspace (file://); see checkChartFiles. */
  allowExternalFiles?: boolean;
  /**
   * Archives of workspace charts already built for another dependent in this run, by the chart's source folder: a
   * staged chart's content depends only on its sources, so one archive serves every chart built with it.
   */
  archives?: Map<string, Promise<Buffer>>;
  /** Registry lookups already made in this run, shared by its charts (see checkOciSources). */
  sourceChecks?: SourceChecks;
}

/** A dependency built from a chart of this workspace rather than downloaded. */
interface LocalBuild {
  dependency: ChartDependency;
  chart: LocalChart;
}

/**
 * Copies a chart and every chart it reaches through `file://` (or through a repository of this workspace) into a
 * temporary folder that mirrors their relative layout, and completes each staged chart's charts/ folder, dependencies
 * first: the workspace charts it depends on are archived into it directly, and only dependencies from other
 * repositories are left to `helm dependency build`, which runs only when there are some.
 *
 * Building in a copy keeps the source tree untouched: no charts/*.tgz or Chart.lock appear next to the sources,
 * so Nx's input hashes (and therefore its cache) stay stable across runs.
 */
export async function stageChart(
  tree: LocalChartTree,
  workspaceRoot: string,
  helm: HelmRunner,
  options: StageOptions = {},
): Promise<StagedChart> {
  const base = commonAncestor([workspaceRoot, ...tree.buildOrder.map((chart) => chart.dir)]);
  const stagingRoot = createTempDir('nx-helm-stage-');
  const stagedDirOf = (chart: LocalChart) => join(stagingRoot, relative(base, chart.dir));
  const staged: StagedChart = {
    tree,
    chartDir: stagedDirOf(tree.root),
    stagedDirOf,
    dispose: () => removeTempDir(stagingRoot),
  };
  let sources: DependencySources | undefined;
  try {
    checkChartYamlKept(tree);
    checkChartFiles(tree, workspaceRoot, options.allowExternalFiles);
    for (const chart of tree.buildOrder) {
      for (const dependency of downloadsOf(chart)) checkDownloadedDependency(chart, dependency);
    }
    for (const chart of tree.buildOrder) {
      copyTree(chart.dir, stagedDirOf(chart));
    }
    const remoteDependencies = tree.buildOrder.flatMap((chart) =>
      downloadsOf(chart)
        .filter((dependency) => ['oci', 'http', 'repo-alias'].includes(dependency.source.kind))
        .map((dependency) => ({ dependency, chartFile: dependency.file ?? `${chart.relativeDir}/Chart.yaml` })),
    );
    sources =
      remoteDependencies.length > 0
        ? await prepareDependencySources(helm, remoteDependencies, {
            registries: options.registries,
            workspaceRoot,
            secretVariables: options.secretVariables,
            repositoryIndexTtl: options.repositoryIndexTtl,
            repositoryNames: options.repositoryNames,
            sourceChecks: options.sourceChecks,
          })
        : undefined;
    for (const chart of tree.buildOrder) {
      await completeCharts(chart, stagedDirOf, helm, sources, options.sourceDate, options.archives);
    }
    return staged;
  } catch (error) {
    staged.dispose();
    throw error;
  } finally {
    await sources?.dispose();
  }
}

function localBuildsOf(chart: LocalChart): LocalBuild[] {
  return [...chart.localDependencies, ...chart.workspaceDependencies];
}

/** The dependencies helm downloads: neither vendored in charts/ nor built from the workspace. */
function downloadsOf(chart: LocalChart): ChartDependency[] {
  const local = new Set(localBuildsOf(chart).map(({ dependency }) => dependency));
  return chart.chart.dependencies.filter((dependency) => dependency.source.kind !== 'vendored' && !local.has(dependency));
}

/** Fills one staged chart's charts/ folder: downloads through helm, workspace charts archived directly. */
async function completeCharts(
  chart: LocalChart,
  stagedDirOf: (chart: LocalChart) => string,
  helm: HelmRunner,
  sources: DependencySources | undefined,
  sourceDate: Date | undefined,
  archives: Map<string, Promise<Buffer>> | undefined,
): Promise<void> {
  const stagedDir = stagedDirOf(chart);
  const localBuilds = localBuildsOf(chart);
  const downloads = downloadsOf(chart);
  const files = dependencyFilesOf(chart);
  const hadLockFile = existsSync(join(chart.dir, files.writtenLock));
  for (const build of chart.localDependencies) {
    checkLocalDependency(chart, build);
  }
  if (downloads.length > 0) {
    const restore =
      localBuilds.length > 0
        ? hideDependencies(
            stagedDir,
            files.list,
            new Set(localBuilds.map(({ dependency }) => chart.chart.dependencies.indexOf(dependency))),
          )
        : undefined;
    try {
      const build = () =>
        helm.run(['dependency', 'build', stagedDir, ...(sources?.buildFlags ?? [])], {
          cwd: dirname(stagedDir),
          env: { ...helm.environment, ...sources?.env },
        });
      let result = await build();
      // A version published after its repository's index was cached: once that index is checked again, one more try.
      if (result.failed && (await sources?.refreshIndexes(result, downloads))) {
        result = await build();
      }
      if (result.failed) {
        const cause = sources?.explain(result, downloads);
        throw new NxHelmError(
          `Building the dependencies of chart "${chart.chart.name}" (${chart.relativeDir}/${files.list}) failed.` +
            `${cause ? ` ${cause}` : ''}\n${describeHelmFailure(result)}\n` +
            `Fix: check the dependencies listed in ${files.list} (name, version, repository) and, if ${files.writtenLock} exists, ` +
            `run \`helm dependency update\` and commit the refreshed ${files.writtenLock}.`,
          { file: `${chart.relativeDir}/${files.list}` },
        );
      }
    } finally {
      restore?.();
    }
  }
  for (const pin of dependencyPins(chart.chart, `${chart.relativeDir}/Chart.yaml`)) {
    if (localBuilds.some(({ dependency }) => dependency === pin.dependency)) {
      throw new NxHelmError(
        `${chart.relativeDir}/Chart.yaml pins its dependency "${pin.dependency.name}" to ${pin.digest}, but that dependency is ` +
          'a chart of this workspace and is built from its sources, so no published manifest is involved. Remove the pin, ' +
          'or depend on a version the local chart does not satisfy.',
        { file: `${chart.relativeDir}/Chart.yaml` },
      );
    }
    await verifyDependencyPin(helm, pin, join(stagedDir, 'charts'), chart.chart.name, {
      env: sources?.env ?? {},
      flags: sources?.flags ?? [],
    });
  }
  const chartsDir = join(stagedDir, 'charts');
  const archived = new Set<LocalChart>();
  for (const { chart: dependency } of localBuilds) {
    if (archived.has(dependency)) continue;
    archived.add(dependency);
    mkdirSync(chartsDir, { recursive: true });
    // A dependency may be a folder of this very charts/ (`file://./charts/<name>`): helm keeps that folder beside the
    // archive it builds from it, and so does the copy.
    removeCopies(chartsDir, dependency.chart.name, stagedDirOf(dependency));
    const build = () => subchartArchive(stagedDirOf(dependency), dependency.chart.name, dependency.relativeDir);
    const archive = archives ? memo(archives, dependency.dir, build) : build();
    writeFileSync(join(chartsDir, `${dependency.chart.name}-${dependency.chart.version}.tgz`), await archive);
  }
  if (sourceDate) {
    if (!hadLockFile) {
      stampGeneratedLockFile(join(stagedDir, files.writtenLock), sourceDate);
    }
    setModificationTimes(stagedDir, sourceDate);
  }
}

/**
 * What `helm dependency build` would refuse about a `file://` dependency, said with the file, line and fix: the chart
 * at the path must have the dependency's name, and a version its constraint accepts.
 */
function checkLocalDependency(chart: LocalChart, { dependency, chart: target }: LocalBuild): void {
  const where = { file: dependency.file ?? `${chart.relativeDir}/Chart.yaml`, line: dependency.line };
  const location = `${where.file}${dependency.line ? `:${dependency.line}` : ''}`;
  if (target.chart.name !== dependency.name) {
    throw new NxHelmError(
      `${location}: the dependency "${dependency.name}" points at ${dependency.repository}, but the chart there is named ` +
        `"${target.chart.name}" (${target.relativeDir}/Chart.yaml). Fix: set the dependency's name to "${target.chart.name}" ` +
        '(use `alias` for another name in templates), or point the repository at the right folder.',
      where,
    );
  }
  if (dependency.version === undefined || dependency.version.trim() === '') {
    throw new NxHelmError(
      `${location}: the dependency "${dependency.name}" has no version, which helm refuses. Fix: add ` +
        `\`version: "^${target.chart.version}"\` (a range keeps it valid when ${target.relativeDir} is bumped).`,
      where,
    );
  }
  if (!satisfiesConstraint(target.chart.version, dependency.version)) {
    throw new NxHelmError(
      `${location}: the dependency "${dependency.name}" asks for version ${JSON.stringify(dependency.version)}, but the chart at ` +
        `${dependency.repository} (${target.relativeDir}) is ${target.chart.version}. Fix: change the constraint to accept ` +
        `${target.chart.version} (e.g. "^${target.chart.version}").`,
      where,
    );
  }
}

/**
 * Drops earlier copies of a subchart from a staged charts/ folder (e.g. left in the sources by a local helm run), but
 * not `keep`, the dependency's own folder.
 */
function removeCopies(chartsDir: string, chartName: string, keep: string): void {
  for (const entry of readdirSync(chartsDir)) {
    if (join(chartsDir, entry) === keep) continue;
    if (
      entry === chartName ||
      (entry.startsWith(`${chartName}-`) && entry.endsWith('.tgz') && /^\d/.test(entry.slice(chartName.length + 1)))
    ) {
      rmSync(join(chartsDir, entry), { recursive: true, force: true });
    }
  }
}

/** Where helm reads a chart's dependency list, and the lock file `helm dependency build` writes for it. */
interface DependencyFiles {
  /** `Chart.yaml`, or `requirements.yaml` when that file's `dependencies` replace Chart.yaml's (see parseChart). */
  list: string;
  /** `requirements.lock` for apiVersion v1 charts, `Chart.lock` for the others, as helm names the lock it writes. */
  writtenLock: string;
}

/** The lock files helm reads, for any apiVersion; with both, requirements.lock (read last) wins. */
const LOCK_FILES = ['Chart.lock', 'requirements.lock'];

function dependencyFilesOf(chart: LocalChart): DependencyFiles {
  const declaredIn = chart.chart.dependencies[0]?.file;
  return {
    list: declaredIn ? posix.basename(declaredIn) : 'Chart.yaml',
    writtenLock: chart.chart.apiVersion === 'v1' ? 'requirements.lock' : 'Chart.lock',
  };
}

/** A dependency helm downloads needs a version (or range): helm's own message would be "improper constraint: ". */
function checkDownloadedDependency(chart: LocalChart, dependency: ChartDependency): void {
  if (dependency.version !== undefined && dependency.version.trim() !== '') return;
  const file = dependency.file ?? `${chart.relativeDir}/Chart.yaml`;
  throw new NxHelmError(
    `${file}${dependency.line ? `:${dependency.line}` : ''}: the dependency "${dependency.name}" from ${redactUrlCredentials(dependency.repository ?? '')} has no version, ` +
      'so helm cannot choose one ("improper constraint"). Fix: add `version:` with the version or range to use, e.g. "^1.2.0".',
    { file, line: dependency.line },
  );
}

/**
 * Takes the dependencies built from workspace sources out of the staged dependency list (Chart.yaml or
 * requirements.yaml) and sets the lock files aside, so that `helm dependency build` downloads only the others. The
 * returned function puts the original files back; a lock that helm generated for the reduced list is dropped, as it
 * would not match the full list.
 */
function hideDependencies(stagedDir: string, listFileName: string, hiddenIndexes: ReadonlySet<number>): () => void {
  const listFile = join(stagedDir, listFileName);
  const original = readFileSync(listFile, 'utf8');
  const locks = LOCK_FILES.map((name) => join(stagedDir, name)).map((file) => ({
    file,
    content: existsSync(file) ? readFileSync(file) : undefined,
  }));
  const { parseDocument } = yaml();
  const document = parseDocument(original, { merge: true });
  const list = helmDependencyList(document)!;
  // Items are in the file's order, the order of the chart model's dependencies.
  if (document.get('dependencies', true) === list.node) {
    list.node.items = list.node.items.filter((_, index) => !hiddenIndexes.has(index));
  } else {
    // The list comes through an alias or a merge key, which other fields may share: a list of its own, written last,
    // is the one helm reads (a later key overrides an earlier one and a merge).
    document.delete('dependencies');
    document.set(
      'dependencies',
      list.entries.filter((_, index) => !hiddenIndexes.has(index)),
    );
  }
  writeFileSync(listFile, document.toString());
  for (const { file } of locks) rmSync(file, { force: true });
  return () => {
    writeFileSync(listFile, original);
    for (const { file, content } of locks) {
      rmSync(file, { force: true });
      if (content) writeFileSync(file, content);
    }
  };
}

/**
 * `helm dependency build` writes a lock (Chart.lock, or requirements.lock for v1) with the current time in `generated`
 * when the chart has none; it ends up in the package, so it gets the package's timestamp instead.
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
    // A link's own time: following it would change the time of a file in the sources.
    (entry.isSymbolicLink() ? lutimesSync : utimesSync)(path, date, date);
  }
}

/**
 * Copies a chart folder (links as links, without .git and node_modules): a plain walk, because fs.cpSync's checks cost
 * more than the copy itself for the small files of a chart, in a task that runs once per chart.
 */
function copyTree(source: string, destination: string): void {
  mkdirSync(destination, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const from = join(source, entry.name);
    const to = join(destination, entry.name);
    if (entry.isDirectory()) {
      copyTree(from, to);
    } else if (entry.isSymbolicLink()) {
      // Pointing where the source's link points: a relative link would otherwise resolve inside the staging folder.
      symlinkSync(resolve(source, readlinkSync(from)), to);
    } else if (entry.isFile()) {
      copyFileSync(from, to);
    }
    // Devices, pipes and sockets are left out: copying one would never end, and helm packages none (checkChartFiles
    // refuses those it would read).
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
