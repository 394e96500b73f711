import type { RegistriesOptions, RegistryHostOptions } from '../../registry/registry-options';

export interface VerifyExecutorSchema extends Omit<RegistryHostOptions, 'usernameEnv' | 'passwordEnv'> {
  keyring?: string;
  registries?: RegistriesOptions;
  packageOutputPath?: string;
  helmPath?: string;
}
