import { existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describeHelmFailure } from '../helm/helm-runner';
import { stageChart, type StagedChart } from '../staging/staged-chart';
import { NxHelmError } from '../utils/nx-helm-error';
import { chartDir, createHelm, loadChartTree, projectLabel, type ChartCommandOptions } from './chart-command';
import { secretVariables } from '../config/secret-variables';

export interface LintOptions extends ChartCommandOptions {
  /** Fail on lint warnings (`helm lint --strict`). Default true. */
  strict?: boolean;
  /** Values files to lint with, relative to the chart folder. Default: every ci/*-values.yaml. */
  valuesFiles?: string[];
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
 * `helm lint` of a chart, in a staged copy built with its dependencies, with its default values and once per values
 * file. Every run's output is logged; a failure names each failing values set.
 */
export async function lintChart(options: LintOptions): Promise<LintResult> {
  const project = projectLabel(options);
  const folder = chartDir(options);
  const valuesFiles = options.valuesFiles ?? findCiValuesFiles(folder);
  const missing = valuesFiles.filter((file) => !existsSync(join(folder, file)));
  if (missing.length > 0) {
    throw new NxHelmError(
      `The valuesFiles option of ${project} names files that do not exist in ${options.chartRoot}: ${missing.join(', ')}. ` +
        'Fix the paths (relative to the chart folder) or remove them from the option.',
    );
  }
  let staged: StagedChart | undefined;
  try {
    const helm = await createHelm(options);
    const tree = loadChartTree(options);
    staged = await stageChart(tree, options.workspaceRoot, helm, {
      registries: options.registries,
      secretVariables: secretVariables(options),
    });
    const stagedDir = staged.chartDir;
    const runs = [
      { label: 'default values', extraArgs: [] as string[] },
      ...valuesFiles.map((file) => ({ label: file, extraArgs: ['--values', join(stagedDir, file)] })),
    ];
    const failures: string[] = [];
    for (const run of runs) {
      const args = ['lint', stagedDir, ...(options.strict === false ? [] : ['--strict']), ...run.extraArgs];
      const result = await helm.run(args, { cwd: options.workspaceRoot });
      const output = showWorkspacePaths(`${result.stdout}\n${result.stderr}`.trim(), stagedDir, options.chartRoot);
      options.log.info(`helm ${helm.version} lint ${options.chartRoot} (${run.label})\n${indent(output)}`);
      if (result.failed) {
        failures.push(`${run.label}: ${showWorkspacePaths(describeHelmFailure(result), stagedDir, options.chartRoot).split('\n')[0]}`);
      }
    }
    const { name, version } = tree.root.chart;
    if (failures.length > 0) {
      throw new NxHelmError(
        `helm lint found problems in chart "${name}" (${options.chartRoot}) with ${failures.length} of ${runs.length} value sets:\n` +
          failures.map((failure) => `  - ${failure}`).join('\n') +
          '\nFix the templates or values reported above.',
        { file: `${options.chartRoot}/Chart.yaml` },
      );
    }
    options.log.info(`Chart "${name}" ${version} passed helm lint with ${runs.length} value set(s).`);
    return { chart: name, version, valueSets: runs.length };
  } finally {
    staged?.dispose();
  }
}

function showWorkspacePaths(text: string, stagedDir: string, chartRoot: string): string {
  return text.split(stagedDir).join(chartRoot);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
