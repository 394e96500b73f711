import { NxHelmError } from '../utils/nx-helm-error';
import type { ChartRegistry } from './chart-registry';
import { chartReference, type RegistryLocation } from './registry-reference';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';

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
  /**
   * The local package's sha256 when it differs from the published archive only in when it was packaged (timestamps,
   * a lock file's `generated:`): the version was skipped as published with the same content.
   */
  packagedChartDigest?: string;
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
  /**
   * Whether a pulled archive holds what the local one holds, times aside (see chartContentDigest). Asked when the
   * archives' digests differ, before refusing the push as other content.
   */
  sameContent?: (pulledArchivePath: string) => Promise<boolean>;
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
  // A skip is reported once, by the caller, from the outcome.
  if (remote && remote.chartDigest === chartDigest) {
    return { ...base, digest: remote.digest, status: 'skipped' };
  }
  if (remote && request.sameContent && (await publishedWithSameContent(request, `${target.repository}@${remote.digest}`))) {
    return { ...base, chartDigest: remote.chartDigest, packagedChartDigest: chartDigest, digest: remote.digest, status: 'skipped' };
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

/** Pulls the published archive by digest and compares its content; false when it cannot be read (the refusal stands). */
async function publishedWithSameContent(request: PublishRequest, pinnedReference: string): Promise<boolean> {
  const dir = createTempDir('nx-helm-compare-');
  try {
    const pulled = await request.registry.pull(pinnedReference, dir);
    return await request.sameContent!(pulled.archivePath);
  } catch {
    return false;
  } finally {
    removeTempDir(dir);
  }
}
