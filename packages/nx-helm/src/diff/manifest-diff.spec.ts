import { parseRenderedFile, type RenderedObject } from '../render/rendered-manifest';
import { diffObjects } from './manifest-diff';

function rendering(text: string): RenderedObject[] {
  return parseRenderedFile(text);
}

const DEPLOYMENT_V1BETA1 = [
  '---',
  '# Source: templates/deployment.yaml',
  'apiVersion: apps/v1beta1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  replicas: 1',
  '',
].join('\n');

const CONFIG_MAP = [
  '---',
  '# Source: templates/configmap.yaml',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: web',
  'data:',
  '  a: "1"',
  '',
].join('\n');

const SERVICE = [
  '---',
  '# Source: templates/service.yaml',
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  ports:',
  '    - port: 80',
  '',
].join('\n');

describe('diffObjects', () => {
  it('classifies objects as added, removed or changed, leaves unchanged ones out and sorts like the rendered files', () => {
    const before = rendering(DEPLOYMENT_V1BETA1 + CONFIG_MAP + SERVICE);
    const after = rendering(
      DEPLOYMENT_V1BETA1.replace('replicas: 1', 'replicas: 3') + SERVICE + CONFIG_MAP.replace('kind: ConfigMap', 'kind: Secret'),
    );

    const changes = diffObjects(before, after);

    // The Service renders the same and is left out; a Secret of the same name is another object than the ConfigMap.
    expect(
      changes.map(({ change, object, apiVersion, kind, source, added, removed }) => ({
        change,
        object,
        apiVersion,
        kind,
        source,
        added,
        removed,
      })),
    ).toEqual([
      {
        change: 'changed',
        object: 'Deployment/web',
        apiVersion: 'apps/v1beta1',
        kind: 'Deployment',
        source: 'templates/deployment.yaml',
        added: 1,
        removed: 1,
      },
      {
        change: 'removed',
        object: 'ConfigMap/web',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        source: 'templates/configmap.yaml',
        added: 0,
        removed: 7,
      },
      { change: 'added', object: 'Secret/web', apiVersion: 'v1', kind: 'Secret', source: 'templates/configmap.yaml', added: 7, removed: 0 },
    ]);
  });

  it('shows a changed object as a unified diff with 3 lines of context and headers naming it', () => {
    const before = rendering(DEPLOYMENT_V1BETA1);
    const after = rendering(DEPLOYMENT_V1BETA1.replace('replicas: 1', 'replicas: 3'));

    expect(diffObjects(before, after)[0].diff).toBe(
      [
        '--- Deployment/web',
        '+++ Deployment/web',
        '@@ -4,4 +4,4 @@',
        ' metadata:',
        '   name: web',
        ' spec:',
        '-  replicas: 1',
        '+  replicas: 3',
        '',
      ].join('\n'),
    );
  });

  it('treats a new apiVersion of the same kind as a change of that object, not as one removed and one added', () => {
    const before = rendering(DEPLOYMENT_V1BETA1);
    const after = rendering(DEPLOYMENT_V1BETA1.replace('apps/v1beta1', 'apps/v1'));

    const changes = diffObjects(before, after);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ change: 'changed', object: 'Deployment/web', apiVersion: 'apps/v1', added: 1, removed: 1 });
    expect(changes[0].diff).toContain('-apiVersion: apps/v1beta1\n+apiVersion: apps/v1\n');
  });

  it('shows an added or removed object whole, as + or - lines with its template comment', () => {
    const [added] = diffObjects(undefined, rendering(SERVICE));
    expect(added.diff).toBe(
      [
        '--- /dev/null',
        '+++ Service/web',
        '@@ -0,0 +1,8 @@',
        '+# Source: templates/service.yaml',
        '+apiVersion: v1',
        '+kind: Service',
        '+metadata:',
        '+  name: web',
        '+spec:',
        '+  ports:',
        '+    - port: 80',
        '',
      ].join('\n'),
    );
    expect(added).toMatchObject({ change: 'added', added: 8, removed: 0 });

    const [removed] = diffObjects(rendering(SERVICE), []);
    expect(removed.diff.split('\n').slice(0, 3)).toEqual(['--- Service/web', '+++ /dev/null', '@@ -1,8 +0,0 @@']);
    expect(removed).toMatchObject({ change: 'removed', added: 0, removed: 8 });
  });

  it('names namespaced objects with their namespace and tells them apart from the same name elsewhere', () => {
    const inNamespace = (namespace: string) => SERVICE.replace('  name: web', `  name: web\n  namespace: ${namespace}`);
    const changes = diffObjects(rendering(inNamespace('staging')), rendering(inNamespace('prod')));

    expect(changes.map((change) => `${change.change} ${change.object}`)).toEqual(['added Service/prod/web', 'removed Service/staging/web']);
  });

  it('leaves out an object that only moved to another template: the cluster sees no difference', () => {
    const moved = SERVICE.replace('templates/service.yaml', 'templates/networking/service.yaml');
    expect(diffObjects(rendering(SERVICE), rendering(moved))).toEqual([]);
  });

  it('matches objects that a chart renders twice in order, so one more copy is one added object', () => {
    const changes = diffObjects(rendering(SERVICE), rendering(SERVICE + SERVICE));
    expect(changes.map((change) => change.change)).toEqual(['added']);
  });

  it('shows an object rewritten in thousands of lines as replaced whole, rather than searching long for the smallest diff', () => {
    const configMap = (value: string) =>
      [
        '---',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: big',
        'data:',
        ...Array.from({ length: 3_000 }, (_, index) => `  key${index}: ${value}-${index}`),
        '',
      ].join('\n');

    const before = rendering(configMap('before'));
    const after = rendering(configMap('after'));
    const started = Date.now();
    const [rewrite] = diffObjects(before, after);

    expect(Date.now() - started).toBeLessThan(3_000);
    expect(rewrite).toMatchObject({ change: 'changed', added: 3_005, removed: 3_005 });
    const lines = rewrite.diff.split('\n');
    expect(lines.slice(0, 4)).toEqual(['--- ConfigMap/big', '+++ ConfigMap/big', '@@ -1,3005 +1,3005 @@', '-apiVersion: v1']);
    expect(lines[3_005 + 3]).toBe('+apiVersion: v1');
  });

  it('finds nothing between two missing or identical renderings', () => {
    expect(diffObjects(undefined, undefined)).toEqual([]);
    expect(diffObjects(rendering(SERVICE + CONFIG_MAP), rendering(CONFIG_MAP + SERVICE))).toEqual([]);
  });
});
