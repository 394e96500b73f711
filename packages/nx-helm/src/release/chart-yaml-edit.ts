import { isMap, isScalar, isSeq, parseDocument, type Document, type Scalar } from 'yaml';
import { NxHelmError } from '../utils/nx-helm-error';

/**
 * Edits of Chart.yaml (and requirements.yaml) that change one value and nothing else: the file is parsed with yaml's
 * Document API only to find where the value is written, and the new value replaces exactly those characters, in the
 * same quoting. Comments, key order, blank lines and every other value stay byte for byte as they were, which no
 * re-serialisation of the document guarantees.
 */

/** A top-level value (`version`, `name`) as written, or undefined when there is none (or the file is not a mapping). */
export function readTopLevelField(text: string, key: string, file?: string): string | undefined {
  const node = parse(text, file).get(key, true);
  return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
}

/** `text` with the top-level `key` (`version`, `appVersion`) set to `value`. */
export function setTopLevelField(text: string, key: string, value: string, file: string): string {
  const document = parse(text, file);
  const node = document.get(key, true);
  if (!isScalar(node) || !node.range) {
    throw new NxHelmError(`${file} has no \`${key}\` value to update: add \`${key}: <version>\` to it.`, { file });
  }
  return replaceScalar(text, node, value);
}

export interface DependencyEntry {
  /** Position in the `dependencies` list. */
  index: number;
  name: string;
  version?: string;
  repository?: string;
  alias?: string;
}

/** The entries of the file's `dependencies` list (Chart.yaml for apiVersion v2, requirements.yaml for v1). */
export function readDependencyEntries(text: string, file: string): DependencyEntry[] {
  const list = parse(text, file).get('dependencies', true);
  if (!isSeq(list)) return [];
  return list.items.flatMap((item, index) => {
    if (!isMap(item)) return [];
    const field = (key: string) => {
      const value = item.get(key, true);
      return isScalar(value) && value.value !== null && value.value !== undefined ? String(value.value) : undefined;
    };
    const name = field('name');
    return name ? [{ index, name, version: field('version'), repository: field('repository'), alias: field('alias') }] : [];
  });
}

/** `text` with `dependencies[index].version` set to `constraint`. */
export function setDependencyVersion(text: string, index: number, constraint: string, file: string): string {
  const document = parse(text, file);
  const node = document.getIn(['dependencies', index, 'version'], true);
  if (!isScalar(node) || !node.range) {
    throw new NxHelmError(`${file}: dependencies[${index}] has no \`version\` to update.`, { file });
  }
  return replaceScalar(text, node, constraint);
}

function parse(text: string, file = 'Chart.yaml'): Document {
  const document = parseDocument(text, { keepSourceTokens: true });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    throw new NxHelmError(`${file} is not valid YAML (${error.message.split('\n')[0]}): fix it before releasing.`, { file });
  }
  return document;
}

/** Writes `value` where the scalar was, quoted as it was (block scalars and plain values that YAML would read as something else become double-quoted). */
function replaceScalar(text: string, node: Scalar, value: string): string {
  const [start, end] = node.range!;
  return `${text.slice(0, start)}${scalarText(node.type, value)}${text.slice(end)}`;
}

function scalarText(type: Scalar['type'], value: string): string {
  switch (type) {
    case 'QUOTE_SINGLE':
      return `'${value.replace(/'/g, "''")}'`;
    case 'QUOTE_DOUBLE':
      return JSON.stringify(value);
    case 'PLAIN':
      if (isPlainString(value)) return value;
      return JSON.stringify(value);
    default:
      return JSON.stringify(value);
  }
}

/** Whether `value` written without quotes reads back as that same string. */
function isPlainString(value: string): boolean {
  if (value === '' || /^[\s]|[\s]$/.test(value) || /[#:]\s|\s#|^[-?:,[\]{}#&*!|>'"%@`]/.test(value)) return false;
  const read = parseDocument(value).contents;
  return isScalar(read) && read.value === value;
}
