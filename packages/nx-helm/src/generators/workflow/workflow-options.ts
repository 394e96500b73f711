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
  /** How the jobs log in (GitHub only). */
  registry: RegistryPreset;
  publish: PublishLocation;
  trigger: PublishTrigger;
  sign: SignMode;
  /** With GPG signing: the environment variables nx.json's sign option reads the key and its passphrase from. */
  signingEnv: string[];
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

/** Where the charts go, and where the jobs log in. */
export interface PublishLocation {
  /** `oci://` location; the defaults of the presets and of GitLab are shell expressions, evaluated in the jobs. */
  location: string;
  /** The host the location names, when it is written out: the jobs log in there. Otherwise the preset's host. */
  host?: string;
  /**
   * `nx.json`: the nx-helm plugin's registry option, which the jobs leave to the plugin. Otherwise (`--registryUrl`,
   * the preset's default) the jobs set NX_HELM_REGISTRY, which overrides any registry option.
   */
  source: 'nx.json' | 'registryUrl' | 'preset';
  /** The registry of nx.json that NX_HELM_REGISTRY overrides, for the generator's message. */
  overrides?: string;
}

/** Environment variables that hold the GPG signing key and its passphrase, as --sign gpg names them in nx.json. */
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

/** Where `nx-helm diff` writes its reports (report.md for people, report.json for programs). */
export const DIFF_DIR = 'dist/diff';

/** The rendered changes of the affected charts since the base commit (NX_BASE, as nx affected compares with). */
export const DIFF_COMMAND = 'npx --no-install nx-helm diff --base "$NX_BASE"';
