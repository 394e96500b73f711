import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeHelmFailure } from '../helm/helm-runner';
import { NxHelmError } from '../utils/nx-helm-error';
import type { PushRecord } from './chart-publisher';
import { fileDigest } from '../utils/file-digest';
import { reportedDigest, runRegistryCommand } from './registry-command';
import { repositoryOf } from './registry-reference';
import type { RegistrySession } from './registry-session';
import type { RetryPolicy } from './retry';

export class VerificationError extends NxHelmError {}

export interface VerifiedChart {
  /** `oci://host/path/chart@sha256:…`: the immutable reference that was pulled. */
  pinnedReference: string;
  digest: string;
  chartDigest: string;
  provenanceVerified: boolean;
}

/**
 * Pulls a chart by the manifest digest recorded at push time and checks that the registry serves exactly that:
 * the manifest digest helm reports and the sha256 of the chart archive must both match the record (and the local
 * package, when given). With a keyring, helm also verifies the chart's provenance signature.
 */
export async function verifyPublishedChart(
  session: RegistrySession,
  record: PushRecord,
  options: { localArchiveDigest?: string; keyring?: string; retry: RetryPolicy; log: (line: string) => void },
): Promise<VerifiedChart> {
  if (!record.digest || record.status === 'failed') {
    throw new VerificationError(
      `${record.reference} has no successful push recorded (status ${record.status}); push it first with the push-chart target.`,
    );
  }
  const pinnedReference = `${repositoryOf(record.reference)}@${record.digest}`;
  const dir = mkdtempSync(join(tmpdir(), 'nx-helm-verify-'));
  try {
    // `--prov` fetches the provenance file too; it is verified below with `helm verify`, because `helm pull --verify`
    // looks the archive up by the file name a digest pull gets ("web@sha256-….tgz"), which the signature never names.
    const result = await runRegistryCommand(session, {
      command: 'pull',
      args: ['pull', pinnedReference, '--destination', dir, ...(options.keyring ? ['--prov'] : [])],
      what: `pulling ${pinnedReference}`,
      retry: options.retry,
      log: options.log,
    });
    const reported = reportedDigest(result);
    const archive = readdirSync(dir).find((file) => file.endsWith('.tgz'));
    if (!archive) {
      throw new VerificationError(`helm pull ${pinnedReference} left no chart archive behind.`);
    }
    const chartDigest = fileDigest(join(dir, archive));
    const mismatches = [
      reported !== record.digest ? `manifest digest ${reported ?? 'not reported'} instead of ${record.digest}` : undefined,
      chartDigest !== record.chartDigest ? `chart archive ${chartDigest} instead of ${record.chartDigest} (push.json)` : undefined,
      options.localArchiveDigest && chartDigest !== options.localArchiveDigest
        ? `chart archive ${chartDigest} differs from the local package ${options.localArchiveDigest}`
        : undefined,
    ].filter(Boolean);
    if (mismatches.length > 0) {
      throw new VerificationError(`${pinnedReference} does not match what was pushed: ${mismatches.join('; ')}.`);
    }
    if (options.keyring) {
      await verifyProvenance(session, join(dir, archive), `${record.chart}-${record.version}.tgz`, options.keyring, pinnedReference);
    }
    return { pinnedReference, digest: record.digest, chartDigest, provenanceVerified: Boolean(options.keyring) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks the provenance signature of a pulled archive under the file name it was signed as. */
async function verifyProvenance(session: RegistrySession, pulledArchive: string, signedName: string, keyring: string, reference: string): Promise<void> {
  const provenance = `${pulledArchive}.prov`;
  if (!existsSync(provenance)) {
    throw new VerificationError(`${reference} has no provenance file in the registry: the chart was pushed unsigned. Sign it (the sign option) or verify without a keyring.`);
  }
  const dir = dirname(pulledArchive);
  const archive = join(dir, 'signed', signedName);
  mkdirSync(dirname(archive));
  renameSync(pulledArchive, archive);
  renameSync(provenance, `${archive}.prov`);
  const result = await session.helm.run(['verify', archive, '--keyring', keyring]);
  if (result.failed) {
    throw new VerificationError(
      `The provenance signature of ${reference} did not verify with the keyring ${keyring}.\n${describeHelmFailure(result)}\n` +
        'Fix: check that the keyring holds the public key of the signing key, and that the chart was signed by it.',
    );
  }
}
