import { NxHelmError } from '../utils/nx-helm-error';
import type { ChartRegistry } from './chart-registry';
import { chartReference, type RegistryLocation } from './registry-reference';

export type PushStatus = 'pushed' | 'skipped' | 'failed';

/** What push-chart records for one chart (written as push.json next to the package). */
export interface PushRecord {
  chart: string;
  version: string;
  /** `oci://host/path/chart:tag`. */
  reference: string;
  registry: string;
  /** Manifest digest (`sha256:…`): what to sign, pin and pull by. */
  digest?: string;
  /** sha256 of the .tgz, which is the chart layer's digest in the registry. */
  chartDigest: string;
  status: PushStatus;
  time: string;
  helmVersion: string;
  error?: string;
}

export interface PublishRequest {
  registry: ChartRegistry;
  location: RegistryLocation;
  chartName: string;
  version: string;
  archivePath: string;
  /** fileDigest of the archive (the caller has it already). */
  chartDigest: string;
  /** Where the chart comes from, for messages: `charts/web/Chart.yaml`. */
  chartFile: string;
  allowOverwrite: boolean;
  log: (line: string) => void;
}

/**
 * Publishes one packaged chart idempotently: if the version is already in the registry with the same content it is
 * skipped; with other content it is refused (unless allowOverwrite), because moving a published tag silently changes
 * what users install. The lookup reads the tag's manifest and compares its chart layer with the archive's digest.
 */
export async function publishChart(request: PublishRequest): Promise<Omit<PushRecord, 'time' | 'helmVersion'>> {
  const { registry, location, chartName, version, chartDigest } = request;
  const target = chartReference(location, chartName, version);
  const base = { chart: chartName, version, reference: target.reference, registry: location.url, chartDigest };

  const remote = await registry.find(target);
  if (remote && remote.chartDigest === chartDigest) {
    request.log(`${target.reference} is already published with the same content (${remote.digest}): skipped.`);
    return { ...base, digest: remote.digest, status: 'skipped' };
  }
  if (remote && !request.allowOverwrite) {
    throw new NxHelmError(
      `${target.reference} is already published with other content (registry: chart ${remote.chartDigest}, ` +
        `local package: ${chartDigest}). A published version must not change: bump \`version\` in ${request.chartFile}, ` +
        'or set allowOverwrite: true on the push-chart target to replace it.',
      { reference: target.reference, digest: remote.digest, file: request.chartFile },
    );
  }
  if (remote) {
    request.log(`${target.reference} exists with other content (${remote.chartDigest}); overwriting it (allowOverwrite).`);
  }
  const digest = await registry.push(request.archivePath, target);
  return { ...base, digest, status: 'pushed' };
}
