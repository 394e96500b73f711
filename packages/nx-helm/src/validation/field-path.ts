/**
 * The path of a field as problems name it, in the style of kubectl and kubeconform:
 * `spec.template.spec.containers[0].ports[0].containerPort`, with keys that are not plain names quoted
 * (`metadata.annotations["app.kubernetes.io/name"]`). '' is the object itself.
 */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/**
 * The field path of a JSON Pointer (as ajv's instancePath) into `root`, and the value there: whether a segment is a
 * list index or a key is told by the value it indexes.
 */
export function resolvePointer(root: unknown, pointer: string, basePath = ''): { path: string; value: unknown } {
  let path = basePath;
  let value = root;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value) && /^\d+$/.test(segment)) {
      path = childPath(path, Number(segment));
      value = value[Number(segment)];
    } else {
      path = childPath(path, segment);
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  return { path, value };
}
