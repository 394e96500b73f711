import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ChartProblemError } from '../../chart/chart-problem';
import { readChartFile } from '../../chart/read-chart';
import { HelmRunner } from '../../helm/helm-runner';
import { publishChart, PublishError, type PushRecord } from '../../registry/chart-publisher';
import { chartReference, parseRegistryLocation, type RegistryLocation } from '../../registry/registry-reference';
import { RegistrySession } from '../../registry/registry-session';
import { DEFAULT_RETRY_POLICY } from '../../registry/retry';
import { NxHelmError } from '../../utils/nx-helm-error';
import { defaultPackageOutputPath } from '../package/executor';
import { projectOf, reportFailure } from '../shared/executor-context';
import { secretVariables } from '../shared/secret-variables';
import { hostConnection } from '../shared/registry-connection';
import { writePushRecord } from './push-record-file';
import type { PushExecutorSchema } from './schema';
import { fileDigest } from '../../utils/file-digest';

/** Overrides the configured registry for every chart, e.g. to publish to a staging registry from CI. */
export const REGISTRY_ENV = 'NX_HELM_REGISTRY';

export default async function pushExecutor(options: PushExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = projectOf(context);
  const packageDir = resolve(context.root, options.packageOutputPath ?? defaultPackageOutputPath(project.root));
  let session: RegistrySession | undefined;
  let record: Omit<PushRecord, 'status' | 'time' | 'helmVersion'> | undefined;
  let helmVersion = 'unknown';
  try {
    const chartFile = join(project.root, 'Chart.yaml');
    const parsed = readChartFile(join(context.root, chartFile), chartFile);
    if (!parsed.chart) {
      throw new ChartProblemError(parsed.problems);
    }
    const { name, version } = parsed.chart;
    const registry = resolveRegistry(options, project.name);
    const reference = chartReference(registry, name, version);
    const archivePath = join(packageDir, `${name}-${version}.tgz`);
    if (!existsSync(archivePath)) {
      throw new NxHelmError(
        `There is no package to push for ${project.name}: ${relative(context.root, archivePath)} does not exist. ` +
          `Run the package-chart target first (push-chart depends on it when run through nx).`,
      );
    }
    const chartDigest = fileDigest(archivePath);
    record = { chart: name, version, reference: reference.reference, registry: registry.url, chartDigest };
    if (options.dryRun) {
      logger.info(`Dry run: would push ${relative(context.root, archivePath)} (${chartDigest}) to ${reference.reference}.`);
      return { success: true };
    }

    const helm = await HelmRunner.create({ helmPath: options.helmPath, cwd: context.root, hiddenVariables: secretVariables(options) });
    helmVersion = helm.version;
    const hostOptions = hostConnection(registry.host, options.registries, options, context.root);
    const retry = {
      retries: options.retries ?? DEFAULT_RETRY_POLICY.retries,
      initialDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_POLICY.initialDelayMs,
      maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
    };
    const log = (line: string) => logger.info(line);
    session = await RegistrySession.open(helm, registry.host, hostOptions, {
      secretVariables: secretVariables(options),
      retry,
      log,
      commandTimeoutMs: options.commandTimeoutMs,
    });
    const result = await publishChart({
      session,
      registry,
      chartName: name,
      version,
      archivePath,
      chartDigest,
      chartFile,
      allowOverwrite: options.allowOverwrite ?? false,
      retry,
      log,
    });
    const file = writePushRecord(packageDir, { ...result, time: new Date().toISOString(), helmVersion });
    logger.info(`${name} ${version} ${result.status}: ${result.reference}@${result.digest} (recorded in ${relative(context.root, file)})`);
    return { success: true };
  } catch (error) {
    if (record) {
      writePushRecord(packageDir, {
        ...record,
        ...(error instanceof PublishError && error.digest ? { digest: error.digest } : {}),
        status: 'failed',
        time: new Date().toISOString(),
        helmVersion,
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return reportFailure('push-chart', project.name, error);
  } finally {
    await session?.close();
  }
}

function resolveRegistry(options: PushExecutorSchema, projectName: string): RegistryLocation {
  const fromEnv = process.env[REGISTRY_ENV]?.trim();
  if (fromEnv) {
    return parseRegistryLocation(fromEnv, `the ${REGISTRY_ENV} environment variable`);
  }
  if (options.registry) {
    return parseRegistryLocation(options.registry, `the registry option of ${projectName}:push-chart`);
  }
  throw new NxHelmError(
    `There is no registry to push ${projectName} to. Set "registry" in the nx-helm plugin options in nx.json ` +
      `(e.g. "oci://ghcr.io/acme/charts"), on the project's push-chart target, or in the ${REGISTRY_ENV} environment variable.`,
  );
}
