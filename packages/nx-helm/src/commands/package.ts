import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { defaultPackageOutputPath, ENV, PUSH_RECORD_FILE } from '../config/constants';
import { describeHelmFailure } from '../helm/helm-runner';
import { signChartArchive } from '../packaging/provenance';
import { makeArchiveReproducible } from '../packaging/reproducible-archive';
import { sourceDate } from '../packaging/source-date';
import { stageChart, type StagedChart } from '../staging/staged-chart';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import { chartDir, createHelm, stageSettings, loadChartTree, projectLabel, type ChartCommandOptions } from './chart-command';
import { valuesSchemaProblem } from '../lint/values-schema';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';

export interface PackageOptions extends ChartCommandOptions {
  /** Folder for the package, relative to the workspace root; `{projectRoot}` is replaced. Default dist/charts/<chart folder>. */
  outputPath?: string;
}

export interface PackageResult {
  chart: string;
  version: string;
  archivePath: string;
  /** sha256 of the archive: its layer digest once pushed. */
  digest: string;
  provenancePath?: string;
}

/**
 * Builds the chart's dependencies in a staged copy, runs `helm package`, and rewrites the archive so its bytes depend
 * only on the chart's content and the source date; signs it when configured. The output folder keeps nothing of the
 * chart's earlier packages (any version), provenance files or push record, and nothing else is removed.
 */
export async function packageChart(options: PackageOptions): Promise<PackageResult> {
  const env = options.env ?? process.env;
  const project = projectLabel(options);
  const outputDir = resolve(
    options.workspaceRoot,
    (options.outputPath ?? defaultPackageOutputPath(options.chartRoot)).replace('{projectRoot}', options.chartRoot),
  );
  assertOwnOutputFolder(outputDir, chartDir(options), options.workspaceRoot, project);
  let staged: StagedChart | undefined;
  const packDir = createTempDir('nx-helm-package-');
  try {
    const date = sourceDate(env);
    const helm = await createHelm(options);
    const tree = loadChartTree(options);
    const schemaProblem = valuesSchemaProblem(chartDir(options), options.chartRoot);
    if (schemaProblem) throw new NxHelmError(schemaProblem, { file: `${options.chartRoot}/values.schema.json` });
    staged = await stageChart(tree, options.workspaceRoot, helm, { sourceDate: date.date, ...stageSettings(options) });
    const { name, version } = tree.root.chart;
    const result = await helm.run(['package', staged.chartDir, '--destination', packDir], { cwd: options.workspaceRoot });
    if (result.failed) {
      throw new NxHelmError(
        `helm package failed for chart "${name}" (${options.chartRoot}).\n${describeHelmFailure(result).split(staged.chartDir).join(options.chartRoot)}\n` +
          `Fix the problem above; \`nx run ${project}:lint-chart\` usually explains it in more detail.`,
        { file: `${options.chartRoot}/Chart.yaml` },
      );
    }
    const archiveName = `${name}-${version}.tgz`;
    removePreviousPackage(outputDir, name);
    const archivePath = join(outputDir, archiveName);
    copyFileSync(join(packDir, archiveName), archivePath);
    await makeArchiveReproducible(archivePath, date.date);
    let provenancePath: string | undefined;
    if (options.sign && env[ENV.sign] !== 'false') {
      const keyring = options.sign.keyring ? resolve(options.workspaceRoot, options.sign.keyring) : undefined;
      provenancePath = await signChartArchive(archivePath, name, options.sign, keyring, env);
      options.log.info(`Signed ${archiveName} with key "${options.sign.key}" -> ${relative(options.workspaceRoot, provenancePath)}`);
    }
    const digest = fileDigest(archivePath);
    options.log.info(
      `Packaged ${name} ${version} with helm ${helm.version} -> ${relative(options.workspaceRoot, archivePath)} (${digest}, ` +
        `timestamp ${date.date.toISOString()}${date.origin === 'SOURCE_DATE_EPOCH' ? ` from ${ENV.sourceDateEpoch}` : ''})`,
    );
    return { chart: name, version, archivePath, digest, provenancePath };
  } finally {
    staged?.dispose();
    removeTempDir(packDir);
  }
}

/** The output folder is emptied of this chart's files: it must not be the workspace or hold the chart's sources. */
function assertOwnOutputFolder(outputDir: string, chartFolder: string, root: string, project: string): void {
  const inside = (dir: string, parent: string) => dir === parent || dir.startsWith(`${parent}${sep}`);
  if (inside(root, outputDir) || inside(chartFolder, outputDir) || inside(outputDir, chartFolder)) {
    throw new NxHelmError(
      `The outputPath of ${project}:package-chart is ${relative(root, outputDir) || '.'}, which contains or lies inside ` +
        "the workspace root or the chart's sources. Use a folder of its own, e.g. dist/charts/<project root>.",
    );
  }
}

/** Removes this chart's earlier packages (any version), provenance files and push record, and nothing else. */
function removePreviousPackage(outputDir: string, chartName: string): void {
  mkdirSync(outputDir, { recursive: true });
  for (const file of readdirSync(outputDir)) {
    const ownArchive = file.startsWith(`${chartName}-`) && (file.endsWith('.tgz') || file.endsWith('.tgz.prov'));
    if (ownArchive || file === PUSH_RECORD_FILE) {
      rmSync(join(outputDir, file), { recursive: true, force: true });
    }
  }
}
