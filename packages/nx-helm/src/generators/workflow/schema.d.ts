import type { PinMode } from './action-pins';
import type { RegistryPreset } from './registry-presets';
import type { CiProvider, PublishTrigger, RemoteCache, SignMode } from './workflow-options';

export interface WorkflowGeneratorSchema {
  ci?: CiProvider;
  name?: string;
  registry?: RegistryPreset;
  registryUrl?: string;
  trigger?: PublishTrigger;
  sign?: SignMode;
  gpgKey?: string;
  helmVersion?: string;
  nodeVersion?: string;
  pinActions?: PinMode;
  remoteCache?: RemoteCache;
  shards?: number;
  mainBranch?: string;
  releaseBranch?: string;
  force?: boolean;
}
