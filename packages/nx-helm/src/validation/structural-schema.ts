import { isIP, isIPv4, isIPv6 } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { memo } from '../utils/memo';
import { childPath } from './field-path';
import type { FieldProblem } from './schema-errors';
import { describeValue, enumMessage, fieldOwner, formatMessage, typeMessage, unknownFieldMessage } from './schema-messages';

/** An OpenAPI v3 schema of a CustomResourceDefinition version (`spec.versions[].schema.openAPIV3Schema`). */
export type OpenApiSchema = Readonly<Record<string, unknown>>;

export interface StructuralCheck {
  /** The custom resource's kind, for naming the object a field is in. */
  kind: string;
  /** Fields the schema does not define are problems (else the API server drops them silently). */
  strict: boolean;
  /** The problems of the `metadata` of the resource or of an embedded resource (ObjectMeta is not in CRD schemas). */
  checkMetadata(metadata: unknown, path: string): FieldProblem[];
}

/**
 * The problems of a custom resource against its CRD's structural schema, as the API server finds them: types (with
 * nullable and x-kubernetes-int-or-string), required fields, enums, string, number, list and map limits, the string
 * formats Kubernetes checks, anyOf/allOf/oneOf/not, list-type set and map keys, and, when strict, fields the schema does
 * not define, except where x-kubernetes-preserve-unknown-fields keeps them. apiVersion, kind and metadata are implicit
 * at the top and in x-kubernetes-embedded-resource objects. Not checked: x-kubernetes-validations (CEL rules).
 * The schema must have passed schemaDefects.
 */
export function checkStructural(value: unknown, schema: OpenApiSchema, check: StructuralCheck): FieldProblem[] {
  const problems: FieldProblem[] = [];
  visit(value, schema, '', { ...check, problems, ancestors: new Set() }, { unknownFields: true, resource: true });
  return problems;
}

interface Walk extends StructuralCheck {
  problems: FieldProblem[];
  ancestors: Set<object>;
}

interface Place {
  /** Unknown fields count here (not inside anyOf and the like, whose schemas only add rules to the fields above). */
  unknownFields: boolean;
  /** A resource (the object, or an x-kubernetes-embedded-resource): apiVersion, kind and metadata are implicit. */
  resource: boolean;
}

function visit(value: unknown, schema: OpenApiSchema, path: string, walk: Walk, place: Place): void {
  // The API server drops a null of a field that is not nullable before it validates; a required one is then missing.
  if (value === null || value === undefined) return;
  if (!hasSchemaType(value, schema, path, walk)) return;
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => isDeepStrictEqual(allowed, value))) {
    walk.problems.push({ field: path, message: enumMessage(schema.enum, value) });
  }
  if (typeof value === 'string') checkString(value, schema, path, walk);
  else if (typeof value === 'number') checkNumber(value, schema, path, walk);
  checkAlternatives(value, schema, path, walk, place);
  if (typeof value !== 'object') return;
  // A YAML alias can make an object contain itself: its fields are checked once.
  if (walk.ancestors.has(value)) return;
  walk.ancestors.add(value);
  if (Array.isArray(value)) checkList(value, schema, path, walk, place);
  else checkObject(value as Record<string, unknown>, schema, path, walk, place);
  walk.ancestors.delete(value);
}

function hasSchemaType(value: unknown, schema: OpenApiSchema, path: string, walk: Walk): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string' || Number.isInteger(value)) return true;
    walk.problems.push({ field: path, message: typeMessage(['integer', 'string'], value) });
    return false;
  }
  if (typeof schema.type !== 'string' || isOfType(value, schema.type)) return true;
  walk.problems.push({ field: path, message: typeMessage([schema.type], value) });
  return false;
}

function isOfType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function checkString(value: string, schema: OpenApiSchema, path: string, walk: Walk): void {
  const length = [...value].length;
  if (typeof schema.minLength === 'number' && length < schema.minLength) {
    walk.problems.push({ field: path, message: `must be at least ${schema.minLength} characters long (got ${describeValue(value)})` });
  }
  if (typeof schema.maxLength === 'number' && length > schema.maxLength) {
    walk.problems.push({ field: path, message: `must be at most ${schema.maxLength} characters long (got ${length})` });
  }
  const pattern = typeof schema.pattern === 'string' ? compiledPattern(schema.pattern) : undefined;
  if (pattern && !pattern.test(value)) {
    walk.problems.push({ field: path, message: `must match the pattern ${schema.pattern} (got ${describeValue(value)})` });
  }
  const format = typeof schema.format === 'string' ? STRING_FORMATS[schema.format] : undefined;
  if (format && !format(value)) walk.problems.push({ field: path, message: formatMessage(String(schema.format), value) });
}

const patterns = new Map<string, RegExp | undefined>();

/**
 * The pattern as a JavaScript regular expression. Kubernetes patterns are RE2, which JavaScript reads alike except for
 * a few constructs (`\z`, `(?P<name>`); a pattern JavaScript cannot read is not checked rather than reported.
 */
function compiledPattern(pattern: string): RegExp | undefined {
  return memo(patterns, pattern, () => {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  });
}

/** The string formats the API server checks in custom resources (others it ignores). */
const STRING_FORMATS: Readonly<Record<string, (value: string) => boolean>> = {
  byte: (value) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value),
  date: (value) => /^\d{4}-\d{2}-\d{2}$/.test(value),
  'date-time': (value) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$/.test(value),
  uuid: (value) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(value),
  ipv4: (value) => isIPv4(value),
  ipv6: (value) => isIPv6(value),
  cidr: (value) => {
    const [address, prefix, ...rest] = value.split('/');
    const version = isIP(address);
    return rest.length === 0 && version !== 0 && /^\d{1,3}$/.test(prefix ?? '') && Number(prefix) <= (version === 4 ? 32 : 128);
  },
  hostname: (value) => /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)*$/i.test(value),
};

function checkNumber(value: number, schema: OpenApiSchema, path: string, walk: Walk): void {
  const got = describeValue(value);
  if (typeof schema.minimum === 'number') {
    const exclusive = schema.exclusiveMinimum === true;
    if (exclusive ? value <= schema.minimum : value < schema.minimum) {
      walk.problems.push({ field: path, message: `must be ${exclusive ? 'greater than' : 'at least'} ${schema.minimum} (got ${got})` });
    }
  }
  if (typeof schema.maximum === 'number') {
    const exclusive = schema.exclusiveMaximum === true;
    if (exclusive ? value >= schema.maximum : value > schema.maximum) {
      walk.problems.push({ field: path, message: `must be ${exclusive ? 'less than' : 'at most'} ${schema.maximum} (got ${got})` });
    }
  }
  if (typeof schema.multipleOf === 'number' && schema.multipleOf > 0 && !Number.isInteger(value / schema.multipleOf)) {
    walk.problems.push({ field: path, message: `must be a multiple of ${schema.multipleOf} (got ${got})` });
  }
}

function checkList(value: unknown[], schema: OpenApiSchema, path: string, walk: Walk, place: Place): void {
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    walk.problems.push({ field: path, message: `must have at least ${schema.minItems} items (got ${value.length})` });
  }
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    walk.problems.push({ field: path, message: `must have at most ${schema.maxItems} items (got ${value.length})` });
  }
  const listType = schema['x-kubernetes-list-type'];
  const mapKeys =
    listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys']) ? schema['x-kubernetes-list-map-keys'] : undefined;
  if (schema.uniqueItems === true || listType === 'set' || mapKeys) {
    const identity = (item: unknown) =>
      mapKeys && item !== null && typeof item === 'object' ? mapKeys.map((key) => (item as Record<string, unknown>)[String(key)]) : item;
    value.forEach((item, index) => {
      const first = value.findIndex((other) => isDeepStrictEqual(identity(other), identity(item)));
      if (first < index) {
        const what = mapKeys ? `the same ${mapKeys.join(', ')} as` : 'the same as';
        walk.problems.push({ field: childPath(path, index), message: `is ${what} item ${first}: the items must be unique` });
      }
    });
  }
  const items = schema.items;
  if (isSchema(items)) value.forEach((item, index) => visit(item, items, childPath(path, index), walk, { ...place, resource: false }));
}

const IMPLICIT_RESOURCE_FIELDS = ['apiVersion', 'kind', 'metadata'];

function checkObject(value: Record<string, unknown>, schema: OpenApiSchema, path: string, walk: Walk, place: Place): void {
  const properties = isSchemaMap(schema.properties) ? schema.properties : {};
  const resource = place.resource || schema['x-kubernetes-embedded-resource'] === true;
  if (Array.isArray(schema.required)) {
    for (const name of schema.required) {
      const field = value[String(name)];
      const nullable = isSchema(properties[String(name)]) && properties[String(name)].nullable === true;
      if (field === undefined || (field === null && !nullable))
        walk.problems.push({ field: childPath(path, String(name)), message: 'is required but missing' });
    }
  }
  const count = Object.keys(value).length;
  if (typeof schema.minProperties === 'number' && count < schema.minProperties) {
    walk.problems.push({ field: path, message: `must have at least ${schema.minProperties} entries (got ${count})` });
  }
  if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) {
    walk.problems.push({ field: path, message: `must have at most ${schema.maxProperties} entries (got ${count})` });
  }
  const additional = schema.additionalProperties;
  const keepsUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true || additional === true;
  const inner: Place = { unknownFields: place.unknownFields, resource: false };
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = childPath(path, key);
    const fieldSchema = Object.prototype.hasOwnProperty.call(properties, key) ? properties[key] : undefined;
    if (resource && key === 'metadata') {
      if (place.unknownFields) walk.problems.push(...walk.checkMetadata(field, fieldPath));
      // The CRD may only narrow metadata (name, generateName): its rules apply, its field list does not.
      if (fieldSchema) visit(field, fieldSchema, fieldPath, walk, { unknownFields: false, resource: false });
    } else if (resource && (key === 'apiVersion' || key === 'kind')) {
      if (typeof field !== 'string') walk.problems.push({ field: fieldPath, message: typeMessage(['string'], field) });
    } else if (fieldSchema) {
      visit(field, fieldSchema, fieldPath, walk, inner);
    } else if (isSchema(additional)) {
      visit(field, additional, fieldPath, walk, inner);
    } else if (!keepsUnknown && place.unknownFields && walk.strict) {
      const known = [...Object.keys(properties), ...(resource ? IMPLICIT_RESOURCE_FIELDS.filter((name) => !(name in properties)) : [])];
      walk.problems.push({ field: fieldPath, message: unknownFieldMessage(key, fieldOwner(walk.kind, path), known) });
    }
  }
}

function checkAlternatives(value: unknown, schema: OpenApiSchema, path: string, walk: Walk, place: Place): void {
  // Their schemas may only add rules to fields the schema above defines: unknown fields are judged there.
  const rulesOnly: Place = { unknownFields: false, resource: place.resource };
  const problemsOf = (alternative: OpenApiSchema) => {
    const branch: Walk = { ...walk, problems: [] };
    visit(value, alternative, path, branch, rulesOnly);
    return branch.problems;
  };
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf.filter(isSchema)) walk.problems.push(...problemsOf(part));
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const alternatives = Array.isArray(schema[keyword]) ? (schema[keyword] as unknown[]).filter(isSchema) : [];
    if (alternatives.length === 0) continue;
    const results = alternatives.map(problemsOf);
    const passing = results.filter((problems) => problems.length === 0).length;
    if (passing === 0) {
      const reasons = results.map((problems) => `${problems[0].field || 'the value'} ${problems[0].message}`).join('; or ');
      walk.problems.push({ field: path, message: `matches none of the allowed alternatives (${keyword}): ${reasons}` });
    } else if (keyword === 'oneOf' && passing > 1) {
      walk.problems.push({ field: path, message: `matches ${passing} of the oneOf alternatives: it must match exactly one` });
    }
  }
  if (isSchema(schema.not) && problemsOf(schema.not).length === 0) {
    walk.problems.push({ field: path, message: 'matches the schema it must not match (not)' });
  }
}

function isSchema(value: unknown): value is OpenApiSchema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isSchemaMap(value: unknown): value is Readonly<Record<string, OpenApiSchema>> {
  return isSchema(value) && Object.values(value).every(isSchema);
}

const TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const COUNTS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const NUMBERS = ['minimum', 'maximum', 'multipleOf'];
const FLAGS = [
  'nullable',
  'uniqueItems',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
];

/**
 * What is wrong with a CRD's schema itself, each with its path in the CRD (`path` is where the schema is), so that a
 * broken CRD is reported rather than breaking the check of its resources: values of the wrong shape for their keyword,
 * unknown types, `$ref`, a list of schemas as `items`, and YAML aliases that make a schema contain itself.
 */
export function schemaDefects(schema: unknown, path: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  findDefects(schema, path, problems, new Set());
  return problems;
}

function findDefects(schema: unknown, path: string, problems: FieldProblem[], ancestors: Set<object>): void {
  if (!isSchema(schema)) {
    problems.push({ field: path, message: `must be a schema, an object (got ${describeValue(schema)})` });
    return;
  }
  if (ancestors.has(schema)) {
    problems.push({ field: path, message: 'contains itself (a YAML alias of an enclosing schema)' });
    return;
  }
  ancestors.add(schema);
  const at = (key: string) => childPath(path, key);
  if (schema.type !== undefined && !(typeof schema.type === 'string' && TYPES.includes(schema.type))) {
    problems.push({ field: at('type'), message: `must be one of ${TYPES.join(', ')} (got ${describeValue(schema.type)})` });
  }
  if (schema.$ref !== undefined) {
    problems.push({ field: at('$ref'), message: 'is not allowed: CustomResourceDefinition schemas cannot refer to other schemas' });
  }
  if (schema.properties !== undefined) {
    if (!isSchema(schema.properties))
      problems.push({ field: at('properties'), message: `must be a map of field schemas (got ${describeValue(schema.properties)})` });
    else
      for (const [name, property] of Object.entries(schema.properties))
        findDefects(property, childPath(at('properties'), name), problems, ancestors);
  }
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== 'boolean') {
    findDefects(schema.additionalProperties, at('additionalProperties'), problems, ancestors);
  }
  if (Array.isArray(schema.items))
    problems.push({ field: at('items'), message: 'must be one schema for every item, not a list of schemas' });
  else if (schema.items !== undefined) findDefects(schema.items, at('items'), problems, ancestors);
  for (const keyword of SCHEMA_LISTS) {
    const list = schema[keyword];
    if (list === undefined) continue;
    if (!Array.isArray(list)) problems.push({ field: at(keyword), message: `must be a list of schemas (got ${describeValue(list)})` });
    else list.forEach((part, index) => findDefects(part, childPath(at(keyword), index), problems, ancestors));
  }
  if (schema.not !== undefined) findDefects(schema.not, at('not'), problems, ancestors);
  if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((name) => typeof name === 'string'))) {
    problems.push({ field: at('required'), message: `must be a list of field names (got ${describeValue(schema.required)})` });
  }
  if (schema.enum !== undefined && !Array.isArray(schema.enum))
    problems.push({ field: at('enum'), message: `must be a list (got ${describeValue(schema.enum)})` });
  if (schema.pattern !== undefined && typeof schema.pattern !== 'string') {
    problems.push({ field: at('pattern'), message: `must be a regular expression string (got ${describeValue(schema.pattern)})` });
  }
  for (const keyword of COUNTS) {
    const count = schema[keyword];
    if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0)) {
      problems.push({ field: at(keyword), message: `must be a whole number, 0 or more (got ${describeValue(count)})` });
    }
  }
  for (const keyword of NUMBERS) {
    if (schema[keyword] !== undefined && typeof schema[keyword] !== 'number') {
      problems.push({ field: at(keyword), message: `must be a number (got ${describeValue(schema[keyword])})` });
    }
  }
  for (const keyword of FLAGS) {
    if (schema[keyword] !== undefined && typeof schema[keyword] !== 'boolean') {
      problems.push({ field: at(keyword), message: `must be true or false (got ${describeValue(schema[keyword])})` });
    }
  }
  ancestors.delete(schema);
}
