import type { Header } from 'tar-stream';

export interface TarEntry {
  header: Header;
  data: Buffer;
}

/** Every entry of an (uncompressed) tar stream with its content, in the stream's order. */
export function readTarEntries(tarBytes: Buffer): Promise<TarEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: TarEntry[] = [];
    // Loaded here, not at start-up: only commands that read archives need it.
    const parser = (require('tar-stream') as typeof import('tar-stream')).extract();
    parser.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => {
        chunks.push(chunk as Buffer);
      });
      stream.on('end', () => {
        entries.push({ header, data: Buffer.concat(chunks) });
        next();
      });
      stream.on('error', reject);
    });
    parser.on('finish', () => resolve(entries));
    parser.on('error', reject);
    parser.end(tarBytes);
  });
}
