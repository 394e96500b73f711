import type {
  CreateDependencies,
  CreateDependenciesContext,
  CreateNodes,
  CreateNodesResult,
  PostTasksExecution,
  PreTasksExecution,
  ProjectConfiguration,
  RawProjectGraphDependency,
} from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { selectChartFiles } from '../chart/chart-files';
import { unlistedChartLinks } from '../chart/chart-links';
import { REQUIREMENTS_FILE, type ChartParseResult, type ChartRequirements } from '../chart/chart-model';
import { ChartModelCache } from '../chart/chart-model-cache';
import { readChartFile, readRequirementsFile } from '../chart/read-chart';
import { fetchesFrom, findWorkspaceDependencies, indexWorkspaceCharts, type WorkspaceChart } from '../chart/workspace-dependencies';
import { METADATA_KEY, PLUGIN_NAME, RELEASE_PUBLISH_TARGET } from '../config/constants';
import { readCtConfig } from '../config/ct-config';
import { chartOwnership, ownershipConflict, type NxJson } from '../config/nx-json-settings';
import { normalizePluginOptions, publishRepositories, type NxHelmPluginOptions } from '../config/plugin-options';
import { NxHelmError } from '../utils/nx-helm-error';
import { pluginVersion } from '../utils/plugin-version';
import type { ChartProjectMetadata } from '../config/project-metadata';
import { buildChartProject } from './chart-targets';
import { cliCommand } from './cli-command';
import { writeHelmPathFile } from './helm-path-file';
import { defaultExecution } from '../config/nx-version';
import { workspaceDataDirectory } from '../config/workspace-data';
import { FileCache, hashOf } from '../utils/file-cache';

export const name = PLUGIN_NAME;

const chartGlob = '**/Chart.yaml';

type ChartProject = ProjectConfiguration & { name: string };

/*
 * Only types come from @nx/devkit: loading it takes longer than computing a thousand charts' projects, and Nx loads
 * this module for every graph computation. Its one value needed here, for reporting errors, is loaded on failure.
 */

export const createNodes: CreateNodes<NxHelmPluginOptions> = [
  chartGlob,
  async (chartFiles, rawOptions, context) => {
    const options = normalizePluginOptions(rawOptions);
    // Part of the options (and so of the projects' cache key): the default depends on the Nx version.
    options.execution ??= defaultExecution(context.workspaceRoot, process.env);
    const models = new ChartModelCache(context.workspaceRoot);
    const cli = cliCommand(context.workspaceRoot);
    const helmPathFile = options.helmPath ? writeHelmPathFile(context.workspaceRoot, options.helmPath) : undefined;
    const cache = new FileCache<ChartProject>(
      join(
        workspaceDataDirectory(context.workspaceRoot),
        `nx-helm-${hashOf(options, pluginVersion, cli, helmPathFile ?? null).slice(0, 16)}.json`,
      ),
    );
    // A chart-testing configuration decides which charts are linted (see buildChartProject).
    const ct = readCtConfig(context.workspaceRoot, options.ctConfig);
    const linked = new Set(unlistedChartLinks(context.workspaceRoot).filter((file) => !chartFiles.includes(file)));
    const plugins = context.nxJsonConfiguration?.plugins as NxJson['plugins'];
    // Each chart is built by the entry that owns it; one taken by entries with different options is an error. This
    // also decides which entry takes the linked charts, which Nx does not hand to any.
    const ownership = new Map(
      selectChartFiles([...chartFiles, ...linked]).map((file) => [file, chartOwnership(plugins, rawOptions, file)]),
    );
    const selected = [...ownership].filter(([, owner]) => owner === 'own').map(([file]) => file);
    const projects = new Map<string, ChartProject>();
    const charts = new Map<string, { text: string; requirements: ChartRequirements | undefined; parsed: ChartParseResult }>();
    for (const chartFile of selected) {
      const projectRoot = posix.dirname(chartFile);
      if (linked.has(chartFile)) {
        // Never a usable chart (see unlistedChartLinks): a project only so that its lint reports the link.
        const parsed = readChartFile(join(context.workspaceRoot, chartFile), chartFile, context.workspaceRoot);
        const project = buildChartProject(projectRoot, parsed, options, context.workspaceRoot, ct, {
          cli,
          registryUsed: true,
          helmPathFile,
        });
        // Its targets only fail. Nx has no files of a linked folder, and its hasher refuses a project without any
        // unless the targets read none.
        for (const target of Object.values(project.targets ?? {})) {
          target.cache = false;
          target.inputs = [];
        }
        projects.set(chartFile, project);
        continue;
      }
      const text = readFileSync(join(context.workspaceRoot, chartFile), 'utf8');
      // Its dependencies, when the chart has one (see parseChart): part of both cache keys.
      const requirements = readRequirementsFile(join(context.workspaceRoot, chartFile), chartFile);
      // Every chart goes through the model cache, even when its project is cached: the tasks read the models there.
      charts.set(chartFile, { text, requirements, parsed: models.parse(text, chartFile, requirements) });
    }
    const registryUsed = fetchesFrom(
      [...charts.values()].map(({ parsed }) => parsed.chart),
      options.registry,
    );
    for (const [chartFile, { text, requirements, parsed }] of charts) {
      projects.set(
        chartFile,
        cache.get(hashOf(pluginVersion, chartFile, text, ct ?? null, requirements?.text ?? null, registryUsed), () =>
          buildChartProject(posix.dirname(chartFile), parsed, options, context.workspaceRoot, ct, { cli, registryUsed, helmPathFile }),
        ),
      );
    }
    cache.save();
    models.save();
    renameCollidingBrokenCharts(projects, options.projectNamePrefix);
    const filesByName = groupBy(selected, (file) => projects.get(file)!.name);
    const results: Array<readonly [string, CreateNodesResult]> = [];
    const errors: Array<[string, Error]> = [...ownership]
      .filter(([, owner]) => owner === 'conflict')
      .map(([file]) => [file, new NxHelmError(ownershipConflict(plugins, file)!, { file: 'nx.json' })]);
    for (const chartFile of selected) {
      const project = projects.get(chartFile)!;
      const sameName = filesByName.get(project.name)!;
      if (sameName.length > 1) {
        errors.push([
          chartFile,
          new NxHelmError(
            `Two or more charts would become the project "${project.name}": ${sameName.join(', ')}. ` +
              'Project names must be unique: rename one chart (the name field of its Chart.yaml), or set the ' +
              'projectNamePrefix option of one nx-helm plugin entry limited to one folder with "include".',
            { file: chartFile },
          ),
        ]);
      } else {
        results.push([chartFile, { projects: { [project.root]: project } }] as const);
      }
    }
    if (errors.length > 0) {
      throw aggregateError(errors, results);
    }
    return results;
  },
];

/** Nx 22 reads createNodesV2 first; Nx 23+ reads createNodes. Both have the same shape. */
export const createNodesV2 = createNodes;

/** Nx's error for a batch with failures: it shows each failure and keeps the other results in the graph. */
function aggregateError(errors: Array<[string, Error]>, results: Array<readonly [string, CreateNodesResult]>): Error {
  const { AggregateCreateNodesError } = require('@nx/devkit') as typeof import('@nx/devkit');
  return new AggregateCreateNodesError(errors, results);
}

/**
 * Edges from a chart to the workspace charts it depends on:
 * - a `file://` dependency is a static edge whose source file is the file that declares it (the dependent's Chart.yaml,
 *   or its requirements.yaml): it holds the edge's truth, so Nx may keep the edge until that file changes (it re-asks
 *   only for changed files). As requirements.yaml, when it has a list, replaces Chart.yaml's, a change to either file
 *   sends the chart's edges again (Nx keeps one edge per file and target);
 * - a dependency on the workspace's own registry is an edge only while the local chart's version satisfies the
 *   constraint, which another chart's Chart.yaml decides. Nx would keep a per-file edge after that version moved, so
 *   these are implicit edges, computed for every chart on every call (from the parsed-chart cache, so it is cheap).
 */
export const createDependencies: CreateDependencies<NxHelmPluginOptions> = (rawOptions, context) => {
  const options = normalizePluginOptions(rawOptions);
  const charts = workspaceCharts(context);
  const index = indexWorkspaceCharts(charts.values());
  const repositories = publishRepositories(options);
  const changed = new Set(Object.values(context.filesToProcess.projectFileMap).flatMap((files) => files.map((file) => file.file)));
  const dependencies: RawProjectGraphDependency[] = [];
  for (const source of charts.values()) {
    const chartFile = source.root === '.' ? 'Chart.yaml' : `${source.root}/Chart.yaml`;
    const listChanged = changed.has(chartFile) || changed.has(chartFile.replace(/Chart\.yaml$/, REQUIREMENTS_FILE));
    const parsed = readChartFile(join(context.workspaceRoot, chartFile), chartFile, context.workspaceRoot);
    if (!parsed.chart) {
      continue;
    }
    for (const { dependency, target, via } of findWorkspaceDependencies(
      source.root,
      parsed.chart,
      index,
      repositories,
      context.workspaceRoot,
    )) {
      if (via === 'repository') {
        dependencies.push({ source: source.projectName, target: target.projectName, type: 'implicit' } as RawProjectGraphDependency);
      } else if (listChanged) {
        dependencies.push({
          source: source.projectName,
          target: target.projectName,
          sourceFile: dependency.file ?? chartFile,
          type: 'static' as RawProjectGraphDependency['type'],
        });
      }
    }
  }
  return dependencies;
};

/** The valid charts among the workspace's projects, keyed by project root, from the metadata createNodes recorded. */
function workspaceCharts(context: CreateDependenciesContext): Map<string, WorkspaceChart> {
  const charts = new Map<string, WorkspaceChart>();
  for (const project of Object.values(context.projects)) {
    const metadata = project.metadata?.[METADATA_KEY] as ChartProjectMetadata | undefined;
    if (project.name && metadata?.chartName && metadata.chartVersion) {
      charts.set(project.root, {
        root: project.root,
        projectName: project.name,
        chartName: metadata.chartName,
        chartVersion: metadata.chartVersion,
      });
    }
  }
  return charts;
}

/**
 * A chart whose Chart.yaml is invalid is named after its folder, which another chart may have too (`services/api/chart`
 * beside `services/jobs/chart`, a broken `legacy/web` beside `charts/web`). Such a chart is named after its path
 * instead, so that it cannot take the graph down and its lint-chart can report the real error; two valid charts with
 * one name still fail, as only renaming one of them can settle which is which.
 */
function renameCollidingBrokenCharts(projects: Map<string, ChartProject>, prefix: string): void {
  const byName = groupBy([...projects.values()], (project) => project.name);
  const taken = new Set(byName.keys());
  for (const [chartFile, project] of projects) {
    const metadata = project.metadata?.[METADATA_KEY] as ChartProjectMetadata | undefined;
    if (metadata?.chartName !== undefined || byName.get(project.name)!.length === 1) continue;
    const base = `${prefix}${project.root === '.' ? 'chart' : project.root.replace(/[^A-Za-z0-9_.-]+/g, '-')}`;
    let name = base;
    for (let suffix = 2; taken.has(name); suffix++) name = `${base}-${suffix}`;
    taken.add(name);
    projects.set(chartFile, { ...project, name });
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  }
  return groups;
}

/**
 * Before tasks run: the registry cache (plugin option `cache`, or NX_HELM_CACHE_REPOSITORY) starts its local server
 * for the run and points Nx at it. Without one configured, nothing is loaded.
 */
export const preTasksExecution: PreTasksExecution<NxHelmPluginOptions> = async (options, context) => {
  if (!options?.cache && !process.env.NX_HELM_CACHE_REPOSITORY) return;
  const { startRegistryCache } = require('../cache/cache-hooks') as typeof import('../cache/cache-hooks');
  await startRegistryCache(options, context);
};

/**
 * After tasks ran: the registry cache's server stops; after `nx release publish` (and `nx release`), one summary of what
 * every chart's nx-release-publish did, so a release that failed half-way says which charts the registry holds and
 * which it does not. The summary is printed where Nx runs the hook: the terminal, unless the daemon runs it.
 */
export const postTasksExecution: PostTasksExecution<NxHelmPluginOptions> = async (options, context) => {
  if (options?.cache || process.env.NX_HELM_CACHE_REPOSITORY) {
    const { stopRegistryCache } = require('../cache/cache-hooks') as typeof import('../cache/cache-hooks');
    await stopRegistryCache(context);
  }
  if (!Object.values(context.taskResults).some((result) => result.task.target.target === RELEASE_PUBLISH_TARGET)) return;
  const { reportReleasePublish } = require('../release/release-publish-report') as typeof import('../release/release-publish-report');
  reportReleasePublish(options, context);
};
