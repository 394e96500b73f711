import { NxHelmError } from '../utils/nx-helm-error';

/**
 * An `additional-commands` entry of ct.yaml as ct runs it: `{{ .Path }}` becomes the chart folder, and the result is
 * split into a program and its arguments by the shell's quoting rules (quotes and backslashes, as ct's shellwords
 * does), but run without a shell: no globbing, pipes or variables, which need `sh -c '…'` with ct too.
 */
export function renderAdditionalCommand(template: string, chartPath: string, file: string): string[] {
  const rendered = template.replace(/\{\{\s*\.Path\s*\}\}/g, chartPath);
  if (rendered.includes('{{')) {
    throw new NxHelmError(
      `${file}: the additional-commands entry ${JSON.stringify(template)} uses a template other than {{ .Path }}, the only one ct provides. ` +
        'Fix the entry.',
      { file },
    );
  }
  let words: string[];
  try {
    const { split } = require('shellwords') as typeof import('shellwords');
    words = split(rendered);
  } catch (error) {
    throw new NxHelmError(
      `${file}: the additional-commands entry ${JSON.stringify(template)} cannot be split into words: ${(error as Error).message}. ` +
        'Close its quotes.',
      { file },
    );
  }
  if (words.length === 0) {
    throw new NxHelmError(`${file}: an additional-commands entry is empty; remove it.`, { file });
  }
  return words;
}
