import { checkStructural, type OpenApiSchema, schemaDefects } from './structural-schema';

const check = (value: unknown, schema: OpenApiSchema, strict = true) =>
  checkStructural(value, schema, {
    kind: 'Widget',
    strict,
    checkMetadata: (metadata, path) => (typeof metadata === 'object' ? [] : [{ field: path, message: 'must be ObjectMeta' }]),
  });

const object = (properties: Record<string, OpenApiSchema>, more: Record<string, unknown> = {}): OpenApiSchema => ({
  type: 'object',
  properties,
  ...more,
});

describe('checkStructural', () => {
  it('lets null through where the API server drops it, but not for a required field that is not nullable', () => {
    const schema = object({ spec: object({ a: { type: 'string' }, b: { type: 'string', nullable: true } }, { required: ['a', 'b'] }) });
    expect(check({ spec: { a: null, b: null } }, schema)).toEqual([{ field: 'spec.a', message: 'is required but missing' }]);
  });

  it('checks string, number, list and map limits, and the formats Kubernetes checks', () => {
    const schema = object({
      spec: object({
        name: { type: 'string', maxLength: 3, pattern: '^[a-z]+$' },
        ratio: { type: 'number', minimum: 0, maximum: 1, exclusiveMaximum: true },
        step: { type: 'integer', multipleOf: 5 },
        tags: { type: 'array', minItems: 1, maxItems: 2, uniqueItems: true, items: { type: 'string' } },
        labels: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
        address: { type: 'string', format: 'ipv4' },
        network: { type: 'string', format: 'cidr' },
        when: { type: 'string', format: 'date-time' },
        odd: { type: 'string', format: 'made-up', pattern: '(?P<name>x)' },
      }),
    });
    const value = {
      spec: {
        name: 'Abcd',
        ratio: 1,
        step: 7,
        tags: ['a', 'a', 'b'],
        labels: { a: 'x', b: 2 },
        address: '10.0.0.300',
        network: '10.0.0.0/33',
        when: 'yesterday',
        odd: 'anything',
      },
    };
    expect(check(value, schema)).toEqual([
      { field: 'spec.name', message: 'must be at most 3 characters long (got 4)' },
      { field: 'spec.name', message: 'must match the pattern ^[a-z]+$ (got string "Abcd")' },
      { field: 'spec.ratio', message: 'must be less than 1 (got number 1)' },
      { field: 'spec.step', message: 'must be a multiple of 5 (got number 7)' },
      { field: 'spec.tags', message: 'must have at most 2 items (got 3)' },
      { field: 'spec.tags[1]', message: 'is the same as item 0: the items must be unique' },
      { field: 'spec.labels', message: 'must have at most 1 entries (got 2)' },
      { field: 'spec.labels.b', message: 'must be a string (got number 2)' },
      { field: 'spec.address', message: 'must be an IPv4 address (got string "10.0.0.300")' },
      { field: 'spec.network', message: 'must be a CIDR such as 10.0.0.0/16 (got string "10.0.0.0/33")' },
      { field: 'spec.when', message: 'must be an RFC 3339 date-time such as 2024-01-31T12:00:00Z (got string "yesterday")' },
    ]);
  });

  it('applies allOf, anyOf, oneOf and not, without judging unknown fields inside them', () => {
    const schema = object({
      spec: object(
        { a: { type: 'string' }, b: { type: 'string' }, n: { type: 'integer', not: { enum: [13] } } },
        {
          allOf: [{ properties: { a: { minLength: 2 }, colour: { type: 'string' } } }],
          anyOf: [{ required: ['a'] }, { required: ['b'] }],
          oneOf: [{ required: ['a'] }, { required: ['n'] }],
        },
      ),
    });
    expect(check({ spec: { a: 'xx' } }, schema)).toEqual([]);
    expect(check({ spec: { n: 13 } }, schema)).toEqual([
      {
        field: 'spec',
        message: 'matches none of the allowed alternatives (anyOf): spec.a is required but missing; or spec.b is required but missing',
      },
      { field: 'spec.n', message: 'matches the schema it must not match (not)' },
    ]);
    expect(check({ spec: { a: 'x', n: 1, colour: 'z' } }, schema)).toEqual([
      { field: 'spec.a', message: 'must be at least 2 characters long (got string "x")' },
      { field: 'spec', message: 'matches 2 of the oneOf alternatives: it must match exactly one' },
      { field: 'spec.colour', message: 'unknown field "colour" (Widget spec fields: a, b, n)' },
    ]);
  });

  it('treats apiVersion, kind and metadata as given at the top and in embedded resources, and keeps preserved fields', () => {
    const schema = object({
      spec: object({
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
        inner: object({ metadata: { type: 'object' } }),
      }),
    });
    const value = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: 'web',
      spec: { template: { apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: { anything: 1 } }, inner: { metadata: {}, kind: 'x' } },
    };
    expect(check(value, schema)).toEqual([
      { field: 'metadata', message: 'must be ObjectMeta' },
      { field: 'spec.inner.kind', message: 'unknown field "kind" (Widget spec.inner fields: metadata)' },
    ]);
    expect(check(value, schema, false)).toEqual([{ field: 'metadata', message: 'must be ObjectMeta' }]);
  });
});

describe('schemaDefects', () => {
  it('finds nothing wrong with a well-formed schema', () => {
    expect(schemaDefects(object({ a: { type: 'array', items: { type: 'string' } } }, { required: ['a'] }), 'schema')).toEqual([]);
  });

  it('reports values of the wrong shape for their keyword', () => {
    expect(schemaDefects({ type: 'object', properties: { a: 'string', b: { minLength: -1, nullable: 'yes', anyOf: {} } } }, 's')).toEqual([
      { field: 's.properties.a', message: 'must be a schema, an object (got string "string")' },
      { field: 's.properties.b.anyOf', message: 'must be a list of schemas (got an object)' },
      { field: 's.properties.b.minLength', message: 'must be a whole number, 0 or more (got number -1)' },
      { field: 's.properties.b.nullable', message: 'must be true or false (got string "yes")' },
    ]);
  });
});
