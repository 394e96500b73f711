import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PUSH_RECORD_FILE } from '../config/constants';
import type { PushRecord } from './chart-publisher';
import { NxHelmError } from '../utils/nx-helm-error';

export function writePushRecord(packageDir: string, record: PushRecord): string {
  const file = join(packageDir, PUSH_RECORD_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/**
 * Removes the last push's record before a new push: a push that fails (or is stopped) before it records its outcome
 * must not leave the last one to speak for it.
 */
export function removePushRecord(packageDir: string): void {
  rmSync(join(packageDir, PUSH_RECORD_FILE), { force: true });
}

/** Reads a push.json, failing with the file's name when it is not one push-chart wrote. */
export function readPushRecordFile(file: string, displayPath: string = file): PushRecord {
  let record: Partial<PushRecord>;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Partial<PushRecord>;
  } catch (error) {
    throw new NxHelmError(
      `${displayPath} is not valid JSON (${(error as Error).message}). Re-run the push-chart target to write it again.`,
    );
  }
  const invalid: string[] = (['chart', 'version', 'reference', 'registry', 'chartDigest'] as const).filter(
    (key) => typeof record[key] !== 'string',
  );
  if (!['pushed', 'skipped', 'failed'].includes(record.status as string)) {
    invalid.push('status');
  }
  if (invalid.length > 0) {
    throw new NxHelmError(
      `${displayPath} is not a push record written by push-chart (missing or invalid: ${invalid.join(', ')}). ` +
        'Re-run the push-chart target to write it again.',
    );
  }
  return record as PushRecord;
}
