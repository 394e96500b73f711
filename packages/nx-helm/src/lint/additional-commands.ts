import { NxHelmError } from '../utils/nx-helm-error';

/**
 * An `additional-commands` entry of ct.yaml as ct runs it: `{{ .Path }}` becomes the chart folder, and the result is
 * split on spaces into a program and its arguments (no shell, so no globbing or pipes, exactly as with ct).
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
  const words = rendered.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    throw new NxHelmError(`${file}: an additional-commands entry is empty; remove it.`, { file });
  }
  return words;
}
