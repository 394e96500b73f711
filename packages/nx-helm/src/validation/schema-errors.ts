import type { SchemaError } from './builtin-schemas';
import { childPath, resolvePointer } from './field-path';
import { enumMessage, formatMessage, typeMessage } from './schema-messages';

/** One thing wrong in an object: the field (a path from the object, '' for the object) and what was expected there. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The problems of ajv's errors for `root`, one per broken rule, worded for someone fixing a template. The alternatives of
 * one value (int-or-string, quantity: a `oneOf`) are reported together as what the value may be, not one per branch.
 */
export function schemaErrorProblems(errors: readonly SchemaError[], root: unknown, basePath = ''): FieldProblem[] {
  const byPath = new Map<string, SchemaError[]>();
  for (const error of errors) {
    const group = byPath.get(error.instancePath) ?? [];
    group.push(error);
    byPath.set(error.instancePath, group);
  }
  const problems: FieldProblem[] = [];
  for (const [pointer, group] of byPath) {
    const { path, value } = resolvePointer(root, pointer, basePath);
    for (const error of group.filter((candidate) => candidate.keyword === 'required')) {
      problems.push({ field: childPath(path, String(error.params.missingProperty)), message: 'is required but missing' });
    }
    const rest = group.filter((error) => error.keyword !== 'required');
    if (rest.length === 0) continue;
    const alternatives = rest.some((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf');
    const typeErrors = rest.filter((error) => error.keyword === 'type');
    const otherErrors = rest.filter((error) => !['type', 'oneOf', 'anyOf'].includes(error.keyword));
    if (alternatives && otherErrors.length === 0) {
      problems.push({
        field: path,
        message: typeMessage(
          typeErrors.map((error) => String(error.params.type)),
          value,
        ),
      });
      continue;
    }
    for (const error of alternatives ? otherErrors : rest) problems.push({ field: path, message: errorMessage(error, value) });
  }
  return problems;
}

function errorMessage(error: SchemaError, value: unknown): string {
  switch (error.keyword) {
    case 'type':
      return typeMessage(String(error.params.type).split(','), value);
    case 'enum':
      return enumMessage((error.params.allowedValues as unknown[] | undefined) ?? [], value);
    case 'format':
      return formatMessage(String(error.params.format), value);
    default:
      return `breaks the schema's ${error.keyword} rule ${JSON.stringify(error.params)}`;
  }
}
