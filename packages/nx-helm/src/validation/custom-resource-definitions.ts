import type { RenderedObject } from '../render/rendered-manifest';
import { childPath } from './field-path';
import type { FieldProblem } from './schema-errors';
import { type OpenApiSchema, schemaDefects } from './structural-schema';

/** One version of a custom kind as its CustomResourceDefinition declares it. */
export interface CustomResourceVersion {
  name: string;
  served: boolean;
  /** Undefined when the CRD gives no usable schema for it (reported as a problem of the CRD). */
  schema?: OpenApiSchema;
}

/** A custom kind and the CRD that defines it. */
export interface CustomKind {
  crd: RenderedObject;
  versions: CustomResourceVersion[];
}

export interface CustomResourceDefinitions {
  /** By `<group>/<kind>`. */
  kinds: Map<string, CustomKind>;
  /** What is wrong with the CRDs' schemas, each on its CRD. */
  problems: Array<FieldProblem & { crd: RenderedObject }>;
}

const CRD_API_VERSIONS = ['apiextensions.k8s.io/v1', 'apiextensions.k8s.io/v1beta1'];

/** A schema that lets everything through: v1beta1 CRDs could leave the schema out. */
const ANY_OBJECT: OpenApiSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

/**
 * The custom kinds the CustomResourceDefinitions among `objects` define (a chart's crds/, templates and dependencies),
 * with the schema of each version. A CRD without group or kind defines nothing (its own check reports that).
 */
export function customResourceDefinitions(objects: readonly RenderedObject[]): CustomResourceDefinitions {
  const kinds = new Map<string, CustomKind>();
  const problems: CustomResourceDefinitions['problems'] = [];
  for (const crd of objects) {
    if (crd.kind !== 'CustomResourceDefinition' || !CRD_API_VERSIONS.includes(crd.apiVersion)) continue;
    const spec = asRecord(crd.object.spec);
    const group = spec.group;
    const kind = asRecord(spec.names).kind;
    if (typeof group !== 'string' || typeof kind !== 'string' || kinds.has(`${group}/${kind}`)) continue;
    // A v1beta1 CRD's one schema serves all its versions: its defects are reported once.
    const defectsOf = new Map<unknown, number>();
    const versions = declaredVersions(crd, spec).map(({ name, served, schema, schemaPath }) => {
      if (schema === undefined) {
        if (crd.apiVersion !== 'apiextensions.k8s.io/v1') return { name, served, schema: ANY_OBJECT };
        problems.push({
          crd,
          field: schemaPath,
          message: `is missing: ${crd.apiVersion} needs a schema for every version (for ${kind} ${name})`,
        });
        return { name, served };
      }
      if (!defectsOf.has(schema)) {
        const defects = schemaDefects(schema, schemaPath);
        problems.push(...defects.map((defect) => ({ crd, ...defect })));
        defectsOf.set(schema, defects.length);
      }
      return defectsOf.get(schema) === 0 ? { name, served, schema: schema as OpenApiSchema } : { name, served };
    });
    kinds.set(`${group}/${kind}`, { crd, versions });
  }
  return { kinds, problems };
}

function declaredVersions(
  crd: RenderedObject,
  spec: Record<string, unknown>,
): Array<{ name: string; served: boolean; schema: unknown; schemaPath: string }> {
  // v1beta1 CRDs could name one version (spec.version) and give one schema for all (spec.validation).
  const shared = asRecord(spec.validation).openAPIV3Schema;
  const sharedPath = 'spec.validation.openAPIV3Schema';
  if (!Array.isArray(spec.versions)) {
    return typeof spec.version === 'string' ? [{ name: spec.version, served: true, schema: shared, schemaPath: sharedPath }] : [];
  }
  return spec.versions.flatMap((entry: unknown, index) => {
    const version = asRecord(entry);
    if (typeof version.name !== 'string') return [];
    const own = asRecord(version.schema).openAPIV3Schema;
    const ownPath = childPath(childPath(childPath('spec.versions', index), 'schema'), 'openAPIV3Schema');
    return [
      {
        name: version.name,
        served: version.served !== false,
        schema: own ?? shared,
        schemaPath: own === undefined && shared !== undefined ? sharedPath : ownPath,
      },
    ];
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
