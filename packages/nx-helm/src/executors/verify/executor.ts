import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { HelmRunner } from '../../helm/helm-runner';
import { verifyPublishedChart } from '../../registry/chart-verifier';
import { parseRegistryLocation } from '../../registry/registry-reference';
import { RegistrySession } from '../../registry/registry-session';
import { DEFAULT_RETRY_POLICY } from '../../registry/retry';
import { NxHelmError } from '../../utils/nx-helm-error';
import { defaultPackageOutputPath } from '../package/executor';
import { PUSH_RECORD_FILE, readPushRecordFile } from '../push/push-record-file';
import { hostConnection } from '../shared/registry-connection';
import { projectOf, reportFailure } from '../shared/executor-context';
import { secretVariables } from '../shared/secret-variables';
import type { VerifyExecutorSchema } from './schema';
import { fileDigest } from '../../utils/file-digest';

export default async function verifyExecutor(options: VerifyExecutorSchema, context: ExecutorContext): Promise<{ success: boolean }> {
  const project = projectOf(context);
  const packageDir = resolve(context.root, options.packageOutputPath ?? defaultPackageOutputPath(project.root));
  let session: RegistrySession | undefined;
  try {
    const recordFile = join(packageDir, PUSH_RECORD_FILE);
    if (!existsSync(recordFile)) {
      throw new NxHelmError(
        `${relative(context.root, recordFile)} does not exist: there is no push of ${project.name} to verify. Run its push-chart target first.`,
      );
    }
    const record = readPushRecordFile(recordFile, relative(context.root, recordFile));
    const registry = parseRegistryLocation(record.registry, relative(context.root, recordFile));
    const localArchive = join(packageDir, `${record.chart}-${record.version}.tgz`);
    const localArchiveDigest = existsSync(localArchive) ? fileDigest(localArchive) : undefined;
    const helm = await HelmRunner.create({ helmPath: options.helmPath, cwd: context.root, hiddenVariables: secretVariables(options) });
    const hostOptions = hostConnection(registry.host, options.registries, options, context.root);
    const log = (line: string) => logger.info(line);
    session = await RegistrySession.open(helm, registry.host, hostOptions, { secretVariables: secretVariables(options), log });
    const verified = await verifyPublishedChart(session, record, {
      localArchiveDigest,
      keyring: options.keyring ? resolve(context.root, options.keyring) : undefined,
      retry: DEFAULT_RETRY_POLICY,
      log,
    });
    logger.info(
      `Verified ${verified.pinnedReference}: the registry serves the pushed manifest and chart archive (${verified.chartDigest})` +
        `${verified.provenanceVerified ? ', and its provenance signature is valid' : ''}.`,
    );
    return { success: true };
  } catch (error) {
    return reportFailure('verify-chart', project.name, error);
  } finally {
    await session?.close();
  }
}
