import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `sha256:<hex>` of a file: for a chart archive, the digest of its layer in an OCI registry. */
export function fileDigest(path: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}
