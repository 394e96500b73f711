import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { memo } from '../utils/memo';

/**
 * The newest Kubernetes version whose API schemas the schema package describes: kubernetes-models 4.5 ships the
 * OpenAPI schemas of Kubernetes 1.33.0 (its 4.5.0 release: "Update schema version to v1.33.0"), merged with those of
 * 1.15, 1.21 and 1.24 for the APIs removed since. Objects for a newer Kubernetes are checked against these schemas too:
 * a field added after 1.33 counts as unknown in strict mode.
 */
export const DEFAULT_KUBERNETES_VERSION = '1.33.0';

/** One problem the compiled validator found, as ajv reports it. */
export interface SchemaError {
  /** JSON Pointer to the offending value, from the value validated (`/spec/template/spec/containers/0/image`). */
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** Checks a value against one schema of the package: the problems, none when it is valid. */
export type BuiltinValidator = (value: unknown) => SchemaError[];

interface Model {
  apiVersion?: string;
  kind?: string;
  prototype: { validate(this: unknown): void };
}

const SCHEMA_PACKAGE = 'kubernetes-models';
const validators = new Map<string, BuiltinValidator | undefined>();
let packageRequire: NodeJS.Require | undefined;

/**
 * The validator of a built-in kind, or undefined when the package ships no schema for it (e.g. a kind added after
 * 1.33). Each model is loaded the first time its kind is seen, and kept for the process: loading the first one costs
 * about 0.1 s (ajv's formats and runtime), each further one a few milliseconds.
 */
export function builtinValidator(apiVersion: string, kind: string): BuiltinValidator | undefined {
  return memo(validators, `${apiVersion}/${kind}`, () => {
    // Model files are `<group>/<version>/<Kind>.js`, core ones `v1/<Kind>.js`: exactly `<apiVersion>/<Kind>`.
    const subpath = `${apiVersion}/${kind}`;
    if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+\/[A-Za-z0-9]+$/.test(subpath)) return undefined;
    if (!existsSync(join(schemaPackageRoot(), `${subpath}.js`))) return undefined;
    const model = (require(`${SCHEMA_PACKAGE}/${subpath}`) as Record<string, Model | undefined>)[kind];
    // Files of the same name that are not top-level kinds (v1/PodSpec) have no apiVersion and kind of their own.
    if (!model || model.apiVersion !== apiVersion || model.kind !== kind) return undefined;
    return modelValidator(model);
  });
}

/** The validator of ObjectMeta, for the metadata of custom resources (the package's own dependency has it). */
export function objectMetaValidator(): BuiltinValidator {
  return memo(validators, 'ObjectMeta', () => {
    packageRequire ??= createRequire(join(schemaPackageRoot(), 'package.json'));
    const { ObjectMeta } = packageRequire('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta') as { ObjectMeta: Model };
    return modelValidator(ObjectMeta);
  }) as BuiltinValidator;
}

/**
 * A model's compiled validator, called on the value itself (not on a copy, as `new Model(value)` would make), so that
 * field-reads.ts can see which fields it looks at.
 */
function modelValidator(model: Model): BuiltinValidator {
  return (value) => {
    try {
      model.prototype.validate.call(value);
      return [];
    } catch (error) {
      const errors = (error as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(errors)) throw error;
      return errors;
    }
  };
}

function schemaPackageRoot(): string {
  return dirname(require.resolve(`${SCHEMA_PACKAGE}/package.json`));
}

/**
 * Fields the compiled validators never read although the schemas define them: the package's generator strips every
 * `description` and `x-kubernetes-*` key from the schemas along with the documentation, and with them the fields of
 * those names. Which schema an object node has is told by fields only that schema has. builtin-schemas.spec.ts
 * compares each model's declared fields with the fields its validator reads, so a new gap shows up there.
 */
export function fieldsValidatorsSkip(read: ReadonlySet<string>): readonly string[] {
  // JSONSchemaProps, of v1 and of v1beta1 alike (the same fields are read): v1beta1 had no x-kubernetes-validations,
  // which is let through there too, harmlessly, as no cluster that serves v1beta1 CRDs knows CEL rules.
  if (read.has('patternProperties') && read.has('additionalItems')) return JSON_SCHEMA_PROPS_SKIPPED;
  if ((read.has('jsonPath') || read.has('JSONPath')) && read.has('priority')) return ['description']; // CustomResourceColumnDefinition
  if (read.has('globalDefault') && read.has('value')) return ['description']; // PriorityClass
  if (read.size === 1 && read.has('url')) return ['description']; // ExternalDocumentation
  return [];
}

const JSON_SCHEMA_PROPS_SKIPPED = [
  'description',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
];
