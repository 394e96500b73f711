import { mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import type { PushRecord } from './chart-publisher';
import type { ChartRegistry } from './chart-registry';
import { repositoryOf } from './registry-reference';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';

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
  registry: ChartRegistry,
  helm: HelmRunner,
  record: PushRecord,
  options: { localArchiveDigest?: string; keyring?: string },
): Promise<VerifiedChart> {
  if (!record.digest || record.status === 'failed') {
    throw new NxHelmError(
      `${record.reference} has no successful push recorded (status ${record.status}); push it first with the push-chart target.`,
      {
        reference: record.reference,
      },
    );
  }
  const pinnedReference = `${repositoryOf(record.reference)}@${record.digest}`;
  const dir = createTempDir('nx-helm-verify-');
  try {
    // The provenance file is verified below with `helm verify`, because `helm pull --verify` looks the archive up by
    // the file name a digest pull gets ("web@sha256-….tgz"), which the signature never names.
    const pulled = await registry.pull(pinnedReference, dir, { provenance: Boolean(options.keyring) });
    const chartDigest = fileDigest(pulled.archivePath);
    const mismatches = [
      pulled.digest !== record.digest ? `manifest digest ${pulled.digest ?? 'not reported'} instead of ${record.digest}` : undefined,
      chartDigest !== record.chartDigest ? `chart archive ${chartDigest} instead of ${record.chartDigest} (push.json)` : undefined,
      options.localArchiveDigest && chartDigest !== options.localArchiveDigest
        ? `chart archive ${chartDigest} differs from the local package ${options.localArchiveDigest}`
        : undefined,
    ].filter(Boolean);
    if (mismatches.length > 0) {
      throw new NxHelmError(`${pinnedReference} does not match what was pushed: ${mismatches.join('; ')}.`, { reference: pinnedReference });
    }
    if (options.keyring) {
      if (!pulled.provenancePath) {
        throw new NxHelmError(
          `${pinnedReference} has no provenance file in the registry: the chart was pushed unsigned. Sign it (the sign option) or verify without a keyring.`,
          { reference: pinnedReference },
        );
      }
      await verifyProvenance(
        helm,
        pulled.archivePath,
        pulled.provenancePath,
        `${record.chart}-${record.version}.tgz`,
        options.keyring,
        pinnedReference,
      );
    }
    return { pinnedReference, digest: record.digest, chartDigest, provenanceVerified: Boolean(options.keyring) };
  } finally {
    removeTempDir(dir);
  }
}

/** Checks the provenance signature of a pulled archive under the file name it was signed as. */
async function verifyProvenance(
  helm: HelmRunner,
  pulledArchive: string,
  provenance: string,
  signedName: string,
  keyring: string,
  reference: string,
): Promise<void> {
  const archive = join(dirname(pulledArchive), 'signed', signedName);
  mkdirSync(dirname(archive));
  renameSync(pulledArchive, archive);
  renameSync(provenance, `${archive}.prov`);
  const result = await helm.run(['verify', archive, '--keyring', keyring]);
  if (result.failed) {
    throw new NxHelmError(
      `The provenance signature of ${reference} did not verify with the keyring ${keyring}.\n${describeHelmFailure(result)}\n` +
        'Fix: check that the keyring holds the public key of the signing key, and that the chart was signed by it.',
      { reference },
    );
  }
}
