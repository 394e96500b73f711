import type { RegistriesOptions } from '../../registry/registry-options';

export interface LintExecutorSchema {
  helmPath?: string;
  /** Registry hosts' settings; their credential variables are kept away from helm. */
  registries?: RegistriesOptions;
  /** Repositories this workspace publishes to: dependencies on its charts there are built from the local sources. */
  publishRepositories?: string[];
  strict?: boolean;
  valuesFiles?: string[];
}
