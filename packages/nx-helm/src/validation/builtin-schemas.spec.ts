import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { builtinValidator, fieldsValidatorsSkip, objectMetaValidator } from './builtin-schemas';

/** Every model of a package of kubernetes-models: its folder-relative name and the fields its .d.ts declares. */
function declaredModels(packageName: string): Array<{ model: string; file: string; fields: string[] }> {
  const root = dirname(require.resolve(`${packageName}/package.json`));
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.d.ts') && !file.startsWith('_schemas') && !file.endsWith('index.d.ts'))
    .flatMap((file) => {
      const body = /export interface I\w+(?: extends [^{]+)? \{([\s\S]*?)\n\}/.exec(readFileSync(join(root, file), 'utf8'))?.[1];
      if (body === undefined) return [];
      const fields = [...body.matchAll(/^ {4}"?([^"?:\s]+)"?\??:/gm)].map((match) => match[1]);
      return [{ model: file.replace(/\.d\.ts$/, ''), file: join(root, file.replace(/\.d\.ts$/, '.js')), fields }];
    });
}

/** The fields a model's compiled validator reads when it checks an empty object. */
function fieldsRead(file: string, model: string): Set<string> {
  const name = model.split('/').pop() as string;
  const modelClass = (require(file) as Record<string, { prototype: { validate(this: unknown): void } }>)[name];
  const read = new Set<string>();
  const recorder = new Proxy({}, { get: (_target, key) => (typeof key === 'string' && read.add(key), undefined) });
  try {
    modelClass.prototype.validate.call(recorder);
  } catch {
    // Required fields are missing: only the reads matter here.
  }
  return read;
}

describe('the compiled validators of kubernetes-models', () => {
  it('read every field their models declare, but for those fieldsValidatorsSkip names', () => {
    const models = [...declaredModels('kubernetes-models'), ...declaredModels('@kubernetes-models/apimachinery')];
    expect(models.length).toBeGreaterThan(800);
    const gaps: Record<string, { notRead: string[]; undeclared: string[] }> = {};
    for (const { model, file, fields } of models) {
      const read = fieldsRead(file, model);
      const known = new Set([...read, ...fieldsValidatorsSkip(read)]);
      const notRead = fields.filter((field) => !known.has(field));
      // v1beta1 JSONSchemaProps is told from v1's by nothing the validator reads (see fieldsValidatorsSkip).
      const alsoV1 = model === 'apiextensions.k8s.io/v1beta1/JSONSchemaProps' ? ['x-kubernetes-validations'] : [];
      const undeclared = [...known].filter((field) => !fields.includes(field) && !alsoV1.includes(field));
      if (notRead.length > 0 || undeclared.length > 0) gaps[model] = { notRead, undeclared };
    }
    expect(gaps).toEqual({});
  });

  it('are loaded by apiVersion and kind, only for top-level kinds', () => {
    expect(builtinValidator('apps/v1', 'Deployment')).toBeInstanceOf(Function);
    expect(builtinValidator('v1', 'PodSpec')).toBeUndefined();
    expect(builtinValidator('resource.k8s.io/v1', 'ResourceClaim')).toBeUndefined();
    expect(builtinValidator('../../etc', 'Passwd')).toBeUndefined();
    expect(builtinValidator('apps/v1', 'Deployment')).toBe(builtinValidator('apps/v1', 'Deployment'));
    expect(objectMetaValidator()({ name: 'web', labels: { a: 1 } })).toEqual([
      expect.objectContaining({ instancePath: '/labels/a', keyword: 'type' }),
    ]);
  });
});
