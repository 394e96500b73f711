export interface LintExecutorSchema {
  helmPath?: string;
  strict?: boolean;
  valuesFiles?: string[];
}
