import type { RegistriesOptions } from '../../registry/registry-options';

export interface LintExecutorSchema {
  helmPath?: string;
  /** Registry hosts' settings; their credential variables are kept away from helm. */
  registries?: RegistriesOptions;
  strict?: boolean;
  valuesFiles?: string[];
}
