import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PushRecord } from '../../registry/chart-publisher';

export const PUSH_RECORD_FILE = 'push.json';

export function writePushRecord(packageDir: string, record: PushRecord): string {
  const file = join(packageDir, PUSH_RECORD_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
