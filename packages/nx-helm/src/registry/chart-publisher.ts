import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeHelmFailure } from '../helm/helm-runner';
import type { ProcessResult } from '../helm/process';
import { NxHelmError } from '../utils/nx-helm-error';
import { classifyRegistryFailure, type RegistryFailure } from './registry-errors';
import { chartReference, type ChartReference, type RegistryLocation } from './registry-reference';
import type { RegistrySession } from './registry-session';
import { withRetries, type RetryPolicy } from './retry';

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
  const { session, registry, chartName, version, archivePath } = request;
  const target = chartReference(registry, chartName, version);
  const chartDigest = `sha256:${createHash('sha256').update(readFileSync(archivePath)).digest('hex')}`;
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

  const result = await runWithRetries(request, 'push', ['push', archivePath, registry.url], `pushing ${target.reference}`);
  const digest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${result.stdout}\n${result.stderr}`)?.[1];
  if (!digest) {
    throw new PublishError(`helm push reported success for ${target.reference} but printed no digest:\n${describeHelmFailure(result)}`);
  }
  return { ...base, digest, status: 'pushed' };
}

/** Pulls `<reference>:<version>` (if it exists) to learn its manifest digest and the sha256 of its chart archive. */
async function findRemoteChart(request: PublishRequest, target: ChartReference): Promise<RemoteChart> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-helm-remote-'));
  try {
    const result = await runWithRetries(
      request,
      'pull',
      ['pull', target.repository, '--version', request.version, '--destination', dir],
      `checking whether ${target.reference} exists`,
      (failure) => failure.kind === 'not-found',
    );
    if (result.failed) {
      return { exists: false };
    }
    const digest = /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${result.stdout}\n${result.stderr}`)?.[1] ?? 'unknown';
    const archive = readdirSync(dir).find((file) => file.endsWith('.tgz'));
    if (!archive) {
      throw new PublishError(`helm pull ${target.reference} succeeded but left no chart archive in ${dir}.`);
    }
    return { exists: true, digest, chartDigest: `sha256:${createHash('sha256').update(readFileSync(join(dir, archive))).digest('hex')}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a registry command with retries for transient failures. A failure `accept` recognises (e.g. not-found when
 * looking a version up) is returned as a result; any other failure becomes a PublishError with the fix.
 */
async function runWithRetries(
  request: PublishRequest,
  command: 'push' | 'pull',
  args: string[],
  what: string,
  accept: (failure: RegistryFailure) => boolean = () => false,
): Promise<ProcessResult> {
  const { session } = request;
  let failure: RegistryFailure | undefined;
  const result = await withRetries(
    request.retry,
    async () => {
      const attempt = await session.run(command, args);
      failure = attempt.failed ? classifyRegistryFailure(attempt, session.host) : undefined;
      return { ok: !attempt.failed, retryable: failure?.retryable ?? false, value: attempt };
    },
    (attemptNumber, delayMs, last) =>
      request.log(
        `Attempt ${attemptNumber} of ${what} failed (${firstErrorLine(last)}); retrying in ${(delayMs / 1000).toFixed(1)} s.`,
      ),
  );
  if (result.failed && failure && !accept(failure)) {
    const attempts = failure.retryable ? ` (after ${request.retry.retries + 1} attempts)` : '';
    throw new PublishError(`${capitalize(what)} failed${attempts}.\n${describeHelmFailure(result)}\nFix: ${failure.hint}`);
  }
  return result;
}

function firstErrorLine(result: ProcessResult): string {
  return (result.stderr || result.stdout).split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit code ${result.exitCode}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
