export interface PackageExecutorSchema {
  helmPath?: string;
  outputPath?: string;
}
