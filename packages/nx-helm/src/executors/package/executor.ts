import { logger, type ExecutorContext } from '@nx/devkit';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { stageChart, ChartBuildError, type StagedChart } from '../../build/staged-chart';
import { makeArchiveReproducible } from '../../build/reproducible-archive';
import { signChartArchive } from '../../build/provenance';
import { sourceDateFor } from '../../build/source-date';
import { loadLocalChartTree } from '../../chart/local-chart-tree';
import { describeHelmFailure, HelmRunner } from '../../helm/helm-runner';
import { NxHelmError } from '../../utils/nx-helm-error';
import { PUSH_RECORD_FILE } from '../push/push-record-file';
import { projectOf, reportFailure } from '../shared/executor-context';
import { secretVariables } from '../shared/secret-variables';
import { workspaceDependencyResolver } from '../shared/workspace-dependency-resolver';
import type { PackageExecutorSchema } from './schema';
import { fileDigest } from '../../utils/file-digest';

export const SIGN_ENV = 'NX_HELM_SIGN';

export function defaultPackageOutputPath(projectRoot: string): string {
  return `dist/charts/${projectRoot}`;
}

export default async function packageExecutor(
  options: PackageExecutorSchema,
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const project = projectOf(context);
  const outputDir = resolve(
    context.root,
    (options.outputPath ?? defaultPackageOutputPath(project.root)).replace('{projectRoot}', project.root),
  );
  let staged: StagedChart | undefined;
  const packDir = mkdtempSync(join(tmpdir(), 'nx-helm-package-'));
  try {
    const helm = await HelmRunner.create({ helmPath: options.helmPath, cwd: context.root, hiddenVariables: secretVariables(options) });
    assertOwnOutputFolder(outputDir, project.dir, context.root, project.name);
    const tree = loadLocalChartTree(project.dir, context.root, workspaceDependencyResolver(context, options.publishRepositories));
    const sourceDate = sourceDateFor(tree.buildOrder.map((chart) => chart.dir), context.root);
    staged = await stageChart(tree, context.root, helm, {
      sourceDate: sourceDate.date,
      registries: options.registries,
      secretVariables: secretVariables(options),
    });
    const { name, version } = staged.tree.root.chart;
    const result = await helm.run(['package', staged.chartDir, '--destination', packDir], { cwd: context.root });
    if (result.failed) {
      throw new ChartBuildError(
        `helm package failed for chart "${name}" (${project.root}).\n${describeHelmFailure(result).split(staged.chartDir).join(project.root)}\n` +
          `Fix the problem above; \`nx run ${project.name}:lint-chart\` usually explains it in more detail.`,
      );
    }
    const archiveName = `${name}-${version}.tgz`;
    removePreviousPackage(outputDir, name);
    const archivePath = join(outputDir, archiveName);
    copyFileSync(join(packDir, archiveName), archivePath);
    await makeArchiveReproducible(archivePath, sourceDate.date);
    // NX_HELM_SIGN=false skips signing, for jobs that have no access to the key (pull requests).
    if (options.sign && process.env[SIGN_ENV] !== 'false') {
      const keyring = options.sign.keyring ? resolve(context.root, options.sign.keyring) : undefined;
      const provenance = await signChartArchive(archivePath, name, options.sign, keyring);
      logger.info(`Signed ${archiveName} with key "${options.sign.key}" -> ${relative(context.root, provenance)}`);
    }
    const digest = fileDigest(archivePath);
    logger.info(
      `Packaged ${name} ${version} with helm ${helm.version} -> ${relative(context.root, archivePath)} (${digest}, ` +
        `timestamp ${sourceDate.date.toISOString()} from ${sourceDate.origin})`,
    );
    return { success: true };
  } catch (error) {
    return reportFailure('package-chart', project.name, error);
  } finally {
    staged?.dispose();
    rmSync(packDir, { recursive: true, force: true });
  }
}

/** The output folder is emptied of this chart's files: it must not be the workspace or hold the chart's sources. */
function assertOwnOutputFolder(outputDir: string, chartDir: string, root: string, projectName: string): void {
  const inside = (dir: string, parent: string) => dir === parent || dir.startsWith(`${parent}${sep}`);
  if (inside(root, outputDir) || inside(chartDir, outputDir) || inside(outputDir, chartDir)) {
    throw new NxHelmError(
      `The outputPath of ${projectName}:package-chart is ${relative(root, outputDir) || '.'}, which contains or lies inside ` +
        'the workspace root or the chart\'s sources. Use a folder of its own, e.g. dist/charts/<project root>.',
    );
  }
}

/** Removes this chart's earlier packages (any version), provenance files and push record, and nothing else. */
function removePreviousPackage(outputDir: string, chartName: string): void {
  mkdirSync(outputDir, { recursive: true });
  for (const file of readdirSync(outputDir)) {
    const ownArchive = file.startsWith(`${chartName}-`) && (file.endsWith('.tgz') || file.endsWith('.tgz.prov'));
    if (ownArchive || file === PUSH_RECORD_FILE) {
      rmSync(join(outputDir, file), { force: true });
    }
  }
}
