import type { RegistriesOptions, RegistryHostOptions } from '../../registry/registry-options';

export interface PushExecutorSchema extends Omit<RegistryHostOptions, 'usernameEnv' | 'passwordEnv'> {
  registry?: string;
  registries?: RegistriesOptions;
  allowOverwrite?: boolean;
  dryRun?: boolean;
  retries?: number;
  retryDelayMs?: number;
  retryMaxDelayMs?: number;
  commandTimeoutMs?: number;
  packageOutputPath?: string;
  helmPath?: string;
}
