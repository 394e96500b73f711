import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_TARGET_NAMES } from '../config/constants';
import { readNxJson } from '../config/nx-json-settings';
import { workspaceNxBin, workspaceNxVersion } from '../config/nx-version';
import { diffObjects } from '../diff/manifest-diff';
import { jsonReport, markdownReport, terminalSummary, type ChartDiff, type DiffReport, type ValuesSetDiff } from '../diff/diff-report';
import { parseRenderedFile, type RenderedObject } from '../render/rendered-manifest';
import type { Logger } from '../utils/logger';
import { NxHelmError } from '../utils/nx-helm-error';
import { runProcess, type ProcessResult } from '../utils/process';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { resolveBase } from './check-version';
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
  const { base: baseRef, origin } = resolveBase({ workspaceRoot, base: options.base, env, chartRoot: '.', log });
  const git = (args: string[], cwd = workspaceRoot) => runProcess('git', args, { cwd, env: { ...env, LC_ALL: 'C' } });
  const resolved = await git(['rev-parse', '--verify', '--quiet', `${baseRef}^{commit}`]);
  if (resolved.failed) {
    throw new NxHelmError(
      `The base ${baseRef} (from ${origin}) is not a commit of this repository. Fetch it (e.g. \`git fetch origin main\`, or ` +
        'actions/checkout with `fetch-depth: 0`) or pass --base <commit>.',
    );
  }
  // What the change itself did: compared with where it left the base branch, as nx affected compares.
  const mergeBase = await git(['merge-base', resolved.stdout.trim(), 'HEAD']);
  const base = mergeBase.failed ? resolved.stdout.trim() : mergeBase.stdout.trim();
  const nx = new NxRunner(workspaceRoot, env);

  const headCharts = await nx.chartProjects(workspaceRoot, target);
  const affected = new Set(await nx.affectedProjects(workspaceRoot, base, target));
  const headAffected = headCharts.filter((chart) => affected.has(chart.project));
  const renders = { fromCache: 0, rendered: 0 };
  const headRun = await nx.render(workspaceRoot, target, headAffected);
  renders.fromCache += headRun.fromCache;
  renders.rendered += headRun.rendered;

  const worktree = await addWorktree(workspaceRoot, base, git, env);
  let charts: ChartDiff[];
  try {
    const baseCharts = await nx.chartProjects(worktree.workspaceRoot, target, worktree.env);
    const headRoots = new Set(headCharts.map((chart) => chart.root));
    const affectedRoots = new Set(headAffected.map((chart) => chart.root));
    const baseRendered = baseCharts.filter((chart) => affectedRoots.has(chart.root) || !headRoots.has(chart.root));
    const baseRun = await nx.render(worktree.workspaceRoot, target, baseRendered, worktree.env);
    renders.fromCache += baseRun.fromCache;
    renders.rendered += baseRun.rendered;
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
  const outputDir = join(workspaceRoot, options.outputDir ?? 'dist/diff');
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
  const versionBefore = before.chart ? chartFacts(join(before.tree, before.chart.root)) : undefined;
  const versionAfter = after.chart ? chartFacts(join(after.tree, after.chart.root)) : undefined;
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
    sets[file.slice(0, -'.yaml'.length)] = parseRenderedFile(readFileSync(join(dir, file), 'utf8'));
  }
  const problemsFile = join(dir, RENDER_PROBLEMS_FILE);
  return { sets, ...(existsSync(problemsFile) ? { problems: readFileSync(problemsFile, 'utf8').trim() } : {}) };
}

function chartFacts(chartDir: string): { name?: string; version?: string } | undefined {
  try {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name?: unknown; version?: unknown };
    return {
      name: typeof chart.name === 'string' ? chart.name : undefined,
      version: chart.version === undefined ? undefined : String(chart.version),
    };
  } catch {
    return undefined;
  }
}

/**
 * A temporary worktree of the base commit, sharing the workspace's installed packages and Nx cache, so that Nx there
 * finds the renders it already holds. Removed afterwards (and on interrupt, with its temporary folder).
 */
async function addWorktree(
  workspaceRoot: string,
  base: string,
  git: (args: string[], cwd?: string) => Promise<ProcessResult>,
  env: NodeJS.ProcessEnv,
): Promise<{ workspaceRoot: string; env: NodeJS.ProcessEnv; remove(): Promise<void> }> {
  const gitRoot = (await git(['rev-parse', '--show-toplevel'])).stdout.trim();
  const dir = createTempDir('nx-helm-diff-', () => {
    void git(['worktree', 'prune']);
  });
  const tree = join(dir, 'base');
  const added = await git(['worktree', 'add', '--detach', '--force', tree, base]);
  if (added.failed) {
    removeTempDir(dir);
    throw new NxHelmError(`Could not check out the base commit ${base} in a temporary worktree: ${added.stderr.trim()}`);
  }
  const root = join(tree, relative(gitRoot, workspaceRoot));
  for (const shared of ['node_modules', '.nx/installation']) {
    const source = join(workspaceRoot, shared);
    if (existsSync(source) && !existsSync(join(root, shared))) {
      mkdirSync(dirname(join(root, shared)), { recursive: true });
      symlinkSync(source, join(root, shared), 'dir');
    }
  }
  return {
    workspaceRoot: root,
    env: { NX_DAEMON: 'false', ...sharedCacheDirectory(workspaceRoot, env) },
    remove: async () => {
      await git(['worktree', 'remove', '--force', tree]);
      removeTempDir(dir);
      await git(['worktree', 'prune']);
    },
  };
}

/**
 * Where Nx in the worktree finds the workspace's cache. A cache hit needs both the cache folder and the database that
 * indexes it (in Nx's workspace data folder). Nx 24 shares both between checkouts of a repository by itself, unless a
 * location is configured; then, and with earlier versions (which keep both in the workspace's `.nx`), the worktree is
 * pointed at the workspace's own.
 */
function sharedCacheDirectory(workspaceRoot: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const absolute = (path: string) => (isAbsolute(path) ? path : join(workspaceRoot, path));
  const configured = readNxJson(workspaceRoot)?.cacheDirectory;
  const workspaceData = env.NX_WORKSPACE_DATA_DIRECTORY ?? env.NX_PROJECT_GRAPH_CACHE_DIRECTORY;
  const major = Number(workspaceNxVersion(workspaceRoot)?.split('.')[0] ?? 0);
  const sharedByNx = major >= 24 && !env.NX_CACHE_DIRECTORY && !workspaceData && typeof configured !== 'string';
  if (sharedByNx) return {};
  return {
    NX_CACHE_DIRECTORY: absolute(env.NX_CACHE_DIRECTORY ?? (typeof configured === 'string' ? configured : '.nx/cache')),
    NX_WORKSPACE_DATA_DIRECTORY: absolute(workspaceData ?? '.nx/workspace-data'),
  };
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
    return runProcess(process.execPath, [this.bin, ...args], {
      cwd,
      env: { ...this.env, ...extraEnv, NX_TUI: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0' },
      timeoutMs: 3_600_000,
    });
  }

  /** The projects with the render target, with their folders and render output folders, from Nx's project graph. */
  async chartProjects(cwd: string, target: string, extraEnv?: NodeJS.ProcessEnv): Promise<ChartProject[]> {
    const dir = createTempDir('nx-helm-graph-');
    try {
      const file = join(dir, 'graph.json');
      const result = await this.run(cwd, ['graph', `--file=${file}`], extraEnv);
      if (result.failed) throw nxFailure('nx graph', cwd, result);
      const graph = JSON.parse(readFileSync(file, 'utf8')) as {
        graph: { nodes: Record<string, { data: { root: string; targets?: Record<string, { outputs?: string[] }> } }> };
      };
      return Object.entries(graph.graph.nodes).flatMap(([project, node]) => {
        const output = node.data.targets?.[target]?.outputs?.[0];
        if (!output) return [];
        const renderDir = output.replace('{workspaceRoot}/', '').replace('{projectRoot}', node.data.root);
        return [{ project, root: node.data.root, renderDir }];
      });
    } finally {
      removeTempDir(dir);
    }
  }

  async affectedProjects(cwd: string, base: string, target: string): Promise<string[]> {
    const result = await this.run(cwd, ['show', 'projects', '--affected', `--base=${base}`, `--with-target=${target}`, '--json']);
    if (result.failed) throw nxFailure('nx show projects --affected', cwd, result);
    return JSON.parse(result.stdout.slice(result.stdout.indexOf('['))) as string[];
  }

  /** `nx run-many -t <render>` of the charts: how many came from the cache, and which failed. */
  async render(
    cwd: string,
    target: string,
    charts: readonly ChartProject[],
    extraEnv?: NodeJS.ProcessEnv,
  ): Promise<{ fromCache: number; rendered: number; failed: Set<string> }> {
    if (charts.length === 0) return { fromCache: 0, rendered: 0, failed: new Set() };
    const result = await this.run(
      cwd,
      ['run-many', `--targets=${target}`, `--projects=${charts.map((chart) => chart.project).join(',')}`, '--outputStyle=static'],
      extraEnv,
    );
    const output = `${result.stdout}\n${result.stderr}`;
    const cached = /for (\d+) out of (\d+) tasks?/.exec(output);
    const fromCache = cached ? Number(cached[1]) : 0;
    // Nx lists the tasks that failed at the end of a run: "- <project>:<target>".
    const failed = new Set(
      result.failed ? charts.filter((chart) => output.includes(`- ${chart.project}:${target}`)).map((chart) => chart.project) : [],
    );
    return { fromCache, rendered: charts.length - fromCache, failed };
  }
}

function nxFailure(what: string, cwd: string, result: ProcessResult): NxHelmError {
  const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-20).join('\n');
  return new NxHelmError(`${what} failed in ${cwd}, so the rendered manifests cannot be compared:\n${output}`);
}
