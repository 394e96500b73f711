import {
  normaliseObject,
  objectKey,
  objectLabel,
  parseHelmTemplateOutput,
  parseRenderedFile,
  serializeRendering,
  valuesSetName,
} from './rendered-manifest';

const OUTPUT = `---
# Source: web/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {b: "yes", a: on}
spec:
  ports: [{port: 80, name: http}]
---
# Source: web/templates/empty.yaml
---
# Source: web/charts/lib/templates/configmap.yaml
kind: ConfigMap
apiVersion: v1
metadata: {namespace: apps, name: settings}
data: {enabled: "true"}
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
`;

describe('rendered manifests', () => {
  it('reads helm template output: sources relative to the chart, empty documents left out, sorted by apiVersion/kind/namespace/name', () => {
    const { objects, problems } = parseHelmTemplateOutput(OUTPUT, 'web');
    expect(problems).toEqual([]);
    expect(objects.map((object) => [object.apiVersion, objectLabel(object), object.source])).toEqual([
      ['apps/v1', 'Deployment/web', 'templates/deployment.yaml'],
      ['v1', 'ConfigMap/apps/settings', 'charts/lib/templates/configmap.yaml'],
      ['v1', 'Service/web', 'templates/service.yaml'],
    ]);
  });

  it('reads YAML as Kubernetes does (1.1: on is true) and writes it back so that it reads the same', () => {
    const { objects } = parseHelmTemplateOutput(OUTPUT, 'web');
    const service = objects.find((object) => object.kind === 'Service')!;
    expect((service.object.metadata as { labels: object }).labels).toEqual({ a: true, b: 'yes' });
    const text = serializeRendering(objects);
    // "yes" stays a string: quoted, as YAML 1.1 needs it.
    expect(text).toContain('b: "yes"');
    expect(parseRenderedFile(text)).toEqual(objects);
  });

  it('keeps keys in a stable order: apiVersion, kind, metadata (name, namespace first), the rest alphabetically; lists as they are', () => {
    const object = normaliseObject({
      spec: { z: 1, a: [{ y: 1, b: 2 }, 3] },
      metadata: { labels: { b: '1', a: '2' }, namespace: 'n', name: 'x' },
      kind: 'K',
      apiVersion: 'v1',
    });
    expect(JSON.stringify(object)).toBe(
      '{"apiVersion":"v1","kind":"K","metadata":{"name":"x","namespace":"n","labels":{"a":"2","b":"1"}},"spec":{"a":[{"b":2,"y":1},3],"z":1}}',
    );
  });

  it('writes each object with its template as a # Source: comment', () => {
    const text = serializeRendering(parseHelmTemplateOutput(OUTPUT, 'web').objects);
    expect(
      text.startsWith('---\n# Source: templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n'),
    ).toBe(true);
  });

  it('names what is not a Kubernetes object or not YAML, with its template', () => {
    const { problems } = parseHelmTemplateOutput(
      '---\n# Source: web/templates/a.yaml\nkind: ConfigMap\n---\n# Source: web/templates/b.yaml\n- 1\n---\n# Source: web/templates/c.yaml\na: [\n',
      'web',
    );
    expect(problems.map((problem) => problem.source)).toEqual(['templates/a.yaml', 'templates/b.yaml', 'templates/c.yaml']);
    expect(problems[0].message).toBe('renders an object without apiVersion');
    expect(problems[1].message).toContain('not a Kubernetes object');
    expect(problems[2].message).toContain('invalid YAML');
  });

  it('identifies an object by API group, kind, namespace and name (a new version of a kind is the same object)', () => {
    expect(objectKey({ apiVersion: 'networking.k8s.io/v1beta1', kind: 'Ingress', name: 'web' })).toBe(
      objectKey({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'web' }),
    );
    expect(objectKey({ apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'a' })).not.toBe(
      objectKey({ apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'b' }),
    );
  });

  it('names values sets after their files', () => {
    expect(valuesSetName()).toBe('default');
    expect(valuesSetName('ci/prod-values.yaml')).toBe('ci-prod-values');
    expect(valuesSetName('values/eu/prod.yml')).toBe('values-eu-prod');
  });
});
