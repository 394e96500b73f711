import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import { templateArgs } from '../helm/multi-chart';
import { stageChart } from '../staging/staged-chart';
import type { ProcessResult } from '../utils/process';
import { NxHelmError } from '../utils/nx-helm-error';
import { defaultRenderOutputPath } from '../config/constants';
import { resolveLintSettings, type DefaultValuesMode, type LintPluginOptions } from '../config/lint-settings';
import {
  checkRenderOptions,
  RENDER_KEYS,
  resolveRenderSettings,
  type RenderPluginOptions,
  type RenderSettings,
} from '../config/render-settings';
import { parseHelmTemplateOutput, serializeRendering, valuesSetName } from '../render/rendered-manifest';
import { DEFAULT_KUBERNETES_VERSION, formatValidationProblem, validateObjects } from '../validation/validate-objects';
import { chartValuesSets } from './lint';
import {
  chartDir,
  commandCtConfig,
  createHelm,
  loadChartTree,
  projectLabel,
  stageSettings,
  type ChartCommandOptions,
} from './chart-command';
import { ownOutputFolder } from '../utils/output-folder';

export interface RenderOptions extends ChartCommandOptions, RenderPluginOptions {
  /** Which values sets are rendered: the same as lint's (see LintOptions). */
  defaultValues?: DefaultValuesMode;
  valuesFiles?: string[];
  /** The plugin's `lint` option (its defaultValues decides the values sets as for lint). */
  lint?: LintPluginOptions;
  /** The plugin's `render` option; the options above win over it. */
  render?: RenderPluginOptions;
  /** Folder of the rendered files, relative to the workspace root. Default dist/rendered/<chart folder>. */
  outputPath?: string;
}

/** The file render-chart writes beside the rendered values sets when the chart's rendering or validation failed. */
export const RENDER_PROBLEMS_FILE = 'problems.txt';

export interface RenderResult {
  chart: string;
  version: string;
  valuesSets: Array<{ valuesSet: string; objects: number }>;
  skippedKinds: string[];
}

/** One `helm template` of a prepared chart: with the default values, or with one values file. */
export interface RenderRun {
  valuesSet: string;
  label: string;
  /** The values file, in the staged chart; none for the default values. */
  valuesFile?: string;
}

/** A chart ready for its `helm template` runs: staged with its dependencies; `dispose` removes the copy. */
export interface PreparedRender {
  options: RenderOptions;
  helm: HelmRunner;
  stagedDir: string;
  chart: { name: string; version: string; type: string };
  settings: RenderSettings;
  releaseName: string;
  /** Flags of every run: namespace, Kubernetes version, API versions, CRDs included. */
  flags: string[];
  runs: RenderRun[];
  /** The folder the rendered files go to (absolute). */
  outputDir: string;
  dispose(): void;
}

/**
 * The release name when none is set: helm template's own, so that names look as `helm template` prints them, and the
 * same for every chart (charts rendered with the same flags can share a helm command in a batch).
 */
const DEFAULT_RELEASE_NAME = 'release-name';

/**
 * `helm template` of a chart, built with its dependencies as lint builds it, once per values set lint uses; each
 * rendering normalised (objects sorted, keys in a stable order) into `<values set>.yaml`, and every object checked
 * against the Kubernetes schemas and the chart's CRDs. A failure names the chart, values set, object, field and
 * template.
 */
export async function renderChart(options: RenderOptions): Promise<RenderResult> {
  const prepared = await prepareRender(options);
  try {
    const results: ProcessResult[] = [];
    for (const run of prepared.runs) {
      const args = templateArgs({ dir: prepared.stagedDir, valuesFile: run.valuesFile }, prepared.releaseName, prepared.flags);
      results.push(await prepared.helm.run(args, { cwd: options.workspaceRoot }));
    }
    return reportRender(prepared, results);
  } finally {
    prepared.dispose();
  }
}

/** Everything before helm template runs: options checked, the chart staged, the values sets and flags decided. */
export async function prepareRender(options: RenderOptions): Promise<PreparedRender> {
  const project = projectLabel(options);
  checkRenderOptions(options.render, `The "render" option of ${project}`);
  const given = pickRenderOptions(options);
  checkRenderOptions(given, `The options of ${project}`);
  const ct = commandCtConfig(options);
  const settings = resolveRenderSettings(given, options.render, DEFAULT_KUBERNETES_VERSION);
  const { valuesFiles, withDefaults } = chartValuesSets(options, resolveLintSettings(options, options.lint, ct));
  const tree = loadChartTree(options);
  const { name, version, type } = tree.root.chart;
  if (type === 'library') {
    throw new NxHelmError(
      `Chart "${name}" (${options.chartRoot}) is a library chart: helm renders nothing of it on its own. ` +
        'Render the charts that depend on it instead (render-chart is inferred for application charts only).',
      { file: `${options.chartRoot}/Chart.yaml` },
    );
  }
  const runs: RenderRun[] = [
    ...(withDefaults ? [{ valuesSet: valuesSetName(), label: 'default values' }] : []),
    ...valuesFiles.map((file) => ({ valuesSet: valuesSetName(file), label: file, valuesFile: file })),
  ];
  const clash = runs.find((run, index) => runs.findIndex((other) => other.valuesSet === run.valuesSet) !== index);
  if (clash) {
    const names = runs.filter((run) => run.valuesSet === clash.valuesSet).map((run) => run.label);
    throw new NxHelmError(
      `The values sets ${names.join(' and ')} of ${project} would both be rendered to ${clash.valuesSet}.yaml. ` +
        'Rename one of the files (valuesFiles option, or ci/*-values.yaml).',
    );
  }
  const outputDir = ownOutputFolder(
    options.outputPath ?? defaultRenderOutputPath(options.chartRoot),
    { ...options, chartFolder: chartDir(options) },
    `${project}:render-chart`,
  );
  // Emptied first: whatever fails from here on, no earlier rendering is left to be taken for this one.
  removePreviousRendering(outputDir);
  const helm = await createHelm(options);
  const staged = await stageChart(tree, options.workspaceRoot, helm, stageSettings(options, ct));
  return {
    options,
    helm,
    stagedDir: staged.chartDir,
    chart: { name, version, type: type ?? 'application' },
    settings,
    releaseName: settings.releaseName ?? DEFAULT_RELEASE_NAME,
    flags: renderFlags(settings),
    runs: runs.map((run) => (run.valuesFile ? { ...run, valuesFile: join(staged.chartDir, run.valuesFile) } : run)),
    outputDir,
    dispose: () => staged.dispose(),
  };
}

/** The render options given to the command itself (not its "render" plugin option), those set only. */
function pickRenderOptions(options: RenderPluginOptions): RenderPluginOptions {
  return Object.fromEntries(RENDER_KEYS.filter((key) => options[key] !== undefined).map((key) => [key, options[key]]));
}

/** The flags every `helm template` of the chart gets. CRDs are included: they are applied too, and validate resources. */
function renderFlags(settings: RenderSettings): string[] {
  return [
    '--namespace',
    settings.namespace,
    '--kube-version',
    settings.kubeVersion,
    '--include-crds',
    ...settings.apiVersions.flatMap((apiVersion) => ['--api-versions', apiVersion]),
  ];
}

/**
 * Turns each run's output into its rendered file, validates the objects, and returns the chart's result or throws
 * every problem. The files are written even when validation fails, for the diff and for the user to look at; a
 * problems file beside them says what failed.
 */
export function reportRender(prepared: PreparedRender, results: readonly ProcessResult[]): RenderResult {
  const { options, chart, settings, runs, outputDir } = prepared;
  const failures: string[] = [];
  const problems: string[] = [];
  const skipped = new Set<string>();
  const valuesSets: RenderResult['valuesSets'] = [];
  runs.forEach((run, index) => {
    const result = results[index];
    if (result.failed) {
      failures.push(`${run.label}: ${showChartPaths(describeHelmFailure(result), prepared)}`);
      return;
    }
    const parsed = parseHelmTemplateOutput(result.stdout, chart.name);
    for (const problem of parsed.problems) {
      problems.push(
        `${options.chartRoot} (values ${run.valuesSet}): ${problem.source ? `${options.chartRoot}/${problem.source} ` : ''}${problem.message}`,
      );
    }
    writeFileSync(join(outputDir, `${run.valuesSet}.yaml`), serializeRendering(parsed.objects));
    valuesSets.push({ valuesSet: run.valuesSet, objects: parsed.objects.length });
    if (settings.validate) {
      const validation = validateObjects(parsed.objects, settings);
      for (const problem of validation.problems) {
        problems.push(formatValidationProblem(problem, { chart: chart.name, chartRoot: options.chartRoot, valuesSet: run.valuesSet }));
      }
      for (const kind of validation.skippedKinds) skipped.add(kind);
    }
    options.log.info(
      `helm ${prepared.helm.version} template ${options.chartRoot} (${run.label}): ${parsed.objects.length} object(s)${settings.validate ? ' validated' : ''} → ${posix.join(posix.relative(options.workspaceRoot, outputDir) || '.', `${run.valuesSet}.yaml`)}`,
    );
  });
  const skippedKinds = [...skipped].sort();
  const sections = [
    ...(failures.length > 0
      ? [
          `helm template failed for chart "${chart.name}" (${options.chartRoot}) with ${failures.length} of ${runs.length} values sets:\n` +
            `${failures.map((line) => `  - ${line.split('\n').join('\n    ')}`).join('\n')}\nFix the templates or values reported above.`,
        ]
      : []),
    ...(problems.length > 0
      ? [
          `${problems.length} rendered object problem(s) in chart "${chart.name}" (${options.chartRoot}), checked against Kubernetes ${settings.kubeVersion}${settings.strict ? ' (strict: unknown fields refused)' : ''}:\n` +
            `${problems.map((line) => `  - ${line}`).join('\n')}\n` +
            'Fix the templates or values named above; to turn checks off set the render option "validate": false (or "strict": false for unknown fields).',
        ]
      : []),
  ];
  if (skippedKinds.length > 0) {
    const message =
      `Not validated (no schema: not a built-in kind of Kubernetes ${settings.kubeVersion} and no CustomResourceDefinition in the chart): ${skippedKinds.join(', ')}.` +
      (settings.unknownKinds === 'fail' ? '' : ' Set the render option "unknownKinds": "fail" to refuse them.');
    if (settings.unknownKinds === 'fail')
      sections.push(`${message} Add the CRD to the chart's crds/ folder, or set "unknownKinds": "skip".`);
    else options.log.warn(message);
  }
  if (sections.length > 0) {
    const text = sections.join('\n');
    writeFileSync(join(outputDir, RENDER_PROBLEMS_FILE), `${text}\n`);
    throw new NxHelmError(text, { file: `${options.chartRoot}/Chart.yaml` });
  }
  options.log.info(
    `Chart "${chart.name}" ${chart.version} rendered with ${runs.length} values set(s)${settings.validate ? `, every object valid for Kubernetes ${settings.kubeVersion}` : ''}.`,
  );
  return { chart: chart.name, version: chart.version, valuesSets, skippedKinds };
}

/** The files an earlier render of the chart wrote into its folder (values sets and problems), and nothing else. */
function removePreviousRendering(outputDir: string): void {
  mkdirSync(outputDir, { recursive: true });
  for (const file of readdirSync(outputDir)) {
    if (file.endsWith('.yaml') || file === RENDER_PROBLEMS_FILE) rmSync(join(outputDir, file), { force: true });
  }
}

/** helm's messages with the staged copy's paths, and the chart's name in template paths, shown as the chart folder. */
function showChartPaths(text: string, prepared: PreparedRender): string {
  const { chartRoot } = prepared.options;
  return text
    .split(prepared.stagedDir)
    .join(chartRoot)
    .replace(new RegExp(`(^|[\\s(:"'])${escapeRegExp(prepared.chart.name)}/(templates|charts)/`, 'g'), `$1${chartRoot}/$2/`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
