import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defaultPackageOutputPath, PUSH_RECORD_FILE } from '../config/constants';
import { secretVariables } from '../config/secret-variables';
import { verifyPublishedChart, type VerifiedChart } from '../registry/chart-verifier';
import { HelmChartRegistry } from '../registry/helm-chart-registry';
import { readPushRecordFile } from '../registry/push-record-file';
import type { PushRecord } from '../registry/chart-publisher';
import { hostConnection } from '../registry/registry-options';
import { parseRegistryLocation } from '../registry/registry-reference';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import { createHelm, projectLabel, type ChartCommandOptions } from './chart-command';
import type { ConnectionOverrides } from './push';

export interface VerifyOptions extends ChartCommandOptions, ConnectionOverrides {
  /** Public keyring to check the provenance signature with (relative to the workspace root); none skips that check. */
  keyring?: string;
  /** Folder holding the package and its push.json. */
  packageOutputPath?: string;
}

/** Pulls the chart push-chart recorded by its manifest digest and checks it against push.json and the local package. */
export async function verifyChart(options: VerifyOptions): Promise<VerifiedChart> {
  const project = projectLabel(options);
  const packageDir = resolve(options.workspaceRoot, options.packageOutputPath ?? defaultPackageOutputPath(options.chartRoot));
  const recordFile = join(packageDir, PUSH_RECORD_FILE);
  const shownRecordFile = relative(options.workspaceRoot, recordFile);
  if (!existsSync(recordFile)) {
    throw new NxHelmError(`${shownRecordFile} does not exist: there is no push of ${project} to verify. Run its push-chart target first.`, {
      file: shownRecordFile,
    });
  }
  const record = readPushRecordFile(recordFile, shownRecordFile);
  const location = parseRegistryLocation(record.registry, shownRecordFile);
  const localArchive = join(packageDir, `${record.chart}-${record.version}.tgz`);
  const helm = await createHelm(options);
  const registry = new HelmChartRegistry(
    helm,
    location.host,
    hostConnection(location.host, options.registries, options, options.workspaceRoot),
    {
      env: options.env,
      secretVariables: secretVariables(options),
      log: (line) => options.log.info(line),
    },
  );
  try {
    const verified = await verifyPublishedChart(registry, helm, record, {
      localArchiveDigest: existsSync(localArchive) ? publishedDigestOfLocal(fileDigest(localArchive), record) : undefined,
      keyring: options.keyring ? resolve(options.workspaceRoot, options.keyring) : undefined,
    });
    options.log.info(
      `Verified ${verified.pinnedReference}: the registry serves the pushed manifest and chart archive (${verified.chartDigest})` +
        `${verified.provenanceVerified ? ', and its provenance signature is valid' : ''}.`,
    );
    return verified;
  } finally {
    await registry.close();
  }
}

/**
 * The local package stands for the published archive it matched at push time: push skips a package that differs from
 * the published one only in its file times (packagedChartDigest), and the registry keeps the earlier archive.
 */
function publishedDigestOfLocal(localDigest: string, record: PushRecord): string {
  return record.packagedChartDigest === localDigest ? record.chartDigest : localDigest;
}
