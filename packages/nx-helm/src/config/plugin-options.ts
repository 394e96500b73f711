import type { SigningOptions } from '../packaging/provenance';
import type { RegistriesOptions, RegistryHostOptions } from '../registry/registry-options';
import { NxHelmError } from '../utils/nx-helm-error';
import { DEFAULT_OUTPUT_PATH, DEFAULT_TARGET_NAMES } from './constants';
import { DEFAULT_VALUES_MODES, type LintPluginOptions } from './lint-settings';
import { checkRepositoryIndexTtl } from './repository-index-ttl';
import { checkRenderOptions, type RenderPluginOptions } from './render-settings';
import { checkKnownKeys, checkNoUrlCredentials, checkObject, checkVariableName, redactUrlCredentials } from './option-checks';

/** Options of the nx-helm plugin entry in nx.json. */
export interface NxHelmPluginOptions {
  /** Name of the inferred lint target. Default `lint-chart`. */
  lintTargetName?: string;
  /** Name of the inferred package target. Default `package-chart`. */
  packageTargetName?: string;
  /** Name of the inferred push target. Default `push-chart`. */
  pushTargetName?: string;
  /** Name of the inferred target that renders a chart's manifests and validates them. Default `render-chart`. */
  renderTargetName?: string;
  /** Name of the inferred version-increment check. Default `check-version`. */
  checkVersionTargetName?: string;
  /** Name of the inferred target that pulls a pushed chart by digest and verifies it. Default `verify-chart`. */
  verifyTargetName?: string;
  /** Prefix for project names: `{prefix}{chart name}`. Default none. */
  projectNamePrefix?: string;
  /** The OCI registry the workspace publishes to, e.g. `oci://ghcr.io/acme/charts`. */
  registry?: string;
  /**
   * Other repository URLs that hold this workspace's published charts (e.g. a former `https://acme.github.io/charts`).
   * A dependency fetched from one of them, or from `registry`, is linked to the local chart of that name.
   */
  workspaceRepositories?: string[];
  /**
   * Per registry host (with port): how to reach it and the *names* of the environment variables holding its
   * credentials, e.g. { "ghcr.io": { "usernameEnv": "GHCR_USER", "passwordEnv": "GHCR_TOKEN" } }.
   */
  registries?: RegistriesOptions;
  /**
   * Sign packages (Helm provenance files): { key, keyring | keyringEnv, passphraseEnv, publicKeyring }. Secrets are
   * named by environment variable; publicKeyring is what verify-chart checks signatures with.
   */
  sign?: SigningOptions;
  /** Path to the helm binary (relative to the workspace root). Default: HELM_BIN, then helm on PATH. */
  helmPath?: string;
  /** Folder under which packages are written, one sub-folder per project root. Default `dist`. */
  outputPath?: string;
  /** Name of the target group shown by `nx show project`. Default `Helm`. */
  targetGroupName?: string;
  /** How lint-chart runs helm lint: { strict, defaultValues, extraArgs }; overrides ct.yaml. */
  lint?: LintPluginOptions;
  /**
   * How render-chart renders and validates: { releaseName, namespace, kubeVersion, apiVersions, validate, strict,
   * unknownKinds }.
   */
  render?: RenderPluginOptions;
  /**
   * The chart-testing configuration to follow, relative to the workspace root (e.g. `.github/linters/ct.yaml`).
   * Default: ct.yaml at the root when it exists. `false` ignores any ct.yaml.
   */
  ctConfig?: string | false;
  /**
   * Let lint and package read files outside the chart (symbolic links) and charts outside the workspace (file://).
   * Nx cannot hash those, so lint-chart and package-chart are then not cached. Default false: refused.
   */
  allowExternalFiles?: boolean;
  /** push-chart depends on lint-chart, so that a chart whose lint fails is never published. Default true. */
  lintBeforePush?: boolean;
  /** Infer check-version targets. Default: ct.yaml's check-version-increment, else true. */
  checkVersionIncrement?: boolean;
  /**
   * Seconds a chart repository's index.yaml, once downloaded, is used by every lint and package of this machine
   * without asking the repository again (then a conditional request). Default 600; NX_HELM_REPOSITORY_INDEX_TTL wins.
   */
  repositoryIndexTtl?: number;
  /**
   * Nx's remote cache kept in an OCI repository (`oci://host/path`), with the credentials and TLS settings of
   * `registries`; `readOnly` never writes. NX_HELM_CACHE_REPOSITORY and NX_HELM_CACHE_READ_ONLY win.
   */
  cache?: RemoteCacheOptions;
  /**
   * How lint-chart, package-chart and push-chart run: `"batch"`, as nx-helm's executors, which Nx runs many tasks of
   * in one process (batch execution); `"command"`, as `nx:run-commands` targets running the nx-helm command once per
   * task. Default: batch where Nx batches such executors by itself (Nx 22.6 and later, or NX_BATCH_MODE=true),
   * else command.
   */
  execution?: ExecutionMode;
}

export type ExecutionMode = 'batch' | 'command';
export const EXECUTION_MODES: readonly ExecutionMode[] = ['batch', 'command'];

export interface RemoteCacheOptions {
  repository: string;
  readOnly?: boolean;
}

type OptionalKeys =
  | 'registry'
  | 'helmPath'
  | 'registries'
  | 'sign'
  | 'lint'
  | 'render'
  | 'ctConfig'
  | 'checkVersionIncrement'
  | 'repositoryIndexTtl'
  | 'allowExternalFiles'
  | 'cache'
  | 'execution';
export type NormalizedPluginOptions = Required<Omit<NxHelmPluginOptions, OptionalKeys>> & Pick<NxHelmPluginOptions, OptionalKeys>;

/** Every option of the plugin entry, for the check of misspelled keys. */
const PLUGIN_OPTION_KEYS: ReadonlyArray<keyof NxHelmPluginOptions> = [
  'lintTargetName',
  'packageTargetName',
  'pushTargetName',
  'renderTargetName',
  'checkVersionTargetName',
  'verifyTargetName',
  'projectNamePrefix',
  'registry',
  'workspaceRepositories',
  'registries',
  'sign',
  'helmPath',
  'outputPath',
  'targetGroupName',
  'lint',
  'render',
  'ctConfig',
  'lintBeforePush',
  'allowExternalFiles',
  'checkVersionIncrement',
  'repositoryIndexTtl',
  'cache',
  'execution',
];
const REGISTRY_HOST_KEYS: ReadonlyArray<keyof RegistryHostOptions> = [
  'usernameEnv',
  'passwordEnv',
  'plainHttp',
  'insecureSkipTlsVerify',
  'caFile',
  'certFile',
  'keyFile',
];
const SIGN_KEYS: ReadonlyArray<keyof SigningOptions> = ['key', 'keyring', 'keyringEnv', 'passphraseEnv', 'publicKeyring'];
const LINT_KEYS: ReadonlyArray<keyof LintPluginOptions> = ['strict', 'defaultValues', 'extraArgs'];

/**
 * The plugin entry's options with defaults applied, checked as a whole when the graph is built: misspelled keys,
 * values of the wrong kind, secrets where names of variables belong, credentials in URLs. No message shows a value
 * that may be a secret.
 */
export function normalizePluginOptions(options: NxHelmPluginOptions | undefined): NormalizedPluginOptions {
  if (options !== undefined) {
    checkKnownKeys(options, PLUGIN_OPTION_KEYS, '"options" of the nx-helm plugin entry', '{ "registry": "oci://ghcr.io/acme/charts" }');
  }
  const normalized: NormalizedPluginOptions = {
    lintTargetName: options?.lintTargetName ?? DEFAULT_TARGET_NAMES.lint,
    packageTargetName: options?.packageTargetName ?? DEFAULT_TARGET_NAMES.package,
    pushTargetName: options?.pushTargetName ?? DEFAULT_TARGET_NAMES.push,
    renderTargetName: options?.renderTargetName ?? DEFAULT_TARGET_NAMES.render,
    verifyTargetName: options?.verifyTargetName ?? DEFAULT_TARGET_NAMES.verify,
    checkVersionTargetName: options?.checkVersionTargetName ?? DEFAULT_TARGET_NAMES.checkVersion,
    projectNamePrefix: options?.projectNamePrefix ?? '',
    registry: options?.registry,
    workspaceRepositories: options?.workspaceRepositories ?? [],
    registries: options?.registries,
    sign: options?.sign,
    helmPath: options?.helmPath,
    outputPath: (options?.outputPath ?? DEFAULT_OUTPUT_PATH).replace(/\/+$/, ''),
    targetGroupName: options?.targetGroupName ?? 'Helm',
    lintBeforePush: options?.lintBeforePush ?? true,
    lint: options?.lint,
    render: options?.render,
    ctConfig: options?.ctConfig,
    checkVersionIncrement: options?.checkVersionIncrement,
    repositoryIndexTtl: options?.repositoryIndexTtl,
    allowExternalFiles: options?.allowExternalFiles,
    cache: options?.cache,
    execution: options?.execution,
  };
  if (normalized.execution !== undefined && !EXECUTION_MODES.includes(normalized.execution)) {
    throw new NxHelmError(
      `The nx-helm plugin option "execution" in nx.json must be "batch" (many charts' tasks in one process) or "command" ` +
        '(the nx-helm command once per task); remove it for the default of your Nx version.',
    );
  }
  validateLintOptions(normalized.lint);
  checkRenderOptions(normalized.render, 'The nx-helm plugin option "render" in nx.json');
  if (normalized.cache !== undefined) validateCacheOptions(normalized.cache);
  if (
    normalized.ctConfig !== undefined &&
    normalized.ctConfig !== false &&
    (typeof normalized.ctConfig !== 'string' || normalized.ctConfig === '')
  ) {
    throw new NxHelmError(
      'The nx-helm plugin option "ctConfig" in nx.json must be the path of a chart-testing file relative to the workspace root ' +
        '(e.g. ".github/linters/ct.yaml"), or false to ignore ct.yaml.',
    );
  }
  if (normalized.allowExternalFiles !== undefined && typeof normalized.allowExternalFiles !== 'boolean') {
    throw new NxHelmError('The nx-helm plugin option "allowExternalFiles" in nx.json must be true or false.');
  }
  if (typeof normalized.lintBeforePush !== 'boolean') {
    throw new NxHelmError('The nx-helm plugin option "lintBeforePush" in nx.json must be true or false.');
  }
  if (normalized.checkVersionIncrement !== undefined && typeof normalized.checkVersionIncrement !== 'boolean') {
    throw new NxHelmError('The nx-helm plugin option "checkVersionIncrement" in nx.json must be true or false.');
  }
  if (normalized.repositoryIndexTtl !== undefined) checkRepositoryIndexTtl(normalized.repositoryIndexTtl);
  if (typeof normalized.registry === 'string') checkNoUrlCredentials(normalized.registry, '"registry"');
  if (normalized.registry !== undefined && !/^oci:\/\/[^/\s]+/.test(normalized.registry)) {
    throw new NxHelmError(
      `The nx-helm plugin option "registry" in nx.json is ${JSON.stringify(normalized.registry)}, which is not an OCI ` +
        'registry reference. Use the form oci://<host>[/<path>], e.g. oci://ghcr.io/acme/charts.',
    );
  }
  if (!Array.isArray(normalized.workspaceRepositories) || normalized.workspaceRepositories.some((url) => typeof url !== 'string')) {
    throw new NxHelmError(
      'The nx-helm plugin option "workspaceRepositories" in nx.json must be a list of repository URLs, ' +
        'e.g. ["https://acme.github.io/charts"].',
    );
  }
  for (const [index, url] of normalized.workspaceRepositories.entries()) checkNoUrlCredentials(url, `workspaceRepositories[${index}]`);
  const targetNames = [
    normalized.checkVersionTargetName,
    normalized.lintTargetName,
    normalized.packageTargetName,
    normalized.pushTargetName,
    normalized.renderTargetName,
    normalized.verifyTargetName,
  ];
  if (new Set(targetNames).size !== targetNames.length) {
    throw new NxHelmError(
      `The nx-helm plugin options checkVersionTargetName, lintTargetName, packageTargetName, pushTargetName, renderTargetName and verifyTargetName in nx.json must differ; they are ${targetNames.map((name) => `"${name}"`).join(', ')}.`,
    );
  }
  if (normalized.registries !== undefined) {
    checkObject(normalized.registries, '"registries"', '{ "ghcr.io": { "usernameEnv": "GHCR_USER", "passwordEnv": "GHCR_TOKEN" } }');
  }
  for (const [host, entry] of Object.entries(normalized.registries ?? {})) {
    checkNoUrlCredentials(host, `registries key "${redactUrlCredentials(host)}"`);
    const where = `registries["${host}"]`;
    checkKnownKeys(entry, REGISTRY_HOST_KEYS, where, '{ "usernameEnv": "GHCR_USER", "passwordEnv": "GHCR_TOKEN" }');
    checkVariableName(entry.usernameEnv, `${where}.usernameEnv`);
    checkVariableName(entry.passwordEnv, `${where}.passwordEnv`);
  }
  if (normalized.sign !== undefined) {
    checkKnownKeys(normalized.sign, SIGN_KEYS, '"sign"', '{ "key": "charts@acme.example", "keyringEnv": "SIGNING_KEYRING" }');
    if (typeof normalized.sign.key !== 'string' || normalized.sign.key === '') {
      throw new NxHelmError('The nx-helm option sign in nx.json needs "key": the name, email or fingerprint of the signing key.');
    }
    checkVariableName(normalized.sign.keyringEnv, 'sign.keyringEnv');
    checkVariableName(normalized.sign.passphraseEnv, 'sign.passphraseEnv');
  }
  return normalized;
}

function validateLintOptions(lint: LintPluginOptions | undefined): void {
  if (lint === undefined) return;
  const fail = (detail: string) => {
    throw new NxHelmError(`The nx-helm plugin option "lint" in nx.json is wrong: ${detail}.`);
  };
  checkKnownKeys(lint, LINT_KEYS, '"lint"', '{ "strict": false }');
  if (lint.strict !== undefined && typeof lint.strict !== 'boolean') fail('"strict" must be true or false');
  if (lint.defaultValues !== undefined && !DEFAULT_VALUES_MODES.includes(lint.defaultValues)) {
    fail(
      `"defaultValues" must be ${DEFAULT_VALUES_MODES.map((mode) => `"${mode}"`).join(' or ')}, not ${JSON.stringify(lint.defaultValues)}`,
    );
  }
  if (lint.extraArgs !== undefined && (!Array.isArray(lint.extraArgs) || lint.extraArgs.some((arg) => typeof arg !== 'string'))) {
    fail('"extraArgs" must be a list of strings, e.g. ["--kube-version", "1.31.0"]');
  }
}

/** Repositories whose charts are this workspace's own: a dependency on one of them is an edge to the local chart. */
export function publishRepositories(options: Pick<NxHelmPluginOptions, 'registry' | 'workspaceRepositories'>): string[] {
  return [...(options.registry ? [options.registry] : []), ...(options.workspaceRepositories ?? [])];
}

/** The plugin options the CLI's commands use (target names and the like only shape the graph). */
export type CommandSettings = Pick<
  NxHelmPluginOptions,
  | 'helmPath'
  | 'registry'
  | 'registries'
  | 'workspaceRepositories'
  | 'sign'
  | 'outputPath'
  | 'projectNamePrefix'
  | 'lint'
  | 'render'
  | 'ctConfig'
  | 'repositoryIndexTtl'
  | 'allowExternalFiles'
>;

/** The plugin options every chart command takes, in the commands' own terms (see ChartCommandOptions). */
export function chartCommandSettings(settings: CommandSettings): Pick<
  CommandSettings,
  'helmPath' | 'registries' | 'sign' | 'projectNamePrefix' | 'ctConfig' | 'repositoryIndexTtl' | 'allowExternalFiles'
> & {
  publishRepositories: string[];
} {
  return {
    helmPath: settings.helmPath,
    registries: settings.registries,
    sign: settings.sign,
    publishRepositories: publishRepositories(settings),
    projectNamePrefix: settings.projectNamePrefix,
    ctConfig: settings.ctConfig,
    repositoryIndexTtl: settings.repositoryIndexTtl,
    allowExternalFiles: settings.allowExternalFiles,
  };
}

/** The options an inferred target hands to the CLI: only those that are set and not defaults, to keep them short. */
export function commandSettings(options: NormalizedPluginOptions): CommandSettings {
  const settings: CommandSettings = {
    helmPath: options.helmPath,
    registry: options.registry,
    registries: options.registries,
    workspaceRepositories: options.workspaceRepositories.length > 0 ? options.workspaceRepositories : undefined,
    sign: options.sign,
    outputPath: options.outputPath === DEFAULT_OUTPUT_PATH ? undefined : options.outputPath,
    projectNamePrefix: options.projectNamePrefix || undefined,
    lint: options.lint,
    render: options.render,
    ctConfig: options.ctConfig,
    repositoryIndexTtl: options.repositoryIndexTtl,
    allowExternalFiles: options.allowExternalFiles,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as CommandSettings;
}

/** `cache` is `{ repository: "oci://host/path", readOnly?: boolean }`. */
function validateCacheOptions(cache: RemoteCacheOptions): void {
  const example = '{ "repository": "oci://ghcr.io/acme/charts/nx-cache" }';
  if (cache === null || typeof cache !== 'object' || Array.isArray(cache)) {
    throw new NxHelmError(`The nx-helm plugin option "cache" in nx.json must be an object, e.g. ${example}.`);
  }
  checkKnownKeys(cache, ['repository', 'readOnly'], 'the nx-helm plugin option "cache"', example);
  if (typeof cache.repository === 'string') checkNoUrlCredentials(cache.repository, '"cache.repository"');
  if (typeof cache.repository !== 'string' || !/^oci:\/\/[^/\s]+\/[^\s]+$/.test(cache.repository)) {
    throw new NxHelmError(
      `The nx-helm plugin option "cache.repository" in nx.json must be an OCI repository oci://<host>/<path>, e.g. ${example}.`,
    );
  }
  if (cache.readOnly !== undefined && typeof cache.readOnly !== 'boolean') {
    throw new NxHelmError('The nx-helm plugin option "cache.readOnly" in nx.json must be true or false.');
  }
}
