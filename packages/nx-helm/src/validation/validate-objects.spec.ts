import type { RenderedObject } from '../render/rendered-manifest';
import { DEFAULT_KUBERNETES_VERSION, formatValidationProblem, validateObjects, type ValidationSettings } from './validate-objects';

const STRICT: ValidationSettings = { kubeVersion: '1.34.0', strict: true, unknownKinds: 'skip' };

/** A rendered object as render/rendered-manifest.ts makes it, from the object and the template that made it. */
function rendered(object: Record<string, unknown>, source = 'templates/test.yaml'): RenderedObject {
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string };
  return {
    apiVersion: object.apiVersion as string,
    kind: object.kind as string,
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    name: metadata.name ?? '',
    source,
    object,
  };
}

/** The object at `path` (keys and list indexes) in `value`, to break it in a test. */
function at(value: unknown, ...path: Array<string | number>): Record<string, unknown> {
  return path.reduce<unknown>((inner, key) => (inner as Record<string | number, unknown>)[key], value) as Record<string, unknown>;
}

const labels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'release-name' };

function podSpec(): Record<string, unknown> {
  return {
    serviceAccountName: 'web',
    securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'web',
        image: 'nginx:1.27',
        imagePullPolicy: 'IfNotPresent',
        args: ['--port', '8080'],
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: [
          { name: 'MODE', value: 'production' },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'web', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
        ],
        envFrom: [{ configMapRef: { name: 'web' } }],
        resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: 1, memory: '512Mi' } },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 10 },
        readinessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 3 },
        startupProbe: { exec: { command: ['cat', '/tmp/ready'] } },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
        },
        volumeMounts: [
          { name: 'config', mountPath: '/etc/web', readOnly: true },
          { name: 'cache', mountPath: '/cache' },
          { name: 'token', mountPath: '/var/run/secrets/tokens' },
        ],
      },
    ],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } } },
        ],
      },
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }],
        },
      },
    },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    volumes: [
      { name: 'config', configMap: { name: 'web', items: [{ key: 'app.yaml', path: 'app.yaml' }] } },
      { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
      {
        name: 'token',
        projected: {
          sources: [
            { serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 3600 } },
            { secret: { name: 'web', items: [{ key: 'password', path: 'password' }] } },
            { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          ],
        },
      },
    ],
  };
}

function deployment(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels, annotations: { 'checksum/config': 'abc123', 'prometheus.io/scrape': 'true' } },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 3,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      selector: { matchLabels: labels },
      template: { metadata: { labels, annotations: { 'checksum/secret': 'def456' } }, spec: podSpec() },
      ...spec,
    },
  };
}

function ingressV1(): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
      rules: [
        {
          host: 'web.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] },
        },
      ],
    },
  };
}

function ingressExtensions(): Record<string, unknown> {
  return {
    apiVersion: 'extensions/v1beta1',
    kind: 'Ingress',
    metadata: { name: 'web' },
    spec: { rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', backend: { serviceName: 'web', servicePort: 'http' } }] } }] },
  };
}

describe('validateObjects: built-in kinds', () => {
  it('reports a misspelt field in strict mode, with the fields the schema has and the one meant', () => {
    const object = deployment({ replica: 3 });
    delete (object.spec as Record<string, unknown>).replicas;
    const result = validateObjects([rendered(object, 'templates/deployment.yaml')], STRICT);
    expect(result.problems).toEqual([
      {
        object: 'Deployment/web',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        source: 'templates/deployment.yaml',
        field: 'spec.replica',
        message:
          'unknown field "replica"; did you mean "replicas"? (Deployment spec fields: minReadySeconds, paused, progressDeadlineSeconds, ' +
          'replicas, revisionHistoryLimit, selector, strategy, template)',
      },
    ]);
    expect(result.checked).toBe(1);
    expect(validateObjects([rendered(object)], { ...STRICT, strict: false }).problems).toEqual([]);
  });

  it('finds unknown fields deep in the pod template and in list items, but not in maps (labels, annotations, resources)', () => {
    const object = deployment();
    const container = at(object, 'spec', 'template', 'spec', 'containers', 0);
    container.imagePullPolicyy = 'Always';
    (container.ports as Array<Record<string, unknown>>)[0].hostport = 80;
    const { problems } = validateObjects([rendered(object)], STRICT);
    expect(problems.map((problem) => problem.field)).toEqual([
      'spec.template.spec.containers[0].imagePullPolicyy',
      'spec.template.spec.containers[0].ports[0].hostport',
    ]);
    expect(problems[0].message).toMatch(
      /^unknown field "imagePullPolicyy"; did you mean "imagePullPolicy"\? \(Deployment spec\.template\.spec\.containers\[0\] fields: args, command, /,
    );
    expect(problems[1].message).toContain('did you mean "hostPort"?');
  });

  it('reports a value of the wrong type with the field path and what was expected', () => {
    const object = deployment();
    at(object, 'spec', 'template', 'spec', 'containers', 0, 'ports', 0).containerPort = 'http';
    const { problems } = validateObjects([rendered(object)], { ...STRICT, strict: false });
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'spec.template.spec.containers[0].ports[0].containerPort',
        message: 'must be an integer (got string "http")',
      }),
    ]);
  });

  it('reports missing required fields, enum values with the one meant, int-or-string, quantities and base64 data', () => {
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { type: 'Clusterip', selector: labels, ports: [{ port: 80, targetPort: true }, { name: 'metrics' }] },
    };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web' }, data: { password: 'not base64!' } };
    const object = deployment();
    at(object, 'spec', 'template', 'spec', 'containers', 0, 'resources').limits = { cpu: 'half' };
    const { problems } = validateObjects([rendered(service), rendered(secret), rendered(object)], STRICT);
    expect(problems.map(({ object, field, message }) => ({ object, field, message }))).toEqual([
      { object: 'Service/web', field: 'spec.ports[0].targetPort', message: 'must be a string or an integer (got boolean true)' },
      { object: 'Service/web', field: 'spec.ports[1].port', message: 'is required but missing' },
      {
        object: 'Service/web',
        field: 'spec.type',
        message: 'must be one of ClusterIP, ExternalName, LoadBalancer, NodePort (got string "Clusterip"; did you mean ClusterIP?)',
      },
      {
        object: 'Secret/web',
        field: 'data.password',
        message: 'must be base64-encoded data (use stringData or b64enc for plain text) (got a string, not shown: a Secret value)',
      },
      {
        object: 'Deployment/web',
        field: 'spec.template.spec.containers[0].resources.limits.cpu',
        message: 'must be a Kubernetes quantity such as 500m, 1, 1.5 or 1Gi (got string "half")',
      },
    ]);
  });

  it('accepts correct objects of the common kinds in strict mode', () => {
    const objects = [
      deployment(),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', labels },
        spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { 'app.yaml': 'port: 8080\n' } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'web' },
        type: 'Opaque',
        stringData: { password: 'hunter2' },
        data: { token: 'dG9rZW4=' },
      },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'web', annotations: { 'eks.amazonaws.com/role-arn': 'arn' } },
        automountServiceAccountToken: false,
      },
      ingressV1(),
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 2,
          maxReplicas: 10,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
            { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db' },
        spec: {
          serviceName: 'db',
          replicas: 1,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: { app: 'db' } },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: { containers: [{ name: 'db', image: 'postgres:17', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '10Gi' } } },
            },
          ],
        },
      },
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'backup' },
        spec: {
          schedule: '0 3 * * *',
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 2,
              ttlSecondsAfterFinished: 600,
              template: {
                spec: { restartPolicy: 'OnFailure', containers: [{ name: 'backup', image: 'backup:1', command: ['/backup.sh'] }] },
              },
            },
          },
        },
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'web', namespace: 'apps' },
        rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list', 'watch'], resourceNames: ['web'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'web', namespace: 'apps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web' },
        subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'apps' }],
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'web' },
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
      },
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'high' },
        value: 1000,
        globalDefault: false,
        description: 'For the web tier.',
      },
    ];
    const result = validateObjects(
      objects.map((object) => rendered(object)),
      STRICT,
    );
    expect(result).toEqual({ problems: [], skippedKinds: [], checked: objects.length });
  });

  it('knows which Kubernetes versions serve an apiVersion, and names the one to use instead', () => {
    const removed = [rendered(ingressExtensions())];
    expect(validateObjects(removed, STRICT).problems).toEqual([
      expect.objectContaining({
        object: 'Ingress/web',
        field: '',
        message: 'apiVersion extensions/v1beta1 has no kind Ingress in Kubernetes 1.34 (removed in 1.22): use networking.k8s.io/v1',
      }),
    ]);
    expect(validateObjects(removed, { ...STRICT, kubeVersion: 'v1.22' }).problems.map((problem) => problem.message)).toEqual([
      'apiVersion extensions/v1beta1 has no kind Ingress in Kubernetes 1.22 (removed in 1.22): use networking.k8s.io/v1',
    ]);
    expect(validateObjects(removed, { ...STRICT, kubeVersion: '1.21.14' })).toEqual({ problems: [], skippedKinds: [], checked: 1 });
    expect(validateObjects([rendered(ingressV1())], STRICT).problems).toEqual([]);
    expect(validateObjects([rendered(ingressV1())], { ...STRICT, kubeVersion: '1.18' }).problems.map((problem) => problem.message)).toEqual(
      ['apiVersion networking.k8s.io/v1 has no kind Ingress in Kubernetes 1.18 (added in 1.19): use networking.k8s.io/v1beta1'],
    );
  });

  it('reports a kind its apiVersion does not have when another apiVersion has it or it is misspelt', () => {
    const moved = { ...deployment(), apiVersion: 'v1' };
    const misspelt = { ...deployment(), kind: 'Deploymnet' };
    expect(validateObjects([rendered(moved), rendered(misspelt)], STRICT).problems.map((problem) => problem.message)).toEqual([
      'apiVersion v1 has no kind Deployment in Kubernetes 1.34: use apps/v1',
      'apiVersion apps/v1 has no kind Deploymnet in Kubernetes 1.34: did you mean Deployment? ' +
        '(its kinds: ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet)',
    ]);
  });

  it('skips kinds the schemas do not have yet but Kubernetes serves, and rejects a version that is not one', () => {
    const claim = { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceClaim', metadata: { name: 'gpu' }, spec: {} };
    expect(validateObjects([rendered(claim)], STRICT)).toEqual({
      problems: [],
      skippedKinds: ['resource.k8s.io/v1/ResourceClaim'],
      checked: 0,
    });
    expect(validateObjects([rendered(claim)], { ...STRICT, unknownKinds: 'fail' }).problems.map((problem) => problem.message)).toEqual([
      'has no schema to check it against: ResourceClaim of resource.k8s.io/v1 is served by Kubernetes 1.34 but newer than the schemas ' +
        '(Kubernetes 1.33.0); check it against a cluster (kubectl apply --dry-run=server), or set unknownKinds to "skip"',
    ]);
    expect(validateObjects([rendered(claim)], { ...STRICT, kubeVersion: '1.33' }).problems.map((problem) => problem.message)).toEqual([
      'apiVersion resource.k8s.io/v1 has no kind ResourceClaim in Kubernetes 1.33 (added in 1.34)',
    ]);
    expect(() => validateObjects([], { ...STRICT, kubeVersion: 'latest' })).toThrow(
      'Kubernetes version "latest" is not a Kubernetes 1.x version: give it as 1.31, 1.31.0 or v1.31',
    );
    expect(validateObjects([rendered(deployment())], { ...STRICT, kubeVersion: DEFAULT_KUBERNETES_VERSION }).problems).toEqual([]);
  });
});

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'backups.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { kind: 'Backup', plural: 'backups', singular: 'backup', listKind: 'BackupList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        additionalPrinterColumns: [{ name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'When it runs' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'A backup of a database.',
            properties: {
              spec: {
                type: 'object',
                required: ['schedule', 'target'],
                properties: {
                  schedule: { type: 'string', minLength: 1 },
                  keep: { type: 'integer', minimum: 1, default: 7 },
                  mode: { type: 'string', enum: ['full', 'incremental'] },
                  port: { 'x-kubernetes-int-or-string': true },
                  note: { type: 'string', nullable: true },
                  target: { type: 'object', properties: { database: { type: 'string' }, host: { type: 'string', format: 'hostname' } } },
                  options: { type: 'object', additionalProperties: { type: 'string' } },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
                  hooks: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['name'],
                    items: {
                      type: 'object',
                      required: ['name'],
                      properties: { name: { type: 'string' }, command: { type: 'array', items: { type: 'string' } } },
                    },
                  },
                },
                'x-kubernetes-validations': [{ rule: 'self.keep <= 30', message: 'keep at most 30' }],
              },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
      {
        name: 'v1alpha1',
        served: false,
        storage: false,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

function backup(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'example.com/v1', kind: 'Backup', metadata: { name, labels }, spec };
}

describe('validateObjects: custom resources', () => {
  it('checks custom resources against the schema of the CRD among the objects', () => {
    const valid = backup('nightly', {
      schedule: '0 3 * * *',
      keep: 7,
      mode: 'full',
      port: 'postgres',
      note: null,
      target: { database: 'app', host: 'db.example.com' },
      options: { compression: 'zstd' },
      extra: { anything: { goes: [1, 2] } },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { whatever: true } },
      hooks: [{ name: 'pre', command: ['sync'] }],
    });
    const invalid = backup('broken', {
      keep: 'seven',
      port: 1.5,
      target: { database: 'app', hots: 'db' },
      hooks: [{ name: 'a' }, { name: 'a' }],
    });
    const result = validateObjects(
      [rendered(CRD, 'crds/backups.yaml'), rendered(valid), rendered(invalid, 'templates/backup.yaml')],
      STRICT,
    );
    expect(result.checked).toBe(3);
    expect(result.skippedKinds).toEqual([]);
    expect(result.problems.map(({ object, field, message, source }) => ({ object, source, field, message }))).toEqual([
      { object: 'Backup/broken', source: 'templates/backup.yaml', field: 'spec.schedule', message: 'is required but missing' },
      { object: 'Backup/broken', source: 'templates/backup.yaml', field: 'spec.keep', message: 'must be an integer (got string "seven")' },
      {
        object: 'Backup/broken',
        source: 'templates/backup.yaml',
        field: 'spec.port',
        message: 'must be an integer or a string (got number 1.5)',
      },
      {
        object: 'Backup/broken',
        source: 'templates/backup.yaml',
        field: 'spec.target.hots',
        message: 'unknown field "hots"; did you mean "host"? (Backup spec.target fields: database, host)',
      },
      {
        object: 'Backup/broken',
        source: 'templates/backup.yaml',
        field: 'spec.hooks[1]',
        message: 'is the same name as item 0: the items must be unique',
      },
    ]);
  });

  it("checks a custom resource's metadata as ObjectMeta, and its version against the CRD's served versions", () => {
    const badMetadata = { ...backup('a', { schedule: '@daily', target: {} }), metadata: { name: 'a', label: { x: 'y' } } };
    const unserved = { ...backup('b', {}), apiVersion: 'example.com/v1alpha1' };
    const unknownVersion = { ...backup('c', {}), apiVersion: 'example.com/v2' };
    const { problems } = validateObjects([rendered(CRD), rendered(badMetadata), rendered(unserved), rendered(unknownVersion)], STRICT);
    expect(problems.map(({ object, field, message }) => `${object} ${field}: ${message}`)).toEqual([
      expect.stringMatching(
        /^Backup\/a metadata\.label: unknown field "label"; did you mean "labels"\? \(Backup metadata fields: annotations, /,
      ),
      'Backup/b : CustomResourceDefinition backups.example.com does not serve version v1alpha1 of Backup (served versions: v1)',
      'Backup/c : CustomResourceDefinition backups.example.com defines no version v2 of Backup (served versions: v1)',
    ]);
  });

  it('lets unknown fields through when not strict, as the API server drops them', () => {
    const resource = backup('nightly', { schedule: '@daily', target: { hots: 'db' }, retention: 3 });
    expect(validateObjects([rendered(CRD), rendered(resource)], { ...STRICT, strict: false }).problems).toEqual([]);
  });

  it('reports a kind with no schema once, as skipped or as a problem', () => {
    const monitors = ['a', 'b'].map((name) =>
      rendered({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name }, spec: {} }, 'templates/monitor.yaml'),
    );
    const skipped = validateObjects([...monitors, rendered(backup('x', {}))], STRICT);
    expect(skipped).toEqual({
      problems: [],
      skippedKinds: ['example.com/v1/Backup', 'monitoring.coreos.com/v1/ServiceMonitor'],
      checked: 0,
    });
    const failed = validateObjects(monitors, { ...STRICT, unknownKinds: 'fail' });
    expect(failed.skippedKinds).toEqual([]);
    expect(failed.problems).toEqual([
      {
        object: 'ServiceMonitor/a',
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        source: 'templates/monitor.yaml',
        field: '',
        message:
          "has no schema to check it against (2 objects of it): ServiceMonitor of monitoring.coreos.com/v1 is not built into Kubernetes 1.34 and no CustomResourceDefinition among the chart's objects defines it; " +
          'add the CRD to the chart\'s crds/ folder, or set unknownKinds to "skip"',
      },
    ]);
  });

  it('reports a broken CRD schema as a problem of the CRD, and does not check its resources', () => {
    const broken = structuredClone(CRD);
    const schema = at(broken, 'spec', 'versions', 0, 'schema', 'openAPIV3Schema');
    const fields = at(schema, 'properties', 'spec', 'properties');
    at(fields, 'keep').type = 'int';
    at(fields, 'hooks').items = [{ type: 'string' }];
    at(schema, 'properties', 'spec').required = 'schedule';
    at(fields, 'target').properties = ['database'];
    at(fields, 'mode').$ref = '#/definitions/Mode';
    const loop: Record<string, unknown> = { type: 'object' };
    loop.properties = { self: loop };
    at(schema, 'properties').loop = loop;
    const result = validateObjects([rendered(broken, 'crds/backups.yaml'), rendered(backup('x', { keep: 'seven' }))], STRICT);
    const where = 'spec.versions[0].schema.openAPIV3Schema.properties';
    expect(result.problems.map(({ object, field, message }) => `${object} ${field}: ${message}`)).toEqual(
      expect.arrayContaining([
        `CustomResourceDefinition/backups.example.com ${where}.spec.required: must be a list of field names (got string "schedule")`,
        `CustomResourceDefinition/backups.example.com ${where}.spec.properties.keep.type: must be one of array, boolean, integer, number, object, string (got string "int")`,
        `CustomResourceDefinition/backups.example.com ${where}.spec.properties.target.properties: must be a map of field schemas (got a list)`,
        `CustomResourceDefinition/backups.example.com ${where}.spec.properties.hooks.items: must be one schema for every item, not a list of schemas`,
        `CustomResourceDefinition/backups.example.com ${where}.spec.properties.mode.$ref: is not allowed: CustomResourceDefinition schemas cannot refer to other schemas`,
        `CustomResourceDefinition/backups.example.com ${where}.loop.properties.self: contains itself (a YAML alias of an enclosing schema)`,
      ]),
    );
    expect(result.problems.every((problem) => problem.kind === 'CustomResourceDefinition')).toBe(true);
    expect(result.skippedKinds).toEqual([]);
    expect(result.checked).toBe(1);
  });

  it('accepts the CRD fields the compiled validators skip (description, x-kubernetes-*) in strict mode', () => {
    expect(validateObjects([rendered(CRD)], STRICT).problems).toEqual([]);
  });
});

describe('formatValidationProblem', () => {
  it('names chart, values set, object, field, template file and expectation on one line', () => {
    const problem = {
      object: 'Deployment/web',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      source: 'templates/deployment.yaml',
      field: 'spec.template.spec.containers[0].ports[0].containerPort',
      message: 'must be an integer (got string "http")',
    };
    expect(formatValidationProblem(problem, { chart: 'web', chartRoot: 'charts/web', valuesSet: 'ci-prod-values' })).toBe(
      'web (values ci-prod-values): Deployment/web spec.template.spec.containers[0].ports[0].containerPort (charts/web/templates/deployment.yaml): ' +
        'must be an integer (got string "http")',
    );
    const whole = {
      ...problem,
      field: '',
      source: undefined,
      message: 'apiVersion extensions/v1beta1 has no kind Ingress in Kubernetes 1.34',
    };
    expect(formatValidationProblem(whole, { chart: 'web', chartRoot: '.', valuesSet: 'default' })).toBe(
      'web (values default): Deployment/web: apiVersion extensions/v1beta1 has no kind Ingress in Kubernetes 1.34',
    );
  });
});
