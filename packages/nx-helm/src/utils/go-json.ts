/**
 * JSON exactly as Go's encoding/json writes it, for documents whose digest has to match one a Go program (helm)
 * computes: object keys in byte order (Go sorts map keys), `<`, `>`, `&`, U+2028 and U+2029 escaped as \u00XX, and no
 * whitespace. Objects are written with their keys sorted, so struct-like output takes its keys in the caller's order
 * only through `goStruct`.
 */
export type GoJsonValue = string | number | boolean | null | GoJsonValue[] | GoStruct | { [key: string]: GoJsonValue };

/** Fields in declaration order, as Go writes a struct (not sorted, unlike a map). */
export class GoStruct {
  constructor(readonly fields: Array<[string, GoJsonValue]>) {}
}

export function goJson(value: GoJsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return goJsonString(value);
  if (typeof value === 'number') return goJsonNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (value instanceof GoStruct) {
    return `{${value.fields.map(([key, field]) => `${goJsonString(key)}:${goJson(field)}`).join(',')}}`;
  }
  const keys = Object.keys(value).sort(compareBytes);
  return `{${keys.map((key) => `${goJsonString(key)}:${goJson(value[key])}`).join(',')}}`;
}

export function goJsonString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** float64 as Go formats it: integers without a fraction, others in the shortest form that reads back the same. */
function goJsonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} cannot be written as JSON`);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    // Go switches to exponent form at these bounds and writes e-07 / e+21 with two exponent digits.
    return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(value);
}

/** Go compares strings byte by byte (UTF-8); JavaScript's default sort compares UTF-16 code units. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
