import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix, relative, resolve } from 'node:path';
import { defaultRenderOutputPath, DEFAULT_TARGET_NAMES } from '../config/constants';
import { findChartFiles } from '../chart/chart-files';
import { readChartFile } from '../chart/read-chart';
import { resolveSettings } from '../config/nx-json-settings';
import { workspaceNxBin } from '../config/nx-version';
import { addBaseWorktree } from '../diff/base-worktree';
import { diffObjects } from '../diff/manifest-diff';
import { jsonReport, markdownReport, terminalSummary, type ChartDiff, type DiffReport, type ValuesSetDiff } from '../diff/diff-report';
import { parseRenderedFile, type RenderedObject } from '../render/rendered-manifest';
import type { Logger } from '../utils/logger';
import { NxHelmError } from '../utils/nx-helm-error';
import { runGit } from '../utils/git';
import { runProcess, type ProcessResult } from '../utils/process';
import { resolveBase } from './check-version';
import { mergeBaseCommit } from '../chart/base-commit';
import { RENDER_PROBLEMS_FILE } from './render';

export interface DiffOptions {
  workspaceRoot: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Commit or branch to compare with; default as check-version finds it (NX_BASE, nx.json's defaultBase, ct.yaml, main). */
  base?: string;
  /** Where the reports go, relative to the workspace root. Default dist/diff. */
  outputDir?: string;
  /** The render target's name (the plugin's renderTargetName). */
  renderTarget?: string;
  /** Longest Markdown report (a pull request comment holds 65,536 characters). */
  maxLength?: number;
  /** The plugin's ctConfig option, for the base ct.yaml names. */
  ctConfig?: string | false;
}

export interface DiffResult {
  report: DiffReport;
  markdownFile: string;
  jsonFile: string;
}

/** A chart project as the rendering of one tree sees it. */
interface ChartProject {
  project: string;
  root: string;
  /** Where its render target writes, relative to the tree's root. */
  renderDir: string;
  /** Its name and version as its Chart.yaml gives them (undefined for a Chart.yaml that is not valid). */
  facts?: { name: string; version: string };
}

/**
 * The application charts of a tree, named and placed as the plugin names their projects and render targets write
 * (a Chart.yaml that does not parse is a project named after its folder). Library charts have no render target.
 */
function renderableCharts(treeRoot: string, env: NodeJS.ProcessEnv): ChartProject[] {
  const { NX_HELM_OPTIONS: _options, ...withoutTargetOptions } = env;
  return findChartFiles(treeRoot).flatMap((chartFile) => {
    const root = posix.dirname(chartFile);
    const { chart } = readChartFile(join(treeRoot, chartFile), chartFile, treeRoot);
    if (chart?.type === 'library') return [];
    const settings = resolveSettings(treeRoot, root, withoutTargetOptions);
    const name = chart?.name ?? posix.basename(root === '.' ? treeRoot.replace(/\\/g, '/') : root);
    return [
      {
        project: `${settings.projectNamePrefix ?? ''}${name}`,
        root,
        renderDir: defaultRenderOutputPath(root, settings.outputPath),
        ...(chart ? { facts: { name: chart.name, version: chart.version } } : {}),
      },
    ];
  });
}

/**
 * What a change does to the rendered manifests: the charts affected between the base and the working tree are rendered
 * on both sides by Nx (so each side comes from Nx's cache when it holds it; the base in a temporary worktree of the
 * base commit) and compared object by object, per values set. New and deleted charts are included. The reports are
 * written as Markdown (sized for a pull request comment) and JSON; a summary is logged.
 */
export async function diffRenderings(options: DiffOptions): Promise<DiffResult> {
  const { workspaceRoot, log } = options;
  const env = options.env ?? process.env;
  const target = options.renderTarget ?? DEFAULT_TARGET_NAMES.render;
  const { base: baseRef, origin } = resolveBase({
    workspaceRoot,
    base: options.base,
    env,
    chartRoot: '.',
    log,
    ctConfig: options.ctConfig,
  });
  const git = (args: string[], cwd = workspaceRoot) => runGit(args, cwd, env);
  // What the change itself did: compared with where it left the base branch, as nx affected compares.
  const base = await mergeBaseCommit(workspaceRoot, baseRef, origin);
  const nx = new NxRunner(workspaceRoot, env);

  const headCharts = renderableCharts(workspaceRoot, env);
  const headRoots = new Set(headCharts.map((chart) => chart.root));
  const head = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  const worktree = await addBaseWorktree(workspaceRoot, base, git, env);
  let charts: ChartDiff[];
  const renders = { fromCache: 0, rendered: 0 };
  try {
    const baseCharts = renderableCharts(worktree.workspaceRoot, env);
    // One Nx command finds the affected charts and renders them, on each side: `nx affected -t <render>`. The base's
    // runs beside the head's where Nx keeps each checkout's project graph apart (its own cache sharing); where both
    // use one workspace data folder, after it.
    const baseAffected = () => nx.affected(worktree.workspaceRoot, base, target, head, worktree.nxEnv());
    const [headRun, baseFirst] = worktree.separateGraphs
      ? await Promise.all([nx.affected(workspaceRoot, base, target), baseAffected()])
      : [await nx.affected(workspaceRoot, base, target), undefined];
    const headAffected = headCharts.filter((chart) => headRun.ran.has(chart.project));
    const affectedRoots = new Set(headAffected.map((chart) => chart.root));
    // The base renders of the affected charts and of deleted ones; uncommitted changes can affect more than the
    // committed ones the base's run saw: those are rendered after it.
    const baseRendered = baseCharts.filter((chart) => affectedRoots.has(chart.root) || !headRoots.has(chart.root));
    const firstRan = baseFirst?.ran ?? new Set<string>();
    const rest = baseRendered.filter((chart) => !firstRan.has(chart.project));
    const restRun = await nx.render(worktree.workspaceRoot, target, rest, worktree.nxEnv());
    const baseRun = {
      failed: new Set([...(baseFirst?.failed ?? []), ...restRun.failed]),
      cached: new Set([...(baseFirst?.cached ?? []), ...restRun.cached]),
    };
    // Counted for the charts compared (the base's run may have rendered charts it did not need).
    const baseFromCache = baseRendered.filter((chart) => baseRun.cached.has(chart.project)).length;
    renders.fromCache = headRun.cached.size + baseFromCache;
    renders.rendered = headRun.ran.size - headRun.cached.size + baseRendered.length - baseFromCache;
    const baseByRoot = new Map(baseRendered.map((chart) => [chart.root, chart]));
    charts = [
      ...headAffected.map((chart) =>
        compareChart(
          { tree: worktree.workspaceRoot, chart: baseByRoot.get(chart.root) },
          { tree: workspaceRoot, chart },
          headRun.failed.has(chart.project),
          baseRun.failed.has(baseByRoot.get(chart.root)?.project ?? ''),
        ),
      ),
      ...baseRendered
        .filter((chart) => !headRoots.has(chart.root))
        .map((chart) =>
          compareChart({ tree: worktree.workspaceRoot, chart }, { tree: workspaceRoot }, false, baseRun.failed.has(chart.project)),
        ),
    ].sort((a, b) => (a.root < b.root ? -1 : a.root > b.root ? 1 : 0));
  } finally {
    await worktree.remove();
  }

  const report: DiffReport = { base, baseRef, head: 'working tree', charts, renders };
  const outputDir = resolve(workspaceRoot, options.outputDir ?? 'dist/diff');
  mkdirSync(outputDir, { recursive: true });
  const markdownFile = join(outputDir, 'report.md');
  const jsonFile = join(outputDir, 'report.json');
  writeFileSync(jsonFile, jsonReport(report));
  writeFileSync(
    markdownFile,
    markdownReport(report, { maxLength: options.maxLength, fullReport: relative(workspaceRoot, jsonFile).split('\\').join('/') }),
  );
  log.info(terminalSummary(report));
  log.info(`Reports: ${relative(workspaceRoot, markdownFile)}, ${relative(workspaceRoot, jsonFile)}`);
  return { report, markdownFile, jsonFile };
}

interface Side {
  tree: string;
  chart?: ChartProject;
}

/** One chart's renderings at base and head compared, per values set. */
function compareChart(before: Side, after: Side, headFailed: boolean, baseFailed: boolean): ChartDiff {
  const chart = (after.chart ?? before.chart)!;
  const read = (side: Side) => (side.chart ? readRendering(join(side.tree, side.chart.renderDir)) : undefined);
  const was = read(before);
  const is = read(after);
  const versionBefore = before.chart?.facts;
  const versionAfter = after.chart?.facts;
  const sets = [...new Set([...Object.keys(was?.sets ?? {}), ...Object.keys(is?.sets ?? {})])].sort();
  const valuesSets: ValuesSetDiff[] = sets.map((valuesSet) => {
    const objectsBefore = was?.sets[valuesSet];
    const objectsAfter = is?.sets[valuesSet];
    const changes = diffObjects(objectsBefore, objectsAfter);
    const status = !objectsBefore ? 'added' : !objectsAfter ? 'removed' : changes.length > 0 ? 'changed' : 'unchanged';
    return { valuesSet, status, changes };
  });
  const errors = [
    ...(baseFailed || was?.problems ? [`at the base: ${was?.problems ?? 'render-chart failed (run it there for its message)'}`] : []),
    ...(headFailed || is?.problems ? [`in the working tree: ${is?.problems ?? 'render-chart failed (run it for its message)'}`] : []),
  ];
  const changed = valuesSets.some((set) => set.status !== 'unchanged');
  const status = !before.chart ? 'added' : !after.chart ? 'removed' : errors.length > 0 ? 'failed' : changed ? 'changed' : 'unchanged';
  return {
    project: chart.project,
    chart: versionAfter?.name ?? versionBefore?.name ?? chart.project,
    root: chart.root,
    status,
    ...(versionBefore ? { versionBefore: versionBefore.version } : {}),
    ...(versionAfter ? { versionAfter: versionAfter.version } : {}),
    sameVersion: status === 'changed' && versionBefore?.version === versionAfter?.version,
    valuesSets,
    ...(errors.length > 0 ? { error: errors.join('\n') } : {}),
  };
}

/** The values sets render-chart wrote into a folder, and its problems file when it failed. */
function readRendering(dir: string): { sets: Record<string, RenderedObject[]>; problems?: string } | undefined {
  if (!existsSync(dir)) return undefined;
  const sets: Record<string, RenderedObject[]> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.yaml'))) {
    try {
      sets[file.slice(0, -'.yaml'.length)] = parseRenderedFile(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      return {
        sets,
        problems: `${join(dir, file)} is not a file render-chart wrote (${(error as Error).message}); run render-chart again`,
      };
    }
  }
  const problemsFile = join(dir, RENDER_PROBLEMS_FILE);
  return { sets, ...(existsSync(problemsFile) ? { problems: readFileSync(problemsFile, 'utf8').trim() } : {}) };
}

/** Nx, as the workspace installed it, run as a program. */
class NxRunner {
  private readonly bin: string;

  constructor(
    workspaceRoot: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    const bin = workspaceNxBin(workspaceRoot);
    if (!bin) {
      throw new NxHelmError(`nx-helm diff runs Nx, which is not installed in ${workspaceRoot}. Run npm install (or ./nx) first.`);
    }
    this.bin = bin;
  }

  private async run(cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
    // NX_HEAD (set in CI by nrwl/nx-set-shas) would make `nx affected` compare with a commit, not the working tree.
    const { NX_HEAD: _head, ...env } = this.env;
    // Nx starts a worker process per plugin for each graph it builds (about a second of a 2-core runner per run, and
    // the diff runs Nx once per checkout); they load in Nx's own process here, unless NX_ISOLATE_PLUGINS says otherwise.
    const isolation = { NX_ISOLATE_PLUGINS: env.NX_ISOLATE_PLUGINS ?? 'false' };
    return runProcess(process.execPath, [this.bin, ...args], {
      cwd,
      env: { ...env, ...isolation, ...extraEnv, NX_TUI: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
      timeoutMs: 3_600_000,
    });
  }

  /**
   * `nx affected -t <render>` since the base: to the working tree (uncommitted changes included), or to `head`. The
   * tasks it ran, from the cache or not.
   */
  async affected(cwd: string, base: string, target: string, head?: string, extraEnv?: NodeJS.ProcessEnv): Promise<TaskRun> {
    const range = [`--base=${base}`, ...(head ? [`--head=${head}`] : [])];
    return taskRun(await this.run(cwd, ['affected', `--targets=${target}`, ...range, '--outputStyle=static'], extraEnv), target, cwd);
  }

  /** `nx run-many -t <render>` of the charts: how many came from the cache, and which failed. */
  async render(cwd: string, target: string, charts: readonly ChartProject[], extraEnv?: NodeJS.ProcessEnv): Promise<TaskRun> {
    if (charts.length === 0) return { ran: new Set(), cached: new Set(), failed: new Set() };
    const result = await this.run(
      cwd,
      ['run-many', `--targets=${target}`, `--projects=${charts.map((chart) => chart.project).join(',')}`, '--outputStyle=static'],
      extraEnv,
    );
    return taskRun(result, target, cwd);
  }
}

/** What an Nx run of the render target did, from its output (the same in Nx 22 to 24, static output style). */
interface TaskRun {
  /** The projects whose task ran (or was restored from the cache): Nx prints `> nx run <project>:<target>` for each. */
  ran: Set<string>;
  /** Those restored from a cache: Nx marks their line `[local cache]`, `[remote cache]` or `[existing outputs …]`. */
  cached: Set<string>;
  /** The projects whose task failed: Nx lists them at the end, `- <project>:<target>`. */
  failed: Set<string>;
}

function taskRun(result: ProcessResult, target: string, cwd: string): TaskRun {
  const output = `${result.stdout}\n${result.stderr}`;
  const ran = new Set<string>();
  const cached = new Set<string>();
  for (const [, project, ranTarget, rest] of output.matchAll(/^> nx run ([^\s:]+):(\S+)(.*)$/gm)) {
    if (ranTarget !== target) continue;
    ran.add(project);
    if (/\[(local cache|remote cache|existing outputs match the cache)/.test(rest)) cached.add(project);
  }
  const failed = new Set(result.failed ? [...ran].filter((project) => output.includes(`- ${project}:${target}`)) : []);
  // Nx itself failed (the graph, an option), not a task: nothing it left behind may be compared.
  if (result.failed && failed.size === 0) throw nxFailure(`nx ${result.args[1]}`, cwd, result);
  return { ran, cached, failed };
}

function nxFailure(what: string, cwd: string, result: ProcessResult): NxHelmError {
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-20).join('\n');
  return new NxHelmError(
    `${what} failed in ${cwd}, so the rendered manifests cannot be compared. Its output ends with:\n${output}\n` +
      'Fix what it reports (run the same nx command there to see all of it), then run nx-helm diff again.',
  );
}
