import { closestName } from '../utils/closest-name';
import { minorName } from './kubernetes-version';

/** The Kubernetes 1.x minor versions that serve an apiVersion's kinds: from `added` (else always) until before `removed`. */
interface ServedRange {
  kinds: readonly string[];
  added?: number;
  removed?: number;
}

/**
 * Every built-in apiVersion and kind that a chart may render, with the Kubernetes versions that serve it.
 *
 * Sources: removals from the Kubernetes "Deprecated API Migration Guide"
 * (kubernetes.io/docs/reference/using-api/deprecation-guide/); additions from the Kubernetes release notes of the version
 * that first served each apiVersion by default. The kinds are the top-level kinds kubernetes-models 4.5 ships schemas for
 * (Kubernetes 1.33 plus the removed APIs of 1.15, 1.21 and 1.24; builtin-apis.spec.ts checks the two agree), and the few
 * stable kinds added after 1.33, which it has no schema for.
 */
const SERVED: Readonly<Record<string, readonly ServedRange[]>> = {
  v1: [
    {
      kinds: [
        'Binding',
        'ComponentStatus',
        'ConfigMap',
        'Endpoints',
        'Event',
        'LimitRange',
        'Namespace',
        'Node',
        'PersistentVolume',
        'PersistentVolumeClaim',
        'Pod',
        'PodTemplate',
        'ReplicationController',
        'ResourceQuota',
        'Secret',
        'Service',
        'ServiceAccount',
      ],
    },
  ],
  'admissionregistration.k8s.io/v1': [
    { kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], added: 16 },
    { kinds: ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'], added: 30 },
    { kinds: ['MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding'], added: 36 },
  ],
  'admissionregistration.k8s.io/v1beta1': [{ kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], removed: 22 }],
  'apiextensions.k8s.io/v1': [{ kinds: ['CustomResourceDefinition'], added: 16 }],
  'apiextensions.k8s.io/v1beta1': [{ kinds: ['CustomResourceDefinition'], removed: 22 }],
  'apiregistration.k8s.io/v1': [{ kinds: ['APIService'], added: 10 }],
  'apiregistration.k8s.io/v1beta1': [{ kinds: ['APIService'], removed: 22 }],
  'apps/v1': [{ kinds: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'], added: 9 }],
  'apps/v1beta1': [{ kinds: ['ControllerRevision', 'Deployment', 'DeploymentRollback', 'Scale', 'StatefulSet'], removed: 16 }],
  'apps/v1beta2': [{ kinds: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'Scale', 'StatefulSet'], removed: 16 }],
  'authentication.k8s.io/v1': [{ kinds: ['TokenRequest', 'TokenReview'] }, { kinds: ['SelfSubjectReview'], added: 28 }],
  'authentication.k8s.io/v1beta1': [{ kinds: ['TokenReview'], removed: 22 }],
  'authorization.k8s.io/v1': [
    { kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'] },
  ],
  'authorization.k8s.io/v1beta1': [
    { kinds: ['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview'], removed: 22 },
  ],
  'autoscaling/v1': [{ kinds: ['HorizontalPodAutoscaler', 'Scale'] }],
  'autoscaling/v2': [{ kinds: ['HorizontalPodAutoscaler'], added: 23 }],
  'autoscaling/v2beta1': [{ kinds: ['HorizontalPodAutoscaler'], removed: 25 }],
  'autoscaling/v2beta2': [{ kinds: ['HorizontalPodAutoscaler'], added: 12, removed: 26 }],
  'batch/v1': [{ kinds: ['Job'] }, { kinds: ['CronJob'], added: 21 }],
  'batch/v1beta1': [{ kinds: ['CronJob'], added: 8, removed: 25 }],
  'certificates.k8s.io/v1': [{ kinds: ['CertificateSigningRequest'], added: 19 }],
  'certificates.k8s.io/v1beta1': [{ kinds: ['CertificateSigningRequest'], removed: 22 }],
  'coordination.k8s.io/v1': [{ kinds: ['Lease'], added: 14 }],
  'coordination.k8s.io/v1beta1': [{ kinds: ['Lease'], removed: 22 }],
  'discovery.k8s.io/v1': [{ kinds: ['EndpointSlice'], added: 21 }],
  'discovery.k8s.io/v1beta1': [{ kinds: ['EndpointSlice'], added: 17, removed: 25 }],
  'events.k8s.io/v1': [{ kinds: ['Event'], added: 19 }],
  'events.k8s.io/v1beta1': [{ kinds: ['Event'], removed: 25 }],
  'extensions/v1beta1': [
    { kinds: ['DaemonSet', 'Deployment', 'DeploymentRollback', 'NetworkPolicy', 'PodSecurityPolicy', 'ReplicaSet', 'Scale'], removed: 16 },
    { kinds: ['Ingress'], removed: 22 },
  ],
  'flowcontrol.apiserver.k8s.io/v1': [{ kinds: ['FlowSchema', 'PriorityLevelConfiguration'], added: 29 }],
  'flowcontrol.apiserver.k8s.io/v1beta1': [{ kinds: ['FlowSchema', 'PriorityLevelConfiguration'], added: 20, removed: 26 }],
  'flowcontrol.apiserver.k8s.io/v1beta2': [{ kinds: ['FlowSchema', 'PriorityLevelConfiguration'], added: 23, removed: 29 }],
  'flowcontrol.apiserver.k8s.io/v1beta3': [{ kinds: ['FlowSchema', 'PriorityLevelConfiguration'], added: 26, removed: 32 }],
  'networking.k8s.io/v1': [
    { kinds: ['NetworkPolicy'], added: 7 },
    { kinds: ['Ingress', 'IngressClass'], added: 19 },
    { kinds: ['IPAddress', 'ServiceCIDR'], added: 33 },
  ],
  'networking.k8s.io/v1beta1': [
    { kinds: ['Ingress'], added: 14, removed: 22 },
    { kinds: ['IngressClass'], added: 18, removed: 22 },
  ],
  'node.k8s.io/v1': [{ kinds: ['RuntimeClass'], added: 20 }],
  'node.k8s.io/v1beta1': [{ kinds: ['RuntimeClass'], added: 14, removed: 25 }],
  'policy/v1': [
    { kinds: ['PodDisruptionBudget'], added: 21 },
    { kinds: ['Eviction'], added: 22 },
  ],
  'policy/v1beta1': [{ kinds: ['Eviction'] }, { kinds: ['PodDisruptionBudget', 'PodSecurityPolicy'], removed: 25 }],
  'rbac.authorization.k8s.io/v1': [{ kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], added: 8 }],
  'rbac.authorization.k8s.io/v1beta1': [{ kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], removed: 22 }],
  'resource.k8s.io/v1': [{ kinds: ['DeviceClass', 'ResourceClaim', 'ResourceClaimTemplate', 'ResourceSlice'], added: 34 }],
  'scheduling.k8s.io/v1': [{ kinds: ['PriorityClass'], added: 14 }],
  'scheduling.k8s.io/v1beta1': [{ kinds: ['PriorityClass'], removed: 22 }],
  'storage.k8s.io/v1': [
    { kinds: ['StorageClass'] },
    { kinds: ['VolumeAttachment'], added: 13 },
    { kinds: ['CSINode'], added: 17 },
    { kinds: ['CSIDriver'], added: 18 },
    { kinds: ['CSIStorageCapacity'], added: 24 },
    { kinds: ['VolumeAttributesClass'], added: 34 },
  ],
  'storage.k8s.io/v1beta1': [
    { kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], removed: 22 },
    { kinds: ['CSIStorageCapacity'], added: 21, removed: 27 },
  ],
};

/** Whether Kubernetes serves an object's apiVersion and kind, as validateObjects needs to know it. */
export type BuiltinApiStatus =
  /** Served by this Kubernetes version: check it against its schema. */
  | { state: 'served' }
  /** Known not to be served (removed, not yet added, or a kind its apiVersion never had): `message` says what to use. */
  | { state: 'not-served'; message: string }
  /** Not a built-in API this table knows: a custom resource, or an apiVersion served only behind a feature gate. */
  | { state: 'unknown' };

/** Whether Kubernetes `1.<minor>` serves `kind` in `apiVersion`, and if not, why and what to use instead. */
export function builtinApiStatus(apiVersion: string, kind: string, minor: number): BuiltinApiStatus {
  const ranges = SERVED[apiVersion];
  if (!ranges) return { state: 'unknown' };
  const range = ranges.find((candidate) => candidate.kinds.includes(kind));
  const where = `apiVersion ${apiVersion} has no kind ${kind} in Kubernetes ${minorName(minor)}`;
  if (range) {
    if (range.removed !== undefined && minor >= range.removed) {
      return { state: 'not-served', message: `${where} (removed in ${minorName(range.removed)})${useInstead(apiVersion, kind, minor)}` };
    }
    if (range.added !== undefined && minor < range.added) {
      return { state: 'not-served', message: `${where} (added in ${minorName(range.added)})${useInstead(apiVersion, kind, minor)}` };
    }
    return { state: 'served' };
  }
  // A kind its apiVersion does not have: a mistake when another apiVersion has it, or when it is a misspelling.
  const instead = useInstead(apiVersion, kind, minor);
  if (instead) return { state: 'not-served', message: `${where}${instead}` };
  const kinds = ranges.flatMap((candidate) => candidate.kinds);
  const meant = closestName(kind, kinds);
  if (meant) {
    return { state: 'not-served', message: `${where}: did you mean ${meant}? (its kinds: ${[...kinds].sort().join(', ')})` };
  }
  return { state: 'unknown' };
}

/** `: use <apiVersion>` naming where Kubernetes `1.<minor>` serves the kind, its own API group first, else ''. */
function useInstead(apiVersion: string, kind: string, minor: number): string {
  const group = groupOf(apiVersion);
  const candidates = Object.entries(SERVED)
    .filter(([other, ranges]) => other !== apiVersion && ranges.some((range) => range.kinds.includes(kind) && servedIn(range, minor)))
    .map(([other]) => other)
    .sort((a, b) => Number(groupOf(b) === group) - Number(groupOf(a) === group) || versionRank(b) - versionRank(a));
  return candidates.length > 0 ? `: use ${candidates[0]}` : '';
}

function servedIn(range: ServedRange, minor: number): boolean {
  return (range.added === undefined || minor >= range.added) && (range.removed === undefined || minor < range.removed);
}

function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '';
}

/** Stable before beta before alpha, newer before older: v2 > v1 > v1beta2 > v1beta1 > v1alpha1. */
function versionRank(apiVersion: string): number {
  const match = /v(\d+)(?:(alpha|beta)(\d+))?$/.exec(apiVersion);
  if (!match) return 0;
  const stage = match[2] === 'alpha' ? 0 : match[2] === 'beta' ? 1 : 2;
  return Number(match[1]) * 10000 + stage * 1000 + Number(match[3] ?? 0);
}

/** Every built-in apiVersion and kind the table knows (for checking it against the schema package). */
export function builtinApis(): Array<{ apiVersion: string; kind: string; added?: number; removed?: number }> {
  return Object.entries(SERVED).flatMap(([apiVersion, ranges]) =>
    ranges.flatMap((range) => range.kinds.map((kind) => ({ apiVersion, kind, added: range.added, removed: range.removed }))),
  );
}
