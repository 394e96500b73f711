import { NxHelmError } from '../utils/nx-helm-error';
import { isPlainWord } from '../utils/shell-word';

/**
 * An `additional-commands` entry of ct.yaml as ct runs it: `{{ .Path }}` becomes the chart folder, and the result is
 * split into a program and its arguments by the shell's quoting rules (quotes and backslashes, as ct's shellwords
 * does), but run without a shell: no globbing, pipes or variables, which need `sh -c '…'` with ct too. The entry is
 * split before the folder is put in, so a folder name cannot change the words; and a folder whose name a shell would
 * interpret is refused, as an entry like `sh -c "… {{ .Path }}"` would run what its name holds.
 */
export function renderAdditionalCommand(template: string, chartPath: string, file: string): string[] {
  const placeholder = '\u0000chart-path\u0000';
  const marked = template.replace(/\{\{\s*\.Path\s*\}\}/g, placeholder);
  if (marked.includes('{{')) {
    throw new NxHelmError(
      `${file}: the additional-commands entry ${JSON.stringify(template)} uses a template other than {{ .Path }}, the only one ct provides. ` +
        'Fix the entry.',
      { file },
    );
  }
  if (marked.includes(placeholder) && !isPlainWord(chartPath)) {
    throw new NxHelmError(
      `${file}: the additional-commands entry ${JSON.stringify(template)} would put the chart folder ${JSON.stringify(chartPath)} into a ` +
        'command, and that name holds characters a shell interprets (spaces, quotes, $, `, ;, &, |, …). Rename the folder to ' +
        'letters, digits and . _ - / only, or exclude the chart from ct (excluded-charts).',
      { file },
    );
  }
  let words: string[];
  try {
    const { split } = require('shellwords') as typeof import('shellwords');
    words = split(marked);
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
  return words.map((word) => word.split(placeholder).join(chartPath));
}
