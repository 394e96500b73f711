import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A values.schema.json that is not JSON, named as such: helm blames it on values.yaml ("values.yaml: unexpected EOF"),
 * which sends the user to the wrong file.
 */
export function valuesSchemaProblem(chartFolder: string, chartRoot: string): string | undefined {
  const file = join(chartFolder, 'values.schema.json');
  if (!existsSync(file)) return undefined;
  try {
    JSON.parse(readFileSync(file, 'utf8'));
    return undefined;
  } catch (error) {
    const shown = chartRoot === '.' ? 'values.schema.json' : `${chartRoot}/values.schema.json`;
    return (
      `${shown} is not valid JSON (${(error as Error).message}); helm reports this as a problem of values.yaml. ` +
      'Fix the JSON Schema file (e.g. check it with `node -e "JSON.parse(require(\'fs\').readFileSync(process.argv[1]))" <file>`).'
    );
  }
}
