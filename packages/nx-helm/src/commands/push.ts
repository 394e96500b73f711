import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defaultPackageOutputPath, ENV } from '../config/constants';
import { secretVariables } from '../config/secret-variables';
import { publishChart, type PushRecord } from '../registry/chart-publisher';
import type { ChartRegistry } from '../registry/chart-registry';
import { HelmChartRegistry } from '../registry/helm-chart-registry';
import { removePushRecord, writePushRecord } from '../registry/push-record-file';
import { hostConnection, type RegistryHostOptions } from '../registry/registry-options';
import { chartReference, parseRegistryLocation, type RegistryLocation } from '../registry/registry-reference';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../registry/retry';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import { createHelm, projectLabel, readCommandChart, type ChartCommandOptions } from './chart-command';
import { chartContentDigest } from '../packaging/reproducible-archive';

/** Connection settings that override the registry host's entry in `registries`. */
export type ConnectionOverrides = Pick<RegistryHostOptions, 'plainHttp' | 'insecureSkipTlsVerify' | 'caFile' | 'certFile' | 'keyFile'>;

export interface PushOptions extends ChartCommandOptions, ConnectionOverrides {
  /** oci://host/path to push to; the NX_HELM_REGISTRY environment variable overrides it. */
  registry?: string;
  /** Folder holding the package (package-chart's outputPath). */
  packageOutputPath?: string;
  allowOverwrite?: boolean;
  dryRun?: boolean;
  retries?: number;
  retryDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Stop a registry command that takes longer than this; it counts as a transient failure. */
  commandTimeoutMs?: number;
  /** The registry to publish to, for tests; by default helm and the OCI distribution API. */
  openRegistry?: (location: RegistryLocation, connection: RegistryHostOptions) => Promise<ChartRegistry>;
}

/**
 * Publishes the chart's package: skipped when the registry has that version with the same content, refused when with
 * other content, pushed otherwise. The outcome (or the failure) is recorded in push.json next to the package, and
 * returned; a dry run only says what it would push.
 */
export async function pushChart(options: PushOptions): Promise<PushRecord | undefined> {
  const env = options.env ?? process.env;
  const project = projectLabel(options);
  const packageDir = resolve(options.workspaceRoot, options.packageOutputPath ?? defaultPackageOutputPath(options.chartRoot));
  const { chart, chartFile } = readCommandChart(options);
  const { name, version } = chart;
  const location = resolveRegistry(options, project, env);
  const reference = chartReference(location, name, version);
  const archivePath = join(packageDir, `${name}-${version}.tgz`);
  if (!existsSync(archivePath)) {
    throw new NxHelmError(
      `There is no package to push for ${project}: ${relative(options.workspaceRoot, archivePath)} does not exist. ` +
        'Run the package-chart target first (push-chart depends on it when run through nx).',
      { file: relative(options.workspaceRoot, archivePath) },
    );
  }
  const chartDigest = fileDigest(archivePath);
  const base = { chart: name, version, reference: reference.reference, registry: location.url, chartDigest };
  if (!options.dryRun) removePushRecord(packageDir);
  let helmVersion = 'unknown';
  let registry: ChartRegistry | undefined;
  try {
    const connection = hostConnection(location.host, options.registries, options, options.workspaceRoot);
    // A dry run asks once: it must not wait out retries to say what it would do.
    const retry = options.dryRun ? { ...retryPolicy(options), retries: 0 } : retryPolicy(options);
    const helm = options.openRegistry ? undefined : await createHelm(options);
    helmVersion = helm?.version ?? helmVersion;
    const open = async (log: (line: string) => void) =>
      options.openRegistry
        ? options.openRegistry(location, connection)
        : new HelmChartRegistry(helm!, location.host, connection, {
            env,
            secretVariables: secretVariables(options),
            retry,
            log,
            commandTimeoutMs: options.commandTimeoutMs,
          });
    // In a batch, the charts pushed to one registry share its client; what it reports goes to the chart it works for.
    const session = options.session;
    registry = session
      ? await session.registry(JSON.stringify([location.host, connection, retry, options.commandTimeoutMs, helm?.binary]), () =>
          open((line) => session.log.info(line)),
        )
      : await open((line) => options.log.info(line));
    if (options.dryRun) {
      options.log.info(
        `Dry run: ${await dryRunVerdict(registry, reference, relative(options.workspaceRoot, archivePath), chartDigest, options)}`,
      );
      return undefined;
    }
    const result = await publishChart({
      registry,
      location,
      chartName: name,
      version,
      archivePath,
      chartDigest,
      chartFile,
      allowOverwrite: options.allowOverwrite ?? false,
      log: (line) => options.log.info(line),
      sameContent: async (pulled) => (await chartContentDigest(pulled)) === (await chartContentDigest(archivePath)),
    });
    const record: PushRecord = { ...result, time: new Date().toISOString(), helmVersion };
    const file = writePushRecord(packageDir, record);
    options.log.info(
      `${name} ${version} ${result.status}: ${result.reference}@${result.digest}${skipReason(result)} (recorded in ${relative(options.workspaceRoot, file)})`,
    );
    return record;
  } catch (error) {
    if (options.dryRun) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      options.log.info(
        `Dry run: would push ${relative(options.workspaceRoot, archivePath)} (${chartDigest}) to ${reference.reference}, ` +
          `unless it is published already: the registry could not be asked (${reason}).`,
      );
      return undefined;
    }
    writePushRecord(packageDir, {
      ...base,
      ...(error instanceof NxHelmError && error.digest ? { digest: error.digest } : {}),
      status: 'failed',
      time: new Date().toISOString(),
      helmVersion,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    await registry?.close();
  }
}

/** What a push would do, from the registry's answer for the version (a dry run pushes nothing, records nothing). */
async function dryRunVerdict(
  registry: ChartRegistry,
  reference: ReturnType<typeof chartReference>,
  archive: string,
  chartDigest: string,
  options: Pick<PushOptions, 'allowOverwrite'>,
): Promise<string> {
  const published = await registry.find(reference);
  if (!published) return `would push ${archive} (${chartDigest}) to ${reference.reference}.`;
  if (published.chartDigest === chartDigest) {
    return `would skip ${reference.reference}: it is already published with the same content (${published.digest}).`;
  }
  return options.allowOverwrite
    ? `would overwrite ${reference.reference} (allowOverwrite): it is published with other content (registry: chart ${published.chartDigest}, local package: ${chartDigest}).`
    : `would refuse to push ${archive} to ${reference.reference}: it is published with other content (registry: chart ${published.chartDigest}, ` +
        `local package: ${chartDigest}), unless only file times differ (a push compares the contents). Bump the chart's version, or set allowOverwrite.`;
}

/** Why a push was skipped, for its one line of output. */
function skipReason(result: Pick<PushRecord, 'status' | 'chartDigest' | 'packagedChartDigest'>): string {
  if (result.status !== 'skipped') return '';
  return result.packagedChartDigest
    ? ` is already published with the same content, packaged at another time (registry archive ${result.chartDigest}, ` +
        `local package ${result.packagedChartDigest}; only file times differ)`
    : ' is already published with the same content';
}

export function retryPolicy(options: Pick<PushOptions, 'retries' | 'retryDelayMs' | 'retryMaxDelayMs'>): RetryPolicy {
  return {
    retries: options.retries ?? DEFAULT_RETRY_POLICY.retries,
    initialDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_POLICY.initialDelayMs,
    maxDelayMs: options.retryMaxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
}

/** Where the chart is pushed: NX_HELM_REGISTRY, else the registry option; undefined when neither is set. */
export function configuredRegistry(
  options: Pick<PushOptions, 'registry'>,
  project: string,
  env: NodeJS.ProcessEnv,
): RegistryLocation | undefined {
  const fromEnv = env[ENV.registry]?.trim();
  if (fromEnv) {
    return parseRegistryLocation(fromEnv, `the ${ENV.registry} environment variable`);
  }
  return options.registry ? parseRegistryLocation(options.registry, `the registry option of ${project}:push-chart`) : undefined;
}

function resolveRegistry(options: PushOptions, project: string, env: NodeJS.ProcessEnv): RegistryLocation {
  const location = configuredRegistry(options, project, env);
  if (location) return location;
  throw new NxHelmError(
    `There is no registry to push ${project} to. Set "registry" in the nx-helm plugin options in nx.json ` +
      `(e.g. "oci://ghcr.io/acme/charts"), on the project's push-chart target, or in the ${ENV.registry} environment variable.`,
  );
}
