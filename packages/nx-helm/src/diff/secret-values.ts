import { createHash } from 'node:crypto';
import { normaliseObject, type RenderedObject } from '../render/rendered-manifest';

/**
 * The object as a report may show it: the values of a Secret's data and stringData replaced by a short digest, so a
 * changed value shows as changed and no value reaches a pull request comment, a job summary or a log.
 */
export function withSecretValuesHidden(object: RenderedObject): RenderedObject {
  if (object.kind !== 'Secret') return object;
  const hidden = (values: unknown) =>
    values !== null && typeof values === 'object' && !Array.isArray(values)
      ? Object.fromEntries(Object.entries(values).map(([key, value]) => [key, `(hidden, sha256 ${digest(value)})`]))
      : values;
  const { data, stringData, ...rest } = object.object;
  return {
    ...object,
    object: normaliseObject({
      ...rest,
      ...(data === undefined ? {} : { data: hidden(data) }),
      ...(stringData === undefined ? {} : { stringData: hidden(stringData) }),
    }),
  };
}

function digest(value: unknown): string {
  return createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('hex')
    .slice(0, 12);
}
