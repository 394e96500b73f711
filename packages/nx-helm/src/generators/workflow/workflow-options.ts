import type { PinMode } from './action-pins';
import type { RegistryPreset } from './registry-presets';

export type CiProvider = 'github' | 'gitlab';
/**
 * `release`: pushes to the main branch run `nx release`, which versions, tags and publishes the charts and creates their
 * GitHub releases; the workflow then attaches each chart's assets to its release.
 */
export type PublishTrigger = 'main' | 'tags' | 'release-branch' | 'release';
export type SignMode = 'none' | 'cosign' | 'gpg';
export type RemoteCache = 'none' | 'nx-cloud' | 'self-hosted';

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
  mainBranch: string;
  releaseBranch: string;
}

/** Environment variables that hold the GPG signing key and its passphrase (named in nx.json's sign option). */
export const GPG_KEY_ENV = 'HELM_SIGNING_KEY';
export const GPG_PASSPHRASE_ENV = 'HELM_SIGNING_PASSPHRASE';
