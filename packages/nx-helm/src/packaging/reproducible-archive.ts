import { createHash } from 'node:crypto';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readTarEntries, type TarEntry } from '../utils/tar-entries';

/**
 * Rewrites a chart archive so that its bytes depend only on the chart's content and `timestamp`:
 * entries are sorted by path (helm writes subcharts in a varying order) and keep their type, mode and content, but get
 * `timestamp` as their mtime and no owner; the gzip
 * stream is produced by a pure-JavaScript deflate (identical on every CPU and Node.js version) with a header that
 * names no operating system. The archive file's own mtime is set to `timestamp` too, because `helm push` records it
 * as the manifest's `org.opencontainers.image.created` annotation.
 *
 * Helm 3 stamps entries with the current time and Helm 4 with the files' mtimes, which differ per checkout;
 * after this rewrite both give the same bytes for the same chart.
 */
export async function makeArchiveReproducible(archivePath: string, timestamp: Date): Promise<void> {
  const entries = (await readTarEntries(gunzipSync(readFileSync(archivePath)))).sort((a, b) =>
    a.header.name < b.header.name ? -1 : a.header.name > b.header.name ? 1 : 0,
  );
  const tarBytes = await writeEntries(entries, timestamp);
  // Loaded here, not at start-up: only packaging needs them, once helm has run.
  const { Deflate } = require('pako') as typeof import('pako');
  const deflate = new Deflate({ gzip: true, level: 9, header: { os: 255 } });
  deflate.push(tarBytes, true);
  if (deflate.err) {
    throw new Error(`Compressing ${archivePath} failed: ${deflate.msg}`);
  }
  const gzipped = Buffer.from(deflate.result as Uint8Array);
  writeFileSync(archivePath, gzipped);
  utimesSync(archivePath, timestamp, timestamp);
}

/** The content of one file of a .tgz, or undefined when the archive has no such entry. */
export async function readArchiveFile(archivePath: string, path: string): Promise<Buffer | undefined> {
  const entries = await readTarEntries(gunzipSync(readFileSync(archivePath)));
  return entries.find((entry) => entry.header.name === path)?.data;
}

/**
 * A digest of what a chart archive holds, blind to when it was packaged: every entry's path, type, mode, link and
 * content, with subchart archives taken by their own content and the `generated:` time of lock files left out. Two
 * packages of the same chart made at other times (another SOURCE_DATE_EPOCH, a commit that touched only an ignored
 * file) have the same content digest and different archive digests.
 */
export async function chartContentDigest(archive: string | Buffer): Promise<string> {
  const bytes = typeof archive === 'string' ? readFileSync(archive) : archive;
  const entries = (await readTarEntries(gunzipSync(bytes))).sort((a, b) =>
    a.header.name < b.header.name ? -1 : a.header.name > b.header.name ? 1 : 0,
  );
  const hash = createHash('sha256');
  for (const { header, data } of entries) {
    const content = /\/charts\/[^/]+\.tgz$/.test(header.name)
      ? await chartContentDigest(data)
      : /(^|\/)(Chart|requirements)\.lock$/.test(header.name)
        ? Buffer.from(data.toString('utf8').replace(/^generated: .*$/m, 'generated: -'))
        : data;
    hash.update(JSON.stringify([header.name, header.type, header.mode, header.linkname ?? '', content.length]));
    hash.update(content);
  }
  return `sha256:${hash.digest('hex')}`;
}

function writeEntries(entries: TarEntry[], timestamp: Date): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = (require('tar-stream') as typeof import('tar-stream')).pack();
    const chunks: Buffer[] = [];
    archive.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
    for (const { header, data } of entries) {
      archive.entry(
        {
          name: header.name,
          type: header.type,
          mode: header.mode,
          linkname: header.linkname,
          size: header.type === 'file' ? data.length : 0,
          mtime: timestamp,
          uid: 0,
          gid: 0,
          uname: '',
          gname: '',
        },
        data,
      );
    }
    archive.finalize();
  });
}
