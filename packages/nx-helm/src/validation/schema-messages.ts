import { closestName } from '../utils/closest-name';

/** How messages show a value that broke a rule: `string "http"`, `number 3.5`, `boolean true`, `null`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** `must be an integer (got string "http")`; several types are alternatives. */
export function typeMessage(types: readonly string[], value: unknown): string {
  const names = [...new Set(types)].map((type) => TYPE_NAMES[type] ?? type);
  return `must be ${names.join(' or ')} (got ${describeValue(value)})`;
}

const FORMAT_EXPECTATIONS: Readonly<Record<string, string>> = {
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
  byte: 'base64-encoded data (use stringData or b64enc for plain text)',
  quantity: 'a Kubernetes quantity such as 500m, 1, 1.5 or 1Gi',
  'date-time': 'an RFC 3339 date-time such as 2024-01-31T12:00:00Z',
  date: 'a date such as 2024-01-31',
  uuid: 'a UUID',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  cidr: 'a CIDR such as 10.0.0.0/16',
  hostname: 'a DNS host name',
};

/** `must be a Kubernetes quantity such as 500m, 1, 1.5 or 1Gi (got string "half")`. */
export function formatMessage(format: string, value: unknown): string {
  return `must be ${FORMAT_EXPECTATIONS[format] ?? `in ${format} format`} (got ${describeValue(value)})`;
}

/** `must be one of ClusterIP, NodePort, LoadBalancer, ExternalName (got string "Clusterip"; did you mean ClusterIP?)`. */
export function enumMessage(allowed: readonly unknown[], value: unknown): string {
  const strings = allowed.filter((item): item is string => typeof item === 'string');
  const meant = typeof value === 'string' && strings.length > 0 ? closestName(value, strings) : undefined;
  const shown = allowed.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
  return `must be one of ${shown} (got ${describeValue(value)}${meant ? `; did you mean ${meant}?` : ''})`;
}

/**
 * `unknown field "replica"; did you mean "replicas"? (Deployment spec fields: minReadySeconds, paused, ...)`, with every
 * field the schema defines there, so that the fix can be picked from the message.
 */
export function unknownFieldMessage(field: string, owner: string, known: readonly string[]): string {
  const sorted = [...known].sort();
  const meant = sorted.length > 0 ? closestName(field, sorted) : undefined;
  const suggestion = meant ? `; did you mean "${meant}"?` : '';
  const fields = sorted.length > 0 ? `${owner} fields: ${sorted.join(', ')}` : `${owner} has no fields of its own`;
  return `unknown field "${field}"${suggestion} (${fields})`;
}

/** How unknownFieldMessage names the object a field is in: `Deployment spec.template`, `Deployment` for the object. */
export function fieldOwner(kind: string, path: string): string {
  return path === '' ? kind : `${kind} ${path}`;
}
