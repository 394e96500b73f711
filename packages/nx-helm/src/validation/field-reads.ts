import { childPath } from './field-path';

/** An object in the value whose fields a validator looked up by name, and the names it looked up. */
export interface InspectedObject {
  path: string;
  value: Record<string, unknown>;
  read: ReadonlySet<string>;
}

interface Node {
  path: string;
  value: object;
  read: Set<string>;
  /** The validator listed the object's keys (for..in, Object.keys): a map, whose keys are all allowed. */
  listed: boolean;
  children: Map<string, unknown>;
}

/**
 * Runs `validate` on a stand-in for `value` that records which fields it reads, and returns the objects it inspected
 * field by field.
 *
 * Why this tells the fields a schema defines: a compiled ajv validator (as the schema package ships) checks an object
 * schema by reading each property the schema defines (`data.replicas !== undefined`), whether the object has it or not,
 * and checks a map schema (additionalProperties) by listing the object's keys; a free-form object (no properties) it
 * does not look into. So in an object it read fields of and did not list, a key it never read is one the schema does not
 * define. Lists are followed but are not objects with fields.
 */
export function watchFieldReads<T>(
  value: unknown,
  basePath: string,
  validate: (watched: unknown) => T,
): { result: T; inspected: InspectedObject[] } {
  const nodes: Node[] = [];
  const result = validate(watch(value, basePath, nodes));
  const inspected = nodes
    .filter((node) => !Array.isArray(node.value) && !node.listed && node.read.size > 0)
    .map((node) => ({ path: node.path, value: node.value as Record<string, unknown>, read: node.read }));
  return { result, inspected };
}

function watch(value: unknown, path: string, nodes: Node[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const node: Node = { path, value, read: new Set(), listed: false, children: new Map() };
  nodes.push(node);
  const isList = Array.isArray(value);
  return new Proxy(value, {
    get(target, key, receiver) {
      const field = Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== 'string') return field;
      if (!isList) node.read.add(key);
      if (!Object.prototype.hasOwnProperty.call(target, key) || field === null || typeof field !== 'object') return field;
      // A proxy must hand out the value itself for a frozen property.
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (descriptor && !descriptor.configurable && !descriptor.writable) return field;
      let child = node.children.get(key);
      if (child === undefined) {
        child = watch(field, isList && /^\d+$/.test(key) ? childPath(path, Number(key)) : childPath(path, key), nodes);
        node.children.set(key, child);
      }
      return child;
    },
    has(target, key) {
      if (typeof key === 'string' && !isList) node.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      node.listed = true;
      return Reflect.ownKeys(target);
    },
  });
}
