import type { LineCounter, Node } from 'yaml';
import { yaml } from '../utils/lazy-modules';

/** One Chart.yaml field that breaks chart-testing's schema. */
export interface SchemaProblem {
  path: string;
  line?: number;
  message: string;
}

/*
 * chart-testing validates Chart.yaml with yamale against its own schema (etc/chart_schema.yaml): the same rules,
 * checked here without Python. Yamale is strict by default: a field the schema does not name is an error too.
 */
type Rule =
  | { type: 'str' | 'bool' | 'str-or-num' | 'map-of-str' | 'list-of-str' | 'import-values'; required?: boolean }
  | { type: 'list-of'; of: Schema; required?: boolean };
type Schema = Record<string, Rule>;

const MAINTAINER: Schema = { name: { type: 'str', required: true }, email: { type: 'str' }, url: { type: 'str' } };
const DEPENDENCY: Schema = {
  name: { type: 'str', required: true },
  version: { type: 'str', required: true },
  repository: { type: 'str' },
  condition: { type: 'str' },
  tags: { type: 'list-of-str' },
  enabled: { type: 'bool' },
  'import-values': { type: 'import-values' },
  alias: { type: 'str' },
};
const CHART: Schema = {
  name: { type: 'str', required: true },
  home: { type: 'str' },
  version: { type: 'str', required: true },
  apiVersion: { type: 'str', required: true },
  appVersion: { type: 'str-or-num' },
  description: { type: 'str' },
  keywords: { type: 'list-of-str' },
  sources: { type: 'list-of-str' },
  maintainers: { type: 'list-of', of: MAINTAINER },
  dependencies: { type: 'list-of', of: DEPENDENCY },
  icon: { type: 'str' },
  engine: { type: 'str' },
  condition: { type: 'str' },
  tags: { type: 'str' },
  deprecated: { type: 'bool' },
  kubeVersion: { type: 'str' },
  annotations: { type: 'map-of-str' },
  type: { type: 'str' },
};

/** Checks the text of a Chart.yaml against chart-testing's default schema; returns every problem with its line. */
export function checkChartSchema(text: string): SchemaProblem[] {
  const { parseDocument, LineCounter } = yaml();
  const lineCounter = new LineCounter();
  // Yamale reads YAML with PyYAML, i.e. YAML 1.1 (`yes` is a boolean there).
  const document = parseDocument(text, { lineCounter, version: '1.1' });
  if (document.errors.length > 0) {
    return [{ path: '', line: lineCounter.linePos(document.errors[0].pos[0]).line, message: 'is not valid YAML' }];
  }
  const problems: SchemaProblem[] = [];
  checkMap(document.contents, CHART, '', problems, lineCounter);
  return problems;
}

function checkMap(node: unknown, schema: Schema, path: string, problems: SchemaProblem[], lines: LineCounter): void {
  const { isMap, isScalar } = yaml();
  const lineOf = (n: unknown) => ((n as Node | undefined)?.range ? lines.linePos((n as Node).range![0]).line : undefined);
  if (!isMap(node)) {
    problems.push({ path: path || '(document)', line: lineOf(node), message: 'is not a map' });
    return;
  }
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const at = path ? `${path}.${key}` : key;
    seen.add(key);
    const rule = schema[key];
    if (!rule) {
      problems.push({ path: at, line: lineOf(pair.key), message: 'Unexpected element' });
      continue;
    }
    checkValue(pair.value, rule, at, problems, lines, lineOf(pair.key));
  }
  for (const [key, rule] of Object.entries(schema)) {
    if (rule.required && !seen.has(key)) {
      problems.push({ path: path ? `${path}.${key}` : key, line: lineOf(node), message: 'Required field missing' });
    }
  }
}

function checkValue(
  node: unknown,
  rule: Rule,
  path: string,
  problems: SchemaProblem[],
  lines: LineCounter,
  keyLine: number | undefined,
): void {
  const { isSeq, isScalar, isMap } = yaml();
  const value = isScalar(node) ? node.value : node;
  const fail = (expected: string) => problems.push({ path, line: keyLine, message: `'${describe(value)}' is not a ${expected}.` });
  // Yamale treats a field set to null like a missing one.
  if (value === null || value === undefined) {
    if (rule.required) problems.push({ path, line: keyLine, message: 'Required field missing' });
    return;
  }
  switch (rule.type) {
    case 'str':
      if (typeof value !== 'string') fail('str');
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail('bool');
      return;
    case 'str-or-num':
      if (typeof value !== 'string' && typeof value !== 'number') fail('str or num');
      return;
    case 'list-of-str':
      if (!isSeq(node)) return void fail('list');
      node.items.forEach((item, index) => {
        if (!isScalar(item) || typeof item.value !== 'string') {
          problems.push({
            path: `${path}.${index}`,
            line: keyLine,
            message: `'${describe(isScalar(item) ? item.value : item)}' is not a str.`,
          });
        }
      });
      return;
    case 'map-of-str':
      if (!isMap(node)) return void fail('map');
      for (const pair of node.items) {
        const entry = isScalar(pair.value) ? pair.value.value : pair.value;
        if (typeof entry !== 'string') {
          problems.push({
            path: `${path}.${String(isScalar(pair.key) ? pair.key.value : pair.key)}`,
            line: keyLine,
            message: `'${describe(entry)}' is not a str.`,
          });
        }
      }
      return;
    case 'import-values':
      if (!isSeq(node)) return void fail('list');
      node.items.forEach((item, index) => {
        if (isScalar(item) && typeof item.value === 'string') return;
        checkMap(
          item,
          { child: { type: 'str', required: true }, parent: { type: 'str', required: true } },
          `${path}.${index}`,
          problems,
          lines,
        );
      });
      return;
    case 'list-of':
      if (!isSeq(node)) return void fail('list');
      node.items.forEach((item, index) => checkMap(item, rule.of, `${path}.${index}`, problems, lines));
      return;
  }
}

function describe(value: unknown): string {
  if (value !== null && typeof value === 'object')
    return (value as { toJSON?: () => unknown }).toJSON ? JSON.stringify((value as { toJSON: () => unknown }).toJSON()) : String(value);
  return String(value);
}
