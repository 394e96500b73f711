import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import type { NxHelmPluginOptions } from '../../config/plugin-options';
import { NxHelmError } from '../../utils/nx-helm-error';
import { ENV, PLUGIN_NAME } from '../../config/constants';
import { findPluginIndex } from '../init/generator';
import lt from 'semver/functions/lt';
import minVersion from 'semver/ranges/min-version';
import { FIRST_NX_WITH_PREFER_BATCH } from '../../config/nx-version';
import { writeGeneratedYaml } from './generated-file';
import { renderGithubWorkflow } from './github-workflow';
import { GITLAB_LOCATION, GITLAB_REGISTRY_PASSWORD, GITLAB_REGISTRY_USERNAME, renderGitlabCi } from './gitlab-ci';
import { PRESETS, presetForHost, REGISTRY_PRESETS } from './registry-presets';
import type { WorkflowGeneratorSchema } from './schema';
import { GPG_KEY_ENV, GPG_PASSPHRASE_ENV, MAX_SHARDS, REMOTE_CACHES, type PublishLocation, type WorkflowOptions } from './workflow-options';

/** `nx g nx-helm:workflow`: the CI workflow that checks pull requests and publishes the affected charts. */
export async function workflowGenerator(tree: Tree, schema: WorkflowGeneratorSchema = {}): Promise<void> {
  const workspace = workspacePluginOptions(tree);
  const options = {
    ...normalizeOptions({ ...schema, mainBranch: schema.mainBranch ?? workspaceDefaultBase(tree) }, workspace),
    batchMode: needsBatchMode(tree),
  };
  const name = schema.name ?? 'charts.yml';
  if (options.ci === 'github' && !/^[\w.-]+\.ya?ml$/.test(name)) {
    throw new NxHelmError(`--name must be a file name ending in .yml or .yaml (it goes in .github/workflows/), not "${name}".`);
  }
  const path = options.ci === 'gitlab' ? '.gitlab-ci.yml' : `.github/workflows/${name}`;
  const content = writeGeneratedYaml(
    tree,
    path,
    options.ci === 'gitlab' ? renderGitlabCi(options) : renderGithubWorkflow(options),
    schema.force ?? false,
  );
  // What it does, in a few lines; the file itself with --verbose (also with --dry-run, to review before writing).
  logger.info(`${path} (${content.split('\n').length} lines): ${describeWorkflow(options)}`);
  if (process.env.NX_VERBOSE_LOGGING === 'true') logger.info(`${path}:\n${content}`);
  else logger.info('Run the generator with --verbose to print the file.');
  if (options.sign === 'gpg') {
    const key = schema.gpgKey ?? 'Helm charts';
    if (configureGpgSigning(tree, key)) {
      // package-chart signs on every machine from now on, not only in CI.
      logger.info(
        `nx.json: package-chart now signs with key "${key}" from ${GPG_KEY_ENV} and ${GPG_PASSPHRASE_ENV}, locally too: ` +
          `set them, or ${ENV.sign}=false to package unsigned.`,
      );
    }
  }
  const settings =
    options.ci === 'gitlab' ? gitlabSettings(options) : githubSettings(options, content, workspace?.sign?.keyringEnv ?? GPG_KEY_ENV);
  logger.info(`Repository settings the workflow expects: ${settings.join('; ')}.`);
}

/** The options of nx.json's nx-helm plugin entry, when there is one. */
function workspacePluginOptions(tree: Tree): NxHelmPluginOptions | undefined {
  const plugins = readNxJson(tree)?.plugins ?? [];
  const entry = plugins[findPluginIndex(plugins)];
  return typeof entry === 'object' ? ((entry.options ?? {}) as NxHelmPluginOptions) : undefined;
}

/**
 * What a GitHub repository must configure: every variable and secret the workflow names (GITHUB_TOKEN is there
 * anyway), with the read-only ones of pull requests apart, and what --trigger release and the cache in the registry
 * need of it.
 */
function githubSettings(options: WorkflowOptions, content: string, keyEnv: string): string[] {
  const hints: Record<string, string> = {
    ...PRESETS[options.registry].hints,
    ...(options.sign === 'gpg' ? { [keyEnv]: 'the secret key, ASCII-armored or base64' } : {}),
  };
  const named = { vars: new Set<string>(), secrets: new Set<string>(), readOnly: new Set<string>() };
  for (const [, kind, name] of content.matchAll(/\$\{\{\s*(vars|secrets)\.(\w+)\s*\}\}/g)) {
    if (name === 'GITHUB_TOKEN') continue;
    named[name.includes('_READ_') ? 'readOnly' : (kind as 'vars' | 'secrets')].add(name);
  }
  const list = (names: Set<string>) => [...names].map((name) => (hints[name] ? `${name} (${hints[name]})` : name)).join(', ');
  const settings = [
    ...(named.vars.size > 0 ? [`variables ${list(named.vars)}`] : []),
    ...(named.secrets.size > 0 ? [`secrets ${list(named.secrets)}`] : []),
  ];
  if (settings.length === 0) {
    settings.push(options.registry === 'ghcr' ? 'nothing: GITHUB_TOKEN with packages: write is used' : 'nothing');
  }
  if (options.trigger === 'release') settings.push(...RELEASE_SETTINGS(options.mainBranch));
  if (options.remoteCache === 'registry') settings.push(REGISTRY_CACHE_SETTING);
  if (named.readOnly.size > 0) {
    settings.push(
      `for pull requests, read-only credentials${options.remoteCache === 'registry' ? ' of that registry' : ''}: ` +
        `${list(named.readOnly)} (without them pull requests just miss the cache)`,
    );
  }
  return settings;
}

/** What a GitLab project must configure: credentials of a registry other than its own, and the signing key. */
function gitlabSettings(options: WorkflowOptions): string[] {
  const { host } = options.publish;
  return [
    host
      ? `for ${host}, CI/CD variables ${GITLAB_REGISTRY_USERNAME} and ${GITLAB_REGISTRY_PASSWORD}, unless it is this GitLab's ` +
        'registry (then the CI_REGISTRY credentials are used)'
      : 'nothing for the project registry (CI_REGISTRY credentials)',
    ...(options.sign === 'gpg' ? [`CI/CD variables ${options.signingEnv.join(', ')} (the signing key and its passphrase)`] : []),
    ...(options.remoteCache === 'registry' ? [REGISTRY_CACHE_SETTING] : []),
  ];
}

const REGISTRY_CACHE_SETTING =
  "Nx's remote cache in the repository nx-cache next to the charts: publishing jobs write it, pull requests only read it";

function normalizeOptions(schema: WorkflowGeneratorSchema, workspace: NxHelmPluginOptions | undefined): Omit<WorkflowOptions, 'batchMode'> {
  const choose = <T extends string>(option: string, value: T | undefined, allowed: readonly T[], fallback: T): T => {
    const chosen = value ?? fallback;
    if (!allowed.includes(chosen)) {
      throw new NxHelmError(`--${option} must be one of ${allowed.join(', ')}, not "${chosen}".`);
    }
    return chosen;
  };
  const helmVersion = schema.helmVersion ?? 'v4.1.4';
  if (!/^v\d+\.\d+\.\d+$/.test(helmVersion)) {
    throw new NxHelmError(`--helmVersion must be a Helm release such as v4.1.4 or v3.17.3, not "${helmVersion}".`);
  }
  if (schema.registryUrl !== undefined && !/^oci:\/\/[^/\s]+/.test(schema.registryUrl)) {
    throw new NxHelmError(`--registryUrl must be an OCI location such as oci://ghcr.io/acme/charts, not "${schema.registryUrl}".`);
  }
  const shards = schema.shards ?? 1;
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw new NxHelmError(
      `--shards must be a whole number from 1 to ${MAX_SHARDS} (the parallel jobs that check the charts), not "${shards}".`,
    );
  }
  const ci = choose('ci', schema.ci, ['github', 'gitlab'] as const, 'github');
  const trigger = choose('trigger', schema.trigger, ['main', 'tags', 'release-branch', 'release'] as const, 'main');
  if (trigger === 'release' && ci === 'gitlab') {
    throw new NxHelmError(
      '--trigger release publishes GitHub releases and is available for GitHub Actions only (--ci github). ' +
        'With --ci gitlab, use --trigger main, tags or release-branch.',
    );
  }
  const chosen = chosenLocation(schema.registryUrl, workspace?.registry);
  // The login follows the host the charts go to, unless --registry names one.
  const registry = choose('registry', schema.registry, REGISTRY_PRESETS, chosen?.host ? presetForHost(chosen.host) : 'ghcr');
  const hosts = PRESETS[registry].hosts;
  if (ci === 'github' && chosen?.host && hosts && !hosts.test(chosen.host.toLowerCase())) {
    const fitting = presetForHost(chosen.host);
    throw new NxHelmError(
      `--registry ${registry} logs in to ${PRESETS[registry].title}, but the charts go to ${chosen.location} ` +
        `(${chosen.source === 'nx.json' ? "nx.json's registry" : '--registryUrl'}). Use --registry ${fitting}, the default ` +
        `for ${chosen.host}${fitting === 'generic' ? ' (or harbor for a Harbor registry)' : ''}.`,
    );
  }
  const publish: PublishLocation = chosen ?? { location: ci === 'gitlab' ? GITLAB_LOCATION : PRESETS[registry].location, source: 'preset' };
  // Packages signed in nx.json are signed in CI too: without the key there, every package-chart would fail.
  const workspaceSign = workspace?.sign && typeof workspace.sign === 'object' ? workspace.sign : undefined;
  // A GitHub release is signed keyless unless asked otherwise: its archive gets a .sig anyone can verify.
  const sign = choose(
    'sign',
    schema.sign,
    ['none', 'cosign', 'gpg'] as const,
    workspaceSign ? 'gpg' : trigger === 'release' ? 'cosign' : 'none',
  );
  if (workspaceSign && sign !== 'gpg') {
    throw new NxHelmError(
      `nx.json signs every package with GPG (the sign option of the nx-helm plugin, key "${workspaceSign.key}"), so the ` +
        `workflow's jobs need that key: use --sign gpg, or remove the sign option from nx.json for --sign ${sign}.`,
    );
  }
  return {
    ci,
    registry,
    publish,
    trigger,
    sign,
    signingEnv: workspaceSign
      ? [workspaceSign.keyringEnv, workspaceSign.passphraseEnv].filter((name): name is string => Boolean(name))
      : [GPG_KEY_ENV, GPG_PASSPHRASE_ENV],
    helmVersion,
    nodeVersion: schema.nodeVersion ?? '20',
    pinActions: choose('pinActions', schema.pinActions, ['version', 'sha'] as const, 'version'),
    // The charts' registry is there anyway, with the credentials the jobs already have: it keeps Nx's cache too.
    remoteCache: choose('remoteCache', schema.remoteCache, REMOTE_CACHES, 'registry'),
    shards,
    mainBranch: schema.mainBranch ?? 'main',
    releaseBranch: schema.releaseBranch ?? 'release',
  };
}

/**
 * Where the charts go when the workspace or --registryUrl says: nx.json's registry, which the plugin reads itself, or
 * --registryUrl, which the jobs set as NX_HELM_REGISTRY (over nx.json's registry, when it names another). Undefined:
 * the preset's location.
 */
function chosenLocation(registryUrl: string | undefined, workspaceRegistry: string | undefined): PublishLocation | undefined {
  // It goes into the jobs' shell steps as it is: no quotes or expansions.
  if (workspaceRegistry !== undefined && !/^oci:\/\/[^/\s"$`\\]+(\/[^\s"$`\\]*)?$/.test(workspaceRegistry)) {
    throw new NxHelmError(
      `The registry option of the nx-helm plugin in nx.json is ${JSON.stringify(workspaceRegistry)}, which the workflow ` +
        'cannot write into its steps: use an OCI location such as oci://ghcr.io/acme/charts, without quotes, $ or backslashes.',
    );
  }
  const trimmed = (location: string) => location.replace(/\/+$/, '');
  if (registryUrl !== undefined && (workspaceRegistry === undefined || trimmed(registryUrl) !== trimmed(workspaceRegistry))) {
    return { location: registryUrl, host: literalHost(registryUrl), source: 'registryUrl', overrides: workspaceRegistry };
  }
  return workspaceRegistry === undefined
    ? undefined
    : { location: workspaceRegistry, host: literalHost(workspaceRegistry), source: 'nx.json' };
}

/** The host (with its port) of an `oci://` location, unless it is a shell expression. */
function literalHost(location: string): string | undefined {
  return /^oci:\/\/([A-Za-z0-9.-]+(?::\d+)?)(?:\/|$)/.exec(location)?.[1];
}

/** The branch nx affected compares with (nx.json's defaultBase, `origin/` left off), when nx.json names one. */
function workspaceDefaultBase(tree: Tree): string | undefined {
  const nxJson = readNxJson(tree) as { defaultBase?: string; affected?: { defaultBase?: string } } | null;
  const base = nxJson?.defaultBase ?? nxJson?.affected?.defaultBase;
  return base ? base.replace(/^origin\//, '') : undefined;
}

/** What the workflow does, in one sentence. */
function describeWorkflow(options: WorkflowOptions): string {
  const branch = options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch;
  const location = describeLocation(options);
  const publishing = {
    main: `pushes to ${branch} publish them to ${location}`,
    'release-branch': `pushes to ${branch} publish them to ${location}`,
    tags: `<chart>-v<version> tags publish that chart to ${location}`,
    release: `pushes to ${branch} run nx release, which versions, tags and publishes them to ${location} with GitHub releases`,
  }[options.trigger];
  const review =
    options.ci === 'gitlab' ? ', keeping their rendered changes as an artifact' : ' and get their rendered changes as a comment';
  return (
    `${options.ci === 'gitlab' ? 'merge requests' : 'pull requests'} to ${branch} lint and package the affected charts` +
    `${options.shards > 1 ? ` in ${options.shards} parallel jobs` : ''}${review}; ${publishing}` +
    `${options.sign === 'none' ? '' : `, signed with ${options.sign}`}.`
  );
}

/** Where the charts go, and what decided it (and which login, on GitHub) when it is not the default. */
function describeLocation({ ci, publish, registry }: WorkflowOptions): string {
  if (publish.source === 'preset') return ci === 'gitlab' ? "the project's registry" : publish.location;
  const source =
    publish.source === 'nx.json'
      ? "nx.json's registry"
      : publish.overrides
        ? `${ENV.registry}, over nx.json's ${publish.overrides}`
        : '--registryUrl';
  return `${publish.location} (${source}${ci === 'github' ? `, ${PRESETS[registry].title} login` : ''})`;
}

/**
 * Whether the jobs must ask Nx for batches: the workspace's nx (its package.json's version range, at its lowest) is
 * older than 22.6, and nx.json does not choose command targets.
 */
function needsBatchMode(tree: Tree): boolean {
  const entry = readNxJson(tree)?.plugins?.find((plugin) => (typeof plugin === 'string' ? plugin : plugin.plugin) === PLUGIN_NAME);
  if (typeof entry === 'object' && (entry.options as NxHelmPluginOptions | undefined)?.execution === 'command') return false;
  const manifest = tree.exists('package.json')
    ? (JSON.parse(tree.read('package.json', 'utf8') ?? '{}') as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
      })
    : {};
  const range = manifest.devDependencies?.nx ?? manifest.dependencies?.nx;
  const lowest = range ? minVersion(range) : null;
  return lowest !== null && lt(lowest, FIRST_NX_WITH_PREFER_BATCH);
}

/** What `--trigger release` needs of the repository besides the registry's settings. */
const RELEASE_SETTINGS = (mainBranch: string) => [
  `${mainBranch} accepts the release commit and tags that nx release pushes with GITHUB_TOKEN (branch protection and rulesets must let GitHub Actions push)`,
  'the release group of nx.json that `nx g nx-helm:init --release` writes (commit, tag <project>-v<version>, GitHub releases)',
];

/**
 * GPG provenance: package-chart signs with the key from the workflow's secrets (kept unless already configured).
 * Whether nx.json was changed.
 */
function configureGpgSigning(tree: Tree, key: string): boolean {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const index = findPluginIndex(plugins);
  if (index === -1) {
    throw new NxHelmError(
      '--sign gpg configures signing in the nx-helm plugin entry of nx.json, but there is none. Run `nx add nx-helm` (or nx g nx-helm:init) first.',
    );
  }
  const entry = plugins[index];
  const options = (typeof entry === 'string' ? {} : (entry.options ?? {})) as NxHelmPluginOptions;
  if (!options.sign) {
    plugins[index] = {
      plugin: PLUGIN_NAME,
      ...(typeof entry === 'string' ? {} : entry),
      options: { ...options, sign: { key, keyringEnv: GPG_KEY_ENV, passphraseEnv: GPG_PASSPHRASE_ENV } },
    };
    nxJson.plugins = plugins;
    updateNxJson(tree, nxJson);
    return true;
  }
  return false;
}

export default workflowGenerator;
