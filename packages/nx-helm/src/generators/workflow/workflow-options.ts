import type { PinMode } from './action-pins';
import type { RegistryPreset } from './registry-presets';

export type CiProvider = 'github' | 'gitlab';
/**
 * `release`: pushes to the main branch run `nx release`, which versions, tags and publishes the charts and creates their
 * GitHub releases; the workflow then attaches each chart's assets to its release.
 */
export type PublishTrigger = 'main' | 'tags' | 'release-branch' | 'release';
export type SignMode = 'none' | 'cosign' | 'gpg';
/** `registry`: Nx's remote cache is kept in the OCI registry the charts go to, under `<chart location>/nx-cache`. */
export type RemoteCache = 'registry' | 'none' | 'nx-cloud' | 'self-hosted';
export const REMOTE_CACHES: readonly RemoteCache[] = ['registry', 'none', 'nx-cloud', 'self-hosted'];

/** Everything the CI files depend on, with defaults applied. */
export interface WorkflowOptions {
  ci: CiProvider;
  registry: RegistryPreset;
  /** Fixed `oci://` location instead of the preset's. */
  registryUrl?: string;
  trigger: PublishTrigger;
  sign: SignMode;
  helmVersion: string;
  nodeVersion: string;
  pinActions: PinMode;
  remoteCache: RemoteCache;
  /** Parallel jobs the affected charts are linted and packaged in (1: one job). */
  shards: number;
  mainBranch: string;
  releaseBranch: string;
  /**
   * Set NX_BATCH_MODE=true for every job: the workspace's Nx is older than 22.6, which batches nx-helm's executors only
   * when told to (the plugin then infers them, see the execution option).
   */
  batchMode: boolean;
}

/** Environment variables that hold the GPG signing key and its passphrase (named in nx.json's sign option). */
export const GPG_KEY_ENV = 'HELM_SIGNING_KEY';
export const GPG_PASSPHRASE_ENV = 'HELM_SIGNING_PASSPHRASE';

/** The chart projects a change affects, as a JSON list (nx affected's base and head come from NX_BASE and NX_HEAD). */
export const AFFECTED_CHARTS_COMMAND = 'npx nx show projects --affected --withTarget package-chart --json';

/** Every shard is a job of its own: more would take the runners of a whole organisation for one pull request. */
export const MAX_SHARDS = 32;

/** The repository of Nx's cache next to the charts' location (which may end in a slash). */
export function cacheRepository(chartLocation: string): string {
  return `${chartLocation.replace(/\/+$/, '')}/nx-cache`;
}
