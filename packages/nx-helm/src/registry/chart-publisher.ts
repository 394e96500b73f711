import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeHelmFailure } from '../helm/helm-runner';
import { NxHelmError } from '../utils/nx-helm-error';
import { fileDigest } from '../utils/file-digest';
import { reportedDigest, runRegistryCommand } from './registry-command';
import { chartReference, type ChartReference, type RegistryLocation } from './registry-reference';
import type { RegistrySession } from './registry-session';
import type { RetryPolicy } from './retry';

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

export class PublishError extends NxHelmError {
  constructor(
    message: string,
    readonly digest?: string,
  ) {
    super(message);
  }
}

export interface PublishRequest {
  session: RegistrySession;
  registry: RegistryLocation;
  chartName: string;
  version: string;
  archivePath: string;
  /** fileDigest of the archive (the caller has it already). */
  chartDigest: string;
  /** Where the chart comes from, for messages: `charts/web/Chart.yaml`. */
  chartFile: string;
  allowOverwrite: boolean;
  retry: RetryPolicy;
  log: (line: string) => void;
}

type RemoteChart = { exists: false } | { exists: true; digest: string; chartDigest: string };

/**
 * Publishes one packaged chart idempotently: if the version is already in the registry with the same content it is
 * skipped; with other content it is refused (unless allowOverwrite), because moving a published tag silently changes
 * what users install. Transient registry failures are retried; authentication and permission failures are not.
 */
export async function publishChart(request: PublishRequest): Promise<Omit<PushRecord, 'time' | 'helmVersion'>> {
  const { session, registry, chartName, version, archivePath, chartDigest } = request;
  const target = chartReference(registry, chartName, version);
  const base = { chart: chartName, version, reference: target.reference, registry: registry.url, chartDigest };

  const remote = await findRemoteChart(request, target);
  if (remote.exists && remote.chartDigest === chartDigest) {
    request.log(`${target.reference} is already published with the same content (${remote.digest}): skipped.`);
    return { ...base, digest: remote.digest, status: 'skipped' };
  }
  if (remote.exists && !request.allowOverwrite) {
    throw new PublishError(
      `${target.reference} is already published with other content (registry: chart ${remote.chartDigest}, ` +
        `local package: ${chartDigest}). A published version must not change: bump \`version\` in ${request.chartFile}, ` +
        'or set allowOverwrite: true on the push-chart target to replace it.',
      remote.digest,
    );
  }
  if (remote.exists) {
    request.log(`${target.reference} exists with other content (${remote.chartDigest}); overwriting it (allowOverwrite).`);
  }

  const result = await runRegistryCommand(session, {
    command: 'push',
    args: ['push', archivePath, registry.url],
    what: `pushing ${target.reference}`,
    retry: request.retry,
    log: request.log,
  });
  const digest = reportedDigest(result);
  if (!digest) {
    throw new PublishError(`helm push reported success for ${target.reference} but printed no digest:\n${describeHelmFailure(result)}`);
  }
  return { ...base, digest, status: 'pushed' };
}

/** Pulls `<reference>:<version>` (if it exists) to learn its manifest digest and the sha256 of its chart archive. */
async function findRemoteChart(request: PublishRequest, target: ChartReference): Promise<RemoteChart> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-helm-remote-'));
  try {
    const result = await runRegistryCommand(request.session, {
      command: 'pull',
      args: ['pull', target.repository, '--version', request.version, '--destination', dir],
      what: `checking whether ${target.reference} exists`,
      retry: request.retry,
      log: request.log,
      accept: (failure) => failure.kind === 'not-found',
    });
    if (result.failed) {
      return { exists: false };
    }
    const digest = reportedDigest(result);
    if (!digest) {
      throw new PublishError(`helm pull ${target.reference} succeeded but printed no digest:\n${describeHelmFailure(result)}`);
    }
    const archive = readdirSync(dir).find((file) => file.endsWith('.tgz'));
    if (!archive) {
      throw new PublishError(`helm pull ${target.reference} succeeded but left no chart archive in ${dir}.`);
    }
    return { exists: true, digest, chartDigest: fileDigest(join(dir, archive)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
