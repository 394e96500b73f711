import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defaultPackageOutputPath, ENV, PUSH_RECORD_FILE } from '../config/constants';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import type { ProcessResult } from '../utils/process';
import { signChartArchive } from '../packaging/provenance';
import { makeArchiveReproducible } from '../packaging/reproducible-archive';
import { sourceDate } from '../packaging/source-date';
import { stageChart } from '../staging/staged-chart';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import { chartDir, createHelm, stageSettings, loadChartTree, projectLabel, type ChartCommandOptions } from './chart-command';
import { valuesSchemaProblem } from '../lint/values-schema';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { ownOutputFolder } from '../utils/output-folder';

export interface PackageOptions extends ChartCommandOptions {
  /** Folder for the package, relative to the workspace root; `{projectRoot}` is replaced. Default dist/<chart folder>. */
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

/** A chart staged for `helm package`; `dispose` removes the copy. */
export interface PreparedPackage {
  options: PackageOptions;
  helm: HelmRunner;
  /** The staged chart folder helm packages. */
  stagedDir: string;
  /** The archive helm writes: `<name>-<version>.tgz`. */
  archiveName: string;
  chart: { name: string; version: string };
  outputDir: string;
  date: ReturnType<typeof sourceDate>;
  dispose(): void;
}

/**
 * Builds the chart's dependencies in a staged copy, runs `helm package`, and rewrites the archive so its bytes depend
 * only on the chart's content and the source date; signs it when configured. The output folder keeps nothing of the
 * chart's earlier packages (any version), provenance files or push record, and nothing else is removed.
 */
export async function packageChart(options: PackageOptions): Promise<PackageResult> {
  const prepared = await preparePackage(options);
  const packDir = createTempDir('nx-helm-package-');
  try {
    const result = await prepared.helm.run(['package', prepared.stagedDir, '--destination', packDir], { cwd: options.workspaceRoot });
    return await finishPackage(prepared, result, join(packDir, prepared.archiveName));
  } finally {
    prepared.dispose();
    removeTempDir(packDir);
  }
}

/** Everything before helm package runs: the output folder and values schema checked, the chart staged. */
export async function preparePackage(options: PackageOptions): Promise<PreparedPackage> {
  const env = options.env ?? process.env;
  const project = projectLabel(options);
  const outputDir = ownOutputFolder(
    options.outputPath ?? defaultPackageOutputPath(options.chartRoot),
    { ...options, chartFolder: chartDir(options) },
    `${project}:package-chart`,
  );
  const date = sourceDate(env);
  const helm = await createHelm(options);
  const tree = loadChartTree(options);
  const schemaProblem = valuesSchemaProblem(chartDir(options), options.chartRoot);
  if (schemaProblem) throw new NxHelmError(schemaProblem, { file: `${options.chartRoot}/values.schema.json` });
  const staged = await stageChart(tree, options.workspaceRoot, helm, { sourceDate: date.date, ...stageSettings(options) });
  const { name, version } = tree.root.chart;
  return {
    options,
    helm,
    stagedDir: staged.chartDir,
    archiveName: `${name}-${version}.tgz`,
    chart: { name, version },
    outputDir,
    date,
    dispose: () => staged.dispose(),
  };
}

/**
 * After `helm package` (`result`, which wrote `archive`): the archive made reproducible in the output folder (the
 * chart's earlier files removed), signed when configured, and logged.
 */
export async function finishPackage(prepared: PreparedPackage, result: ProcessResult, archive: string): Promise<PackageResult> {
  const { options, helm, stagedDir, archiveName, outputDir, date } = prepared;
  const { name, version } = prepared.chart;
  const env = options.env ?? process.env;
  if (result.failed) {
    throw new NxHelmError(
      `helm package failed for chart "${name}" (${options.chartRoot}).\n${describeHelmFailure(result).split(stagedDir).join(options.chartRoot)}\n` +
        `Fix the problem above; \`nx run ${projectLabel(options)}:lint-chart\` usually explains it in more detail.`,
      { file: `${options.chartRoot}/Chart.yaml` },
    );
  }
  removePreviousPackage(outputDir, name);
  const archivePath = join(outputDir, archiveName);
  copyFileSync(archive, archivePath);
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
