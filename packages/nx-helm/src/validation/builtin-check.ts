import { type BuiltinValidator, fieldsValidatorsSkip } from './builtin-schemas';
import { childPath } from './field-path';
import { watchFieldReads } from './field-reads';
import { type FieldProblem, schemaErrorProblems } from './schema-errors';
import { fieldOwner, unknownFieldMessage } from './schema-messages';

/**
 * The problems of `value` against a built-in schema: what the compiled validator reports and, when `strict`, the fields
 * the schema does not define (which the validator lets through; see field-reads.ts for how they are found). `path` is
 * where the value is in its object ('' for the object, `metadata` for a custom resource's metadata).
 */
export function checkBuiltin(validator: BuiltinValidator, value: unknown, path: string, kind: string, strict: boolean): FieldProblem[] {
  if (!strict) return schemaErrorProblems(validator(value), value, path);
  const { result: errors, inspected } = watchFieldReads(value, path, validator);
  const problems = schemaErrorProblems(errors, value, path);
  for (const object of inspected) {
    const known = new Set([...object.read, ...fieldsValidatorsSkip(object.read)]);
    for (const field of Object.keys(object.value)) {
      if (known.has(field)) continue;
      problems.push({
        field: childPath(object.path, field),
        message: unknownFieldMessage(field, fieldOwner(kind, object.path), [...known]),
      });
    }
  }
  return problems;
}
