import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { stageChart, type StagedChart } from '../../build/staged-chart';
import { loadLocalChartTree } from '../../chart/local-chart-tree';
import { describeHelmFailure, HelmRunner } from '../../helm/helm-runner';
import { NxHelmError } from '../../utils/nx-helm-error';
import { projectOf, reportFailure } from '../shared/executor-context';
import { secretVariables } from '../shared/secret-variables';
import { workspaceDependencyResolver } from '../shared/workspace-dependency-resolver';
import type { LintExecutorSchema } from './schema';

/** The chart-testing convention: every `ci/*-values.yaml` is a values set the chart must lint (and install) with. */
export function findCiValuesFiles(chartDir: string): string[] {
  const ciDir = join(chartDir, 'ci');
  if (!existsSync(ciDir)) {
    return [];
  }
  return readdirSync(ciDir)
    .filter((file) => file.endsWith('-values.yaml'))
    .sort()
    .map((file) => posix.join('ci', file));
}

export default async function lintExecutor(options: LintExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = projectOf(context);
  let staged: StagedChart | undefined;
  try {
    const helm = await HelmRunner.create({ helmPath: options.helmPath, cwd: context.root, hiddenVariables: secretVariables(options) });
    const tree = loadLocalChartTree(project.dir, context.root, workspaceDependencyResolver(context, options.publishRepositories));
    staged = await stageChart(tree, context.root, helm, { registries: options.registries, secretVariables: secretVariables(options) });
    const valuesFiles = options.valuesFiles ?? findCiValuesFiles(project.dir);
    const runs: Array<{ label: string; extraArgs: string[] }> = [
      { label: 'default values', extraArgs: [] },
      ...valuesFiles.map((file) => ({ label: file, extraArgs: ['--values', join(staged!.chartDir, file)] })),
    ];
    const missing = valuesFiles.filter((file) => !existsSync(join(project.dir, file)));
    if (missing.length > 0) {
      throw new LintConfigurationError(
        `The valuesFiles option of ${project.name} names files that do not exist in ${project.root}: ${missing.join(', ')}. ` +
          'Fix the paths (relative to the chart folder) or remove them from the option.',
      );
    }
    const failures: string[] = [];
    for (const run of runs) {
      const args = ['lint', staged.chartDir, ...(options.strict === false ? [] : ['--strict']), ...run.extraArgs];
      const result = await helm.run(args, { cwd: context.root });
      const output = showWorkspacePaths(`${result.stdout}\n${result.stderr}`.trim(), staged.chartDir, project.root);
      logger.info(`helm ${helm.version} lint ${project.root} (${run.label})\n${indent(output)}`);
      if (result.failed) {
        failures.push(`${run.label}: ${showWorkspacePaths(describeHelmFailure(result), staged.chartDir, project.root).split('\n')[0]}`);
      }
    }
    if (failures.length > 0) {
      logger.error(
        `helm lint found problems in chart "${staged.tree.root.chart.name}" (${project.root}) with ${failures.length} of ${runs.length} value sets:\n` +
          failures.map((failure) => `  - ${failure}`).join('\n') +
          '\nFix the templates or values reported above.',
      );
      return { success: false };
    }
    logger.info(`Chart "${staged.tree.root.chart.name}" ${staged.tree.root.chart.version} passed helm lint with ${runs.length} value set(s).`);
    return { success: true };
  } catch (error) {
    return reportFailure('lint-chart', project.name, error);
  } finally {
    staged?.dispose();
  }
}

class LintConfigurationError extends NxHelmError {}

function showWorkspacePaths(text: string, stagedDir: string, projectRoot: string): string {
  return text.split(stagedDir).join(projectRoot);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
