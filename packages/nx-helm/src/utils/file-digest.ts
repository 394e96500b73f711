import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { checkRegularFile } from './regular-file';

/** `sha256:<hex>` of a file: for a chart archive, the digest of its layer in an OCI registry. */
export function fileDigest(path: string): string {
  checkRegularFile(path, path);
  return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}
