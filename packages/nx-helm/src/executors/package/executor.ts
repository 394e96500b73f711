import { logger, type ExecutorContext } from '@nx/devkit';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { stageChart, ChartBuildError, type StagedChart } from '../../build/staged-chart';
import { makeArchiveReproducible } from '../../build/reproducible-archive';
import { signChartArchive } from '../../build/provenance';
import { sourceDateFor } from '../../build/source-date';
import { loadLocalChartTree } from '../../chart/local-chart-tree';
import { describeHelmFailure, HelmRunner } from '../../helm/helm-runner';
import { projectOf, reportFailure } from '../shared/executor-context';
import type { PackageExecutorSchema } from './schema';

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
    const helm = await HelmRunner.create({ helmPath: options.helmPath, cwd: context.root });
    const tree = loadLocalChartTree(project.dir, context.root);
    const sourceDate = sourceDateFor(tree.buildOrder.map((chart) => chart.dir), context.root);
    staged = await stageChart(project.dir, context.root, helm, { sourceDate: sourceDate.date });
    const { name, version } = staged.tree.root.chart;
    const result = await helm.run(['package', staged.chartDir, '--destination', packDir], { cwd: context.root });
    if (result.failed) {
      throw new ChartBuildError(
        `helm package failed for chart "${name}" (${project.root}).\n${describeHelmFailure(result).split(staged.chartDir).join(project.root)}\n` +
          `Fix the problem above; \`nx run ${project.name}:lint-chart\` usually explains it in more detail.`,
      );
    }
    const archiveName = `${name}-${version}.tgz`;
    // The output folder belongs to this target: clear it so a version bump does not leave the old archive behind.
    rmSync(outputDir, { recursive: true, force: true });
    mkdirSync(outputDir, { recursive: true });
    const archivePath = join(outputDir, archiveName);
    copyFileSync(join(packDir, archiveName), archivePath);
    await makeArchiveReproducible(archivePath, sourceDate.date);
    if (options.sign) {
      const keyring = options.sign.keyring ? resolve(context.root, options.sign.keyring) : undefined;
      const provenance = await signChartArchive(archivePath, name, options.sign, keyring);
      logger.info(`Signed ${archiveName} with key "${options.sign.key}" -> ${relative(context.root, provenance)}`);
    }
    const sha256 = createHash('sha256').update(readFileSync(archivePath)).digest('hex');
    logger.info(
      `Packaged ${name} ${version} with helm ${helm.version} -> ${relative(context.root, archivePath)} (sha256:${sha256}, ` +
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
