import type { SigningOptions } from '../../build/provenance';

import type { RegistriesOptions } from '../../registry/registry-options';

export interface PackageExecutorSchema {
  helmPath?: string;
  /** Registry hosts' settings; their credential variables are kept away from helm. */
  registries?: RegistriesOptions;
  outputPath?: string;
  sign?: SigningOptions;
}
