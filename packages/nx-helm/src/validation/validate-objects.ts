import { objectLabel, type RenderedObject } from '../render/rendered-manifest';
import { builtinApiStatus } from './builtin-apis';
import { checkBuiltin } from './builtin-check';
import { builtinValidator, DEFAULT_KUBERNETES_VERSION, objectMetaValidator } from './builtin-schemas';
import { type CustomKind, customResourceDefinitions } from './custom-resource-definitions';
import { kubernetesMinor, minorName } from './kubernetes-version';
import type { FieldProblem } from './schema-errors';
import { checkStructural } from './structural-schema';

export { DEFAULT_KUBERNETES_VERSION } from './builtin-schemas';
export { formatValidationProblem } from './format-validation-problem';

export interface ValidationSettings {
  /**
   * The Kubernetes version the chart is for (`1.31.0`, `v1.31`; named as the render option and helm's --kube-version):
   * objects whose apiVersion and kind it does not serve (removed, or not yet added) are problems.
   */
  kubeVersion: string;
  /** Fields the schema does not define are problems (as kubectl --validate=strict and kubeconform -strict). */
  strict: boolean;
  /**
   * Kinds with no schema (not built in, no CustomResourceDefinition among the objects): listed once per kind in
   * skippedKinds (`skip`), or reported once per kind as a problem (`fail`).
   */
  unknownKinds: 'skip' | 'fail';
}

export interface ValidationProblem {
  /** The object, as objectLabel names it: `Deployment/web`. */
  object: string;
  apiVersion: string;
  kind: string;
  /** The template that made it, relative to the chart folder. */
  source?: string;
  /** Where in the object: `spec.template.spec.containers[0].ports[0].containerPort`; '' for the object itself. */
  field: string;
  /** What is wrong and what was expected: `must be an integer (got string "http")`. */
  message: string;
}

export interface ValidationResult {
  problems: ValidationProblem[];
  /** `<apiVersion>/<kind>` of each kind not checked for want of a schema, once each, sorted (none with unknownKinds `fail`). */
  skippedKinds: string[];
  /** How many objects were checked (all but those of skipped kinds and of CRDs whose schema is broken). */
  checked: number;
}

/**
 * Checks every object against the Kubernetes API schemas of `settings.kubeVersion`, offline: built-in kinds
 * against the schemas kubernetes-models ships, custom resources against the CustomResourceDefinitions among the objects.
 */
export function validateObjects(objects: readonly RenderedObject[], settings: ValidationSettings): ValidationResult {
  const minor = kubernetesMinor(settings.kubeVersion);
  const definitions = customResourceDefinitions(objects);
  const problems: ValidationProblem[] = definitions.problems.map(({ crd, field, message }) => problemOf(crd, { field, message }));
  const unknown = new Map<string, { objects: RenderedObject[]; builtin: boolean }>();
  let checked = 0;
  for (const object of objects) {
    const outcome = checkObject(object, minor, settings.strict, definitions.kinds);
    if (outcome === 'not-checked') continue;
    if (outcome === 'no-schema' || outcome === 'no-schema-yet') {
      const key = `${object.apiVersion}/${object.kind}`;
      const kind = unknown.get(key) ?? { objects: [], builtin: outcome === 'no-schema-yet' };
      kind.objects.push(object);
      unknown.set(key, kind);
      continue;
    }
    checked++;
    problems.push(...outcome.map((problem) => problemOf(object, problem)));
  }
  const skippedKinds = [...unknown.keys()].sort();
  if (settings.unknownKinds === 'skip') return { problems, skippedKinds, checked };
  for (const key of skippedKinds) {
    const { objects: found, builtin } = unknown.get(key) as { objects: RenderedObject[]; builtin: boolean };
    const count = found.length === 1 ? '' : ` (${found.length} objects of it)`;
    const what = `${found[0].kind} of ${found[0].apiVersion}`;
    const why = builtin
      ? `${what} is served by Kubernetes ${minorName(minor)} but newer than the schemas (Kubernetes ${DEFAULT_KUBERNETES_VERSION}); ` +
        `check it against a cluster (kubectl apply --dry-run=server), or set unknownKinds to "skip"`
      : `${what} is not built into Kubernetes ${minorName(minor)} and no CustomResourceDefinition among the chart's objects defines it; ` +
        `add the CRD to the chart's crds/ folder, or set unknownKinds to "skip"`;
    problems.push(problemOf(found[0], { field: '', message: `has no schema to check it against${count}: ${why}` }));
  }
  return { problems, skippedKinds: [], checked };
}

/**
 * The object's problems; 'no-schema' when nothing describes its kind, 'no-schema-yet' for a built-in kind newer than
 * the schemas; 'not-checked' when its CRD's schema is broken (a problem of the CRD).
 */
function checkObject(
  object: RenderedObject,
  minor: number,
  strict: boolean,
  customKinds: ReadonlyMap<string, CustomKind>,
): FieldProblem[] | 'no-schema' | 'no-schema-yet' | 'not-checked' {
  const slash = object.apiVersion.lastIndexOf('/');
  const custom = slash > 0 ? customKinds.get(`${object.apiVersion.slice(0, slash)}/${object.kind}`) : undefined;
  if (custom) return checkCustomResource(object, object.apiVersion.slice(slash + 1), custom, strict);
  const status = builtinApiStatus(object.apiVersion, object.kind, minor);
  if (status.state === 'not-served') return [{ field: '', message: status.message }];
  if (status.state === 'unknown') return 'no-schema';
  const validator = builtinValidator(object.apiVersion, object.kind);
  if (!validator) return 'no-schema-yet';
  return guarded(() => checkBuiltin(validator, object.object, '', object.kind, strict));
}

function checkCustomResource(object: RenderedObject, version: string, custom: CustomKind, strict: boolean): FieldProblem[] | 'not-checked' {
  const definition = custom.versions.find((candidate) => candidate.name === version);
  const served = custom.versions.filter((candidate) => candidate.served).map((candidate) => candidate.name);
  const crd = `CustomResourceDefinition ${custom.crd.name}`;
  if (!definition) {
    return [
      { field: '', message: `${crd} defines no version ${version} of ${object.kind} (served versions: ${served.join(', ') || 'none'})` },
    ];
  }
  if (!definition.served) {
    return [
      {
        field: '',
        message: `${crd} does not serve version ${version} of ${object.kind} (served versions: ${served.join(', ') || 'none'})`,
      },
    ];
  }
  const schema = definition.schema;
  if (!schema) return 'not-checked';
  const checkMetadata = (metadata: unknown, path: string) => checkBuiltin(objectMetaValidator(), metadata, path, object.kind, strict);
  return guarded(() => checkStructural(object.object, schema, { kind: object.kind, strict, checkMetadata }));
}

/**
 * The check's problems, or the failure of the check itself as the object's problem (an object that contains itself
 * through a YAML alias can exhaust the validators' recursion), so that one odd object does not hide the others'.
 */
function guarded(check: () => FieldProblem[]): FieldProblem[] {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return [
      { field: '', message: `could not be checked against its schema: ${error.message} (does it contain itself through a YAML alias?)` },
    ];
  }
}

function problemOf(object: RenderedObject, problem: FieldProblem): ValidationProblem {
  return {
    object: objectLabel(object),
    apiVersion: object.apiVersion,
    kind: object.kind,
    ...(object.source ? { source: object.source } : {}),
    field: problem.field,
    message: object.kind === 'Secret' && /^(data|stringData)\b/.test(problem.field) ? withoutValue(problem.message) : problem.message,
  };
}

/** A message about a Secret's data without the value it quotes: messages reach logs and problems.txt. */
function withoutValue(message: string): string {
  return message.replace(/\(got string "(?:[^"\\]|\\.)*"\)/g, '(got a string, not shown: a Secret value)');
}
