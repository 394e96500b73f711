import type { SigningOptions } from '../../build/provenance';

export interface PackageExecutorSchema {
  helmPath?: string;
  outputPath?: string;
  sign?: SigningOptions;
}
