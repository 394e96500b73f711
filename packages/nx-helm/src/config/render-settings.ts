import { NxHelmError } from '../utils/nx-helm-error';
import { checkKnownKeys } from './option-checks';

/** What Kubernetes objects with no schema anywhere (no built-in kind, no CustomResourceDefinition in the chart) do. */
export type UnknownKinds = 'skip' | 'fail';
export const UNKNOWN_KINDS_MODES: readonly UnknownKinds[] = ['skip', 'fail'];

/** The `render` plugin option: how render-chart runs `helm template` and validates what it renders. */
export interface RenderPluginOptions {
  /** Release name of `helm template`. Default `release-name`, as `helm template` names it. */
  releaseName?: string;
  /** Namespace of `helm template`. Default `default`. */
  namespace?: string;
  /** `--kube-version`, and the Kubernetes version objects are validated against. Default: the newest the schemas describe. */
  kubeVersion?: string;
  /** `--api-versions`: API versions (e.g. `monitoring.coreos.com/v1`) the chart may test with `.Capabilities`. Default none. */
  apiVersions?: string[];
  /** Check every rendered object against the Kubernetes schemas (and the CRDs of the chart). Default true. */
  validate?: boolean;
  /** Fields the schema does not define are problems (as `kubectl --validate=strict`). Default true. */
  strict?: boolean;
  /** Objects of kinds with no schema: `skip` (reported once per kind, default) or `fail`. */
  unknownKinds?: UnknownKinds;
}

export const RENDER_KEYS: ReadonlyArray<keyof RenderPluginOptions> = [
  'releaseName',
  'namespace',
  'kubeVersion',
  'apiVersions',
  'validate',
  'strict',
  'unknownKinds',
];

/** A Kubernetes version as helm's --kube-version takes it and the schemas know it: 1.31, 1.31.2, v1.31.2. */
const KUBE_VERSION = /^v?1\.\d+(\.\d+)?$/;
/** A DNS-1123 label: what a release name and a namespace must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** `group/version`, `version`, or `group/version/Kind` as helm's --api-versions takes them. */
const API_VERSION = /^([a-z0-9.-]+\/)?[a-z0-9]+(\/[A-Za-z0-9]+)?$/;

/** The `render` option checked where it was given (`where` names it: `The nx-helm plugin option "render" in nx.json`). */
export function checkRenderOptions(render: RenderPluginOptions | undefined, where: string): void {
  if (render === undefined) return;
  const fail = (detail: string) => {
    throw new NxHelmError(`${where} is wrong: ${detail}.`);
  };
  if (render === null || typeof render !== 'object' || Array.isArray(render))
    fail('it must be an object, e.g. { "kubeVersion": "1.31.0" }');
  checkKnownKeys(render, RENDER_KEYS, '"render"', '{ "kubeVersion": "1.31.0", "namespace": "apps" }');
  // helm refuses release names longer than 53 characters; Kubernetes namespaces may have 63.
  for (const [key, longest] of [
    ['releaseName', 53],
    ['namespace', 63],
  ] as const) {
    const value = render[key];
    if (value !== undefined && (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > longest)) {
      fail(`"${key}" must be a lower-case DNS label (letters, digits and "-", at most ${longest} characters), e.g. "web"`);
    }
  }
  if (render.kubeVersion !== undefined && (typeof render.kubeVersion !== 'string' || !KUBE_VERSION.test(render.kubeVersion))) {
    fail('"kubeVersion" must be a Kubernetes 1.x version such as "1.31.0" or "v1.31"');
  }
  if (
    render.apiVersions !== undefined &&
    (!Array.isArray(render.apiVersions) || render.apiVersions.some((value) => typeof value !== 'string' || !API_VERSION.test(value)))
  ) {
    fail('"apiVersions" must be a list of API versions, e.g. ["monitoring.coreos.com/v1"]');
  }
  for (const key of ['validate', 'strict'] as const) {
    if (render[key] !== undefined && typeof render[key] !== 'boolean') fail(`"${key}" must be true or false`);
  }
  if (render.unknownKinds !== undefined && !UNKNOWN_KINDS_MODES.includes(render.unknownKinds)) {
    fail(`"unknownKinds" must be ${UNKNOWN_KINDS_MODES.map((mode) => `"${mode}"`).join(' or ')}`);
  }
}

export interface RenderSettings {
  /** Undefined: `release-name`. */
  releaseName?: string;
  namespace: string;
  kubeVersion: string;
  apiVersions: string[];
  validate: boolean;
  strict: boolean;
  unknownKinds: UnknownKinds;
}

/** The command's own options first, then the plugin's `render` option, then the defaults. */
export function resolveRenderSettings(
  given: RenderPluginOptions,
  pluginOptions: RenderPluginOptions | undefined,
  defaultKubeVersion: string,
): RenderSettings {
  const pick = <K extends keyof RenderPluginOptions>(key: K): RenderPluginOptions[K] => given[key] ?? pluginOptions?.[key];
  return {
    releaseName: pick('releaseName'),
    namespace: pick('namespace') ?? 'default',
    kubeVersion: (pick('kubeVersion') ?? defaultKubeVersion).replace(/^v/, ''),
    apiVersions: pick('apiVersions') ?? [],
    validate: pick('validate') ?? true,
    strict: pick('strict') ?? true,
    unknownKinds: pick('unknownKinds') ?? 'skip',
  };
}
