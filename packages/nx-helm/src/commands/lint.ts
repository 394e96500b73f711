import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import { stageChart } from '../staging/staged-chart';
import type { LocalChartTree } from '../chart/local-chart-tree';
import type { ProcessResult } from '../utils/process';
import { NxHelmError } from '../utils/nx-helm-error';
import {
  chartDir,
  commandCtConfig,
  createHelm,
  stageSettings,
  loadChartTree,
  projectLabel,
  type ChartCommandOptions,
} from './chart-command';
import type { CtConfig } from '../config/ct-config';
import { resolveLintSettings, type DefaultValuesMode, type LintPluginOptions, type LintSettings } from '../config/lint-settings';
import { runCtChecks } from '../lint/ct-checks';
import { ociNameProblem } from '../chart/oci-name';
import { unreadableLinkProblem } from '../chart/chart-links';
import { chartProblemError, formatChartProblem, type ChartProblem } from '../chart/chart-problem';
import { ignoredTemplatesProblem } from '../staging/helmignore-checks';
import { valuesSchemaProblem } from '../lint/values-schema';
import { indent } from '../utils/indent';

export interface LintOptions extends ChartCommandOptions {
  /** Fail on lint warnings (`helm lint --strict`). Default: the plugin's lint option, then ct.yaml, then true. */
  strict?: boolean;
  /** Whether the default values are linted when ci/*-values.yaml files exist (see LintPluginOptions). */
  defaultValues?: DefaultValuesMode;
  /** More helm lint arguments. Default: the plugin's lint option, then ct.yaml's helm-lint-extra-args. */
  extraArgs?: string[];
  /** Values files to lint with, relative to the chart folder. Default: every ci/*-values.yaml. */
  valuesFiles?: string[];
  /** The plugin's `lint` option. */
  lint?: LintPluginOptions;
}

export interface LintResult {
  chart: string;
  version: string;
  valueSets: number;
}

/** The chart-testing convention: every `ci/*-values.yaml` is a values set the chart must lint (and install) with. */
export function findCiValuesFiles(chartFolder: string): string[] {
  const ciDir = join(chartFolder, 'ci');
  if (!existsSync(ciDir)) {
    return [];
  }
  return readdirSync(ciDir)
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => posix.join('ci', file));
}

/**
 * The values sets a chart is checked with, as lint runs them: the valuesFiles option, else every ci/*-values.yaml; and
 * the default values too unless the settings say only when there are no values files. The files are checked to exist.
 */
export function chartValuesSets(
  options: Pick<LintOptions, 'workspaceRoot' | 'chartRoot' | 'projectName' | 'valuesFiles'>,
  settings: Pick<LintSettings, 'defaultValues'>,
): { valuesFiles: string[]; ciValuesFiles: string[]; withDefaults: boolean } {
  const project = projectLabel(options);
  const folder = chartDir(options);
  const ciValuesFiles = findCiValuesFiles(folder);
  const valuesFiles = options.valuesFiles ?? ciValuesFiles;
  const unreadable = valuesFiles.flatMap(
    (file) =>
      unreadableLinkProblem(
        join(folder, file),
        posix.join(options.chartRoot, file),
        options.valuesFiles
          ? 'Point the link at a values file (its path is relative to the folder the link is in), or name another file in the valuesFiles option.'
          : 'Point the link at a values file (its path is relative to the folder the link is in), replace it with the file, or remove it: lint uses every ci/*-values.yaml.',
      ) ?? [],
  );
  if (unreadable.length > 0) throw chartProblemError(unreadable);
  const missing = valuesFiles.filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) {
    throw new NxHelmError(
      `The valuesFiles option of ${project} names files that do not exist in ${options.chartRoot}: ${missing.join(', ')}. ` +
        'Fix the paths (relative to the chart folder) or remove them from the option.',
    );
  }
  return { valuesFiles, ciValuesFiles, withDefaults: settings.defaultValues === 'always' || valuesFiles.length === 0 };
}

/** One `helm lint` of a prepared chart: with the default values (no values file), or with one values file. */
export interface LintRun {
  label: string;
  /** The values file, in the staged chart; none for the default values. */
  valuesFile?: string;
}

/** A chart ready for its `helm lint` runs: checked, staged with its dependencies; `dispose` removes the copy. */
export interface PreparedLint {
  options: LintOptions;
  helm: HelmRunner;
  /** The staged chart folder helm lints. */
  stagedDir: string;
  /** Flags of every run (`--strict`, extra arguments). */
  lintFlags: string[];
  runs: LintRun[];
  checkFailures: string[];
  /** The chart's templates/, which its .helmignore leaves out of the package (see ignoredTemplatesProblem). */
  ignoredTemplates?: ChartProblem;
  tree: LocalChartTree;
  ct: CtConfig | undefined;
  dispose(): void;
}

/**
 * `helm lint` of a chart, in a staged copy built with its dependencies, with its default values and once per values
 * file (or, as chart-testing does, with the ci values instead of the defaults). With a ct.yaml, ct's other checks run
 * first (schema, yamllint, maintainers, additional commands). Every run's output is logged; a failure names each
 * failing check and values set.
 */
export async function lintChart(options: LintOptions): Promise<LintResult> {
  const prepared = await prepareLint(options);
  try {
    const results: ProcessResult[] = [];
    for (const run of prepared.runs) {
      results.push(await prepared.helm.run(lintArgs(prepared, run), { cwd: options.workspaceRoot }));
    }
    return reportLint(prepared, results);
  } finally {
    prepared.dispose();
  }
}

/** The arguments of one run: `lint <staged chart> <flags> [--values <file>]`. */
export function lintArgs(prepared: PreparedLint, run: LintRun): string[] {
  return ['lint', prepared.stagedDir, ...prepared.lintFlags, ...(run.valuesFile ? ['--values', run.valuesFile] : [])];
}

/** Everything before helm lint runs: the options and files checked, ct's checks run, the chart staged. */
export async function prepareLint(options: LintOptions): Promise<PreparedLint> {
  const ct = commandCtConfig(options);
  const settings = resolveLintSettings(options, options.lint, ct);
  const { valuesFiles, ciValuesFiles, withDefaults } = chartValuesSets(options, settings);
  // The chart's files are validated first: ct's checks read Chart.yaml and need it to parse.
  const tree = loadChartTree(options);
  const checkFailures = ct
    ? await runCtChecks({
        workspaceRoot: options.workspaceRoot,
        chartRoot: options.chartRoot,
        config: ct,
        ciValuesFiles,
        log: options.log,
        env: options.env,
      })
    : [];
  const helm = await createHelm(options);
  const ignoredTemplates = ignoredTemplatesProblem(chartDir(options), options.chartRoot);
  const staged = await stageChart(tree, options.workspaceRoot, helm, stageSettings(options, ct));
  // helm lint looks for templates/ on disk: without it, helm says of the chart what it says of the package.
  if (ignoredTemplates) rmSync(join(staged.chartDir, 'templates'), { recursive: true, force: true });
  return {
    options,
    helm,
    stagedDir: staged.chartDir,
    lintFlags: [...(settings.strict ? ['--strict'] : []), ...settings.extraArgs],
    runs: [
      ...(withDefaults ? [{ label: 'default values' }] : []),
      ...valuesFiles.map((file) => ({ label: file, valuesFile: join(staged.chartDir, file) })),
    ],
    checkFailures,
    ignoredTemplates,
    tree,
    ct,
    dispose: () => staged.dispose(),
  };
}

/** Logs each run's output and returns the chart's result, or throws what failed: one section per kind of problem. */
export function reportLint(prepared: PreparedLint, results: readonly ProcessResult[]): LintResult {
  const { options, stagedDir, lintFlags, runs, checkFailures, ignoredTemplates, tree, ct, helm } = prepared;
  const failures: string[] = [];
  runs.forEach((run, index) => {
    const result = results[index];
    const output = showWorkspacePaths(`${result.stdout}\n${result.stderr}`.trim(), stagedDir, options.chartRoot);
    options.log.info(
      `helm ${helm.version} lint ${options.chartRoot} (${run.label})${lintFlags.length > 0 ? ` ${lintFlags.join(' ')}` : ''}\n${indent(output)}`,
    );
    if (result.failed) {
      failures.push(`${run.label}: ${showWorkspacePaths(describeHelmFailure(result), stagedDir, options.chartRoot).split('\n')[0]}`);
    }
  });
  const { name, version } = tree.root.chart;
  const nameProblem = ociNameProblem(name);
  const schemaProblem = valuesSchemaProblem(chartDir(options), options.chartRoot);
  const sections = [
    ...(schemaProblem ? [schemaProblem] : []),
    ...(nameProblem
      ? [
          `${options.chartRoot}/Chart.yaml (field name): the chart name "${name}" cannot be published to an OCI registry: ` +
            `${nameProblem.reason}; the registry would refuse it with "name invalid". Fix: rename the chart, e.g. to ` +
            `"${nameProblem.suggestion}" (lower-case words joined by "-").`,
        ]
      : []),
    ...(checkFailures.length > 0
      ? [
          `chart-testing's checks (as ${ct!.file} sets them) found problems in chart "${name}" (${options.chartRoot}):\n${bullets(checkFailures)}`,
        ]
      : []),
    ...(ignoredTemplates && failures.length > 0 ? [formatChartProblem(ignoredTemplates)] : []),
    ...(failures.length > 0
      ? [
          `helm lint found problems in chart "${name}" (${options.chartRoot}) with ${failures.length} of ${runs.length} value sets:\n` +
            `${bullets(failures)}\nFix the templates or values reported above.`,
        ]
      : []),
  ];
  if (sections.length > 0) {
    throw new NxHelmError(sections.join('\n'), { file: `${options.chartRoot}/Chart.yaml` });
  }
  if (ignoredTemplates) options.log.warn(formatChartProblem(ignoredTemplates));
  options.log.info(
    `Chart "${name}" ${version} passed helm lint with ${runs.length} value set(s)${ct ? ` and the chart-testing checks of ${ct.file}` : ''}.`,
  );
  return { chart: name, version, valueSets: runs.length };
}

function showWorkspacePaths(text: string, stagedDir: string, chartRoot: string): string {
  return text.split(stagedDir).join(chartRoot);
}

function bullets(lines: string[]): string {
  return lines.map((line) => `  - ${line}`).join('\n');
}
