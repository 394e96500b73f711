import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { builtinApis, builtinApiStatus } from './builtin-apis';
import { DEFAULT_KUBERNETES_VERSION } from './builtin-schemas';
import { kubernetesMinor } from './kubernetes-version';

/** `<apiVersion>/<kind>` of every top-level kind kubernetes-models ships a model of (List kinds aside). */
function packagedKinds(): string[] {
  const root = dirname(require.resolve('kubernetes-models/package.json'));
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.d.ts') && !file.startsWith('_schemas'))
    .flatMap((file) => {
      const text = readFileSync(join(root, file), 'utf8');
      const apiVersion = /^ {4}"apiVersion": "([^"]+)";/m.exec(text)?.[1];
      const kind = /^ {4}"kind": "([^"]+)";/m.exec(text)?.[1];
      return apiVersion && kind && !kind.endsWith('List') ? [`${apiVersion}/${kind}`] : [];
    })
    .sort();
}

describe('the table of built-in APIs', () => {
  it('has every kind the schema package ships, and says which newer kinds it ships no schema for', () => {
    const newest = kubernetesMinor(DEFAULT_KUBERNETES_VERSION);
    const withSchema = builtinApis()
      .filter((api) => api.added === undefined || api.added <= newest)
      .map((api) => `${api.apiVersion}/${api.kind}`)
      .sort();
    expect(withSchema).toEqual([...new Set(packagedKinds())]);
    // The newer kinds are in the table, none of them in the package.
    const newer = builtinApis()
      .filter((api) => api.added !== undefined && api.added > newest)
      .map((api) => `${api.apiVersion}/${api.kind}`);
    expect(newer).toContain('admissionregistration.k8s.io/v1/MutatingAdmissionPolicy');
    expect(newer.filter((kind) => packagedKinds().includes(kind))).toEqual([]);
  });

  it('names the apiVersion to use instead that the Kubernetes version serves, its own group first', () => {
    const message = (apiVersion: string, kind: string, minor: number) => {
      const status = builtinApiStatus(apiVersion, kind, minor);
      return status.state === 'not-served' ? status.message : status.state;
    };
    expect(message('flowcontrol.apiserver.k8s.io/v1beta1', 'FlowSchema', 27)).toBe(
      'apiVersion flowcontrol.apiserver.k8s.io/v1beta1 has no kind FlowSchema in Kubernetes 1.27 (removed in 1.26): use flowcontrol.apiserver.k8s.io/v1beta3',
    );
    expect(message('flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', 32)).toBe(
      'apiVersion flowcontrol.apiserver.k8s.io/v1beta3 has no kind FlowSchema in Kubernetes 1.32 (removed in 1.32): use flowcontrol.apiserver.k8s.io/v1',
    );
    expect(message('extensions/v1beta1', 'Deployment', 16)).toBe(
      'apiVersion extensions/v1beta1 has no kind Deployment in Kubernetes 1.16 (removed in 1.16): use apps/v1',
    );
    expect(message('extensions/v1beta1', 'PodSecurityPolicy', 20)).toContain('use policy/v1beta1');
    expect(message('policy/v1beta1', 'PodSecurityPolicy', 25)).toBe(
      'apiVersion policy/v1beta1 has no kind PodSecurityPolicy in Kubernetes 1.25 (removed in 1.25)',
    );
    expect(message('events.k8s.io/v1beta1', 'Event', 25)).toContain('use events.k8s.io/v1');
    expect(message('batch/v1beta1', 'CronJob', 24)).toBe('served');
    expect(message('batch/v1beta1', 'CronJob', 25)).toContain('(removed in 1.25): use batch/v1');
    expect(message('autoscaling/v2beta2', 'HorizontalPodAutoscaler', 26)).toContain('(removed in 1.26): use autoscaling/v2');
    expect(message('storage.k8s.io/v1beta1', 'CSIStorageCapacity', 27)).toContain('(removed in 1.27): use storage.k8s.io/v1');
    expect(message('monitoring.coreos.com/v1', 'ServiceMonitor', 34)).toBe('unknown');
    expect(message('apps/v1', 'Rollout', 34)).toBe('unknown');
  });
});
