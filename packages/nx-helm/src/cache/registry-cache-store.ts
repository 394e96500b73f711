import { OCI_MANIFEST_MEDIA_TYPE, OciClient, type OciManifest } from '../registry/oci/oci-client';
import { hostConnection, type RegistriesOptions } from '../registry/registry-options';
import type { RetryPolicy } from '../registry/retry';
import type { RemoteCacheConfig } from './cache-config';

/** What marks an OCI artifact as an entry of nx-helm's Nx cache (and lets registries' UIs tell it from a chart). */
export const CACHE_ARTIFACT_TYPE = 'application/vnd.nx-helm.nx-cache.v1';
/** The entry's one layer: the tar archive Nx uploads, stored as it came. */
export const CACHE_ENTRY_MEDIA_TYPE = 'application/vnd.nx-helm.nx-cache.entry.v1.tar';
/** The OCI empty descriptor, the config of artifacts that have none. */
const EMPTY_CONFIG = Buffer.from('{}');
const EMPTY_CONFIG_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** Nx's task hashes, which are the entries' tags: OCI tags allow at most 128 of these characters. */
export const CACHE_HASH_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface CacheEntryInfo {
  hash: string;
  digest: string;
  size: number;
  created?: Date;
}

/**
 * Nx cache entries as OCI artifacts: tag = task hash, one layer holding Nx's archive, an artifact type of their own,
 * the creation time as annotation (for pruning). Uploads go through the distribution API (a blob the repository has is
 * not sent again); a download is checked against the layer digest of its manifest (OciClient.getBlob), so a tampered
 * entry is never served.
 */
export class RegistryCacheStore {
  private readonly client: OciClient;
  private emptyConfig?: Promise<{ digest: string }>;

  constructor(
    readonly config: RemoteCacheConfig,
    options: {
      registries?: RegistriesOptions;
      workspaceRoot: string;
      env?: NodeJS.ProcessEnv;
      retry?: RetryPolicy;
      timeoutMs?: number;
      answerTimeoutMs?: number;
    },
  ) {
    this.client = new OciClient({
      host: config.host,
      connection: hostConnection(config.host, options.registries, {}, options.workspaceRoot),
      env: options.env,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      answerTimeoutMs: options.answerTimeoutMs,
    });
  }

  /** The entry's archive, or undefined when the registry has none under that hash. Throws on a wrong digest. */
  async get(hash: string): Promise<Buffer | undefined> {
    const found = await this.client.getManifest(this.config.repository, hash);
    if (!found) return undefined;
    const layer = entryLayer(found.manifest);
    if (!layer) return undefined;
    return this.client.getBlob(this.config.repository, layer.digest);
  }

  async put(hash: string, archive: Buffer, now = new Date()): Promise<void> {
    // Every entry has the same empty config: it is checked (and uploaded) once per store.
    this.emptyConfig ??= this.client.uploadBlob(this.config.repository, EMPTY_CONFIG).catch((error: unknown) => {
      this.emptyConfig = undefined;
      throw error;
    });
    const config = await this.emptyConfig;
    const layer = await this.client.uploadBlob(this.config.repository, archive);
    const manifest: OciManifest & { artifactType: string } = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      artifactType: CACHE_ARTIFACT_TYPE,
      config: { mediaType: EMPTY_CONFIG_MEDIA_TYPE, digest: config.digest, size: EMPTY_CONFIG.length },
      layers: [
        {
          mediaType: CACHE_ENTRY_MEDIA_TYPE,
          digest: layer.digest,
          size: archive.length,
          annotations: { 'org.opencontainers.image.title': `${hash}.tar` },
        },
      ],
      annotations: { [CREATED_ANNOTATION]: now.toISOString() },
    };
    await this.client.putManifest(this.config.repository, hash, manifest, OCI_MANIFEST_MEDIA_TYPE);
  }

  /** Every entry with its size and age (one manifest request each, a few at a time). Other tags are skipped. */
  async list(concurrency = 8): Promise<CacheEntryInfo[]> {
    const tags = (await this.client.listTags(this.config.repository)).filter((tag) => CACHE_HASH_PATTERN.test(tag));
    const entries: CacheEntryInfo[] = [];
    let next = 0;
    const worker = async () => {
      while (next < tags.length) {
        const hash = tags[next++];
        const found = await this.client.getManifest(this.config.repository, hash);
        const layer = found && entryLayer(found.manifest);
        if (!found || !layer) continue;
        const created = found.manifest.annotations?.[CREATED_ANNOTATION];
        entries.push({ hash, digest: found.digest, size: layer.size, created: created ? new Date(created) : undefined });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, tags.length) }, worker));
    return entries.sort((a, b) => a.hash.localeCompare(b.hash));
  }

  /** Deletes an entry's manifest (and so its tag); the registry's garbage collection frees the blobs. */
  delete(entry: CacheEntryInfo): Promise<void> {
    return this.client.deleteManifest(this.config.repository, entry.digest);
  }
}

function entryLayer(manifest: OciManifest): { digest: string; size: number } | undefined {
  const artifactType = (manifest as { artifactType?: string }).artifactType;
  const layer = manifest.layers?.find((candidate) => candidate.mediaType === CACHE_ENTRY_MEDIA_TYPE);
  return artifactType === CACHE_ARTIFACT_TYPE && layer ? layer : undefined;
}
