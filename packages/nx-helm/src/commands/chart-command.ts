import { join } from 'node:path';
import type { Chart } from '../chart/chart-model';
import { chartProblemError } from '../chart/chart-problem';
import { readChartFile } from '../chart/read-chart';
import { loadLocalChartTree, type LocalChartTree } from '../chart/local-chart-tree';
import { scanWorkspaceCharts } from '../chart/scan-workspace-charts';
import { workspaceDependencyResolver, type WorkspaceChartSource } from '../chart/workspace-dependencies';
import { checkSettings } from '../config/nx-json-settings';
import type { CommandSettings } from '../config/plugin-options';
import { secretVariables } from '../config/secret-variables';
import { HelmRunner } from '../helm/helm-runner';
import { readCtConfig, type CtConfig } from '../config/ct-config';
import type { SigningOptions } from '../packaging/provenance';
import type { RegistriesOptions } from '../registry/registry-options';
import type { StageOptions } from '../staging/staged-chart';
import type { Logger } from '../utils/logger';
import type { CommandSession } from './command-session';

/** What every command that works on one chart is given. Plain data: no Nx types, so the CLI and executors share it. */
export interface ChartCommandOptions {
  /** Absolute path of the workspace root (where nx.json is). */
  workspaceRoot: string;
  /** The chart folder, relative to the workspace root (`charts/web`, or `.`). */
  chartRoot: string;
  /** The Nx project of the chart, for messages; defaults to the chart folder. */
  projectName?: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** helm binary (relative to the workspace root); else HELM_BIN, else helm on PATH. */
  helmPath?: string;
  /** Per registry host: credentials (names of environment variables) and connection settings. */
  registries?: RegistriesOptions;
  /** Signing settings; their secret variables are kept from helm even by commands that do not sign. */
  sign?: SigningOptions;
  /** Repositories this workspace publishes to: dependencies on their charts are built from the local sources. */
  publishRepositories?: string[];
  /** The workspace's charts (from Nx's project graph); found on disk when absent and needed. */
  workspaceCharts?: WorkspaceChartSource;
  /** Prefix of project names, for charts found on disk. */
  projectNamePrefix?: string;
  /** The plugin's `ctConfig` option: the chart-testing file to follow, or false. Default ct.yaml at the root. */
  ctConfig?: string | false;
  /** Seconds a cached chart repository index is used without asking its server (NX_HELM_REPOSITORY_INDEX_TTL wins). */
  repositoryIndexTtl?: number;
  /** Let charts read files outside themselves (links) and charts outside the workspace (file://). Default false. */
  allowExternalFiles?: boolean;
  /** What the charts of one batch share (helm, ct.yaml, archives, registries); absent for a command run on its own. */
  session?: CommandSession;
}

/** The chart-testing configuration the command follows (read once per batch). */
export function commandCtConfig(options: Pick<ChartCommandOptions, 'workspaceRoot' | 'ctConfig' | 'session'>): CtConfig | undefined {
  return options.session
    ? options.session.ctConfig(options.workspaceRoot, options.ctConfig)
    : readCtConfig(options.workspaceRoot, options.ctConfig);
}

export function projectLabel(options: Pick<ChartCommandOptions, 'projectName' | 'chartRoot'>): string {
  return options.projectName ?? options.chartRoot;
}

/**
 * The options a command was given, checked as nx.json's are whatever gave them (a hand-configured executor target, a
 * batch, a program calling the commands): the same checks and messages, said of the project's options.
 */
export function checkCommandOptions(options: ChartCommandOptions & { registry?: string }): void {
  const settings: CommandSettings = {
    helmPath: options.helmPath,
    registry: options.registry,
    registries: options.registries,
    sign: options.sign,
    ctConfig: options.ctConfig,
    repositoryIndexTtl: options.repositoryIndexTtl,
    allowExternalFiles: options.allowExternalFiles,
    workspaceRepositories: options.publishRepositories,
  };
  checkSettings(
    Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as CommandSettings,
    `the options of ${projectLabel(options)}`,
  );
}

/** The command's chart, validated, with its Chart.yaml path for messages; throws the chart's problems. */
export function readCommandChart(options: ChartCommandOptions): { chart: Chart; chartFile: string } {
  checkCommandOptions(options);
  const chartFile = `${options.chartRoot === '.' ? '' : `${options.chartRoot}/`}Chart.yaml`;
  const parsed = readChartFile(join(options.workspaceRoot, chartFile), chartFile, options.workspaceRoot);
  if (!parsed.chart) throw chartProblemError(parsed.problems);
  return { chart: parsed.chart, chartFile };
}

export function chartDir(options: Pick<ChartCommandOptions, 'workspaceRoot' | 'chartRoot'>): string {
  return join(options.workspaceRoot, options.chartRoot);
}

/** The chart and every chart it is built with, each Chart.yaml validated. */
export function loadChartTree(options: ChartCommandOptions): LocalChartTree {
  checkCommandOptions(options);
  const charts = options.workspaceCharts ?? (() => scanWorkspaceCharts(options.workspaceRoot, options.projectNamePrefix));
  return loadLocalChartTree(
    chartDir(options),
    options.workspaceRoot,
    workspaceDependencyResolver(options.workspaceRoot, options.publishRepositories ?? [], charts),
  );
}

/** helm, found the documented way, with every secret variable of the options removed from its environment. */
export function createHelm(options: ChartCommandOptions): Promise<HelmRunner> {
  const settings = { helmPath: options.helmPath, cwd: options.workspaceRoot, env: options.env, hiddenVariables: secretVariables(options) };
  return options.session ? options.session.helm(settings) : HelmRunner.create(settings);
}

/**
 * How lint and package stage a chart, the same for both: which files it may read, and where its downloaded
 * dependencies come from (the registries' credentials, the repository index cache's TTL, and the repository names of
 * ct.yaml's chart-repos for `@name` dependencies).
 */
export function stageSettings(
  options: ChartCommandOptions,
  ct: CtConfig | undefined = commandCtConfig(options),
): Pick<
  StageOptions,
  'registries' | 'secretVariables' | 'repositoryIndexTtl' | 'repositoryNames' | 'allowExternalFiles' | 'archives' | 'sourceChecks'
> {
  return {
    archives: options.session?.subchartArchives,
    sourceChecks: options.session?.sourceChecks,
    allowExternalFiles: options.allowExternalFiles,
    registries: options.registries,
    secretVariables: secretVariables(options),
    repositoryIndexTtl: options.repositoryIndexTtl,
    repositoryNames: ct && Object.keys(ct.chartRepos).length > 0 ? ct.chartRepos : undefined,
  };
}
