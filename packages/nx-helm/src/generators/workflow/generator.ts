import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import type { NxHelmPluginOptions } from '../../config/plugin-options';
import { NxHelmError } from '../../utils/nx-helm-error';
import { PLUGIN_NAME } from '../../config/constants';
import { findPluginIndex } from '../init/generator';
import lt from 'semver/functions/lt';
import minVersion from 'semver/ranges/min-version';
import { FIRST_NX_WITH_PREFER_BATCH } from '../../config/nx-version';
import { writeGeneratedYaml } from './generated-file';
import { renderGithubWorkflow } from './github-workflow';
import { renderGitlabCi } from './gitlab-ci';
import { PRESETS, readOnlyCredentialNames, REGISTRY_PRESETS } from './registry-presets';
import type { WorkflowGeneratorSchema } from './schema';
import { GPG_KEY_ENV, GPG_PASSPHRASE_ENV, MAX_SHARDS, REMOTE_CACHES, type WorkflowOptions } from './workflow-options';

/** `nx g nx-helm:workflow`: the CI workflow that checks pull requests and publishes the affected charts. */
export async function workflowGenerator(tree: Tree, schema: WorkflowGeneratorSchema = {}): Promise<void> {
  const options = {
    ...normalizeOptions({ ...schema, mainBranch: schema.mainBranch ?? workspaceDefaultBase(tree) }),
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
    configureGpgSigning(tree, schema.gpgKey ?? 'Helm charts');
  }
  const settings =
    options.ci === 'gitlab'
      ? ['nothing for the project registry (CI_REGISTRY credentials)']
      : [...PRESETS[options.registry].settings, ...(options.trigger === 'release' ? RELEASE_SETTINGS(options.mainBranch) : [])];
  if (options.remoteCache === 'registry') {
    settings.push("Nx's remote cache in the repository nx-cache next to the charts: publishing jobs write it, pull requests only read it");
    const readOnly = options.ci === 'github' ? readOnlyCredentialNames(PRESETS[options.registry]) : [];
    if (readOnly.length > 0) {
      settings.push(
        `for pull requests, read-only credentials of that registry: ${readOnly.join(', ')} (without them pull requests just miss the cache)`,
      );
    }
  }
  logger.info(`Repository settings the workflow expects: ${settings.join('; ')}.`);
}

function normalizeOptions(schema: WorkflowGeneratorSchema): Omit<WorkflowOptions, 'batchMode'> {
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
  return {
    ci,
    registry: choose('registry', schema.registry, REGISTRY_PRESETS, 'ghcr'),
    registryUrl: schema.registryUrl,
    trigger,
    // A GitHub release is signed keyless unless asked otherwise: its archive gets a .sig anyone can verify.
    sign: choose('sign', schema.sign, ['none', 'cosign', 'gpg'] as const, trigger === 'release' ? 'cosign' : 'none'),
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

/** The branch nx affected compares with (nx.json's defaultBase, `origin/` left off), when nx.json names one. */
function workspaceDefaultBase(tree: Tree): string | undefined {
  const nxJson = readNxJson(tree) as { defaultBase?: string; affected?: { defaultBase?: string } } | null;
  const base = nxJson?.defaultBase ?? nxJson?.affected?.defaultBase;
  return base ? base.replace(/^origin\//, '') : undefined;
}

/** What the workflow does, in one sentence. */
function describeWorkflow(options: WorkflowOptions): string {
  const branch = options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch;
  const location = options.ci === 'gitlab' ? "the project's registry" : (options.registryUrl ?? PRESETS[options.registry].location);
  const publish = {
    main: `pushes to ${branch} publish them to ${location}`,
    'release-branch': `pushes to ${branch} publish them to ${location}`,
    tags: `<chart>-v<version> tags publish that chart to ${location}`,
    release: `pushes to ${branch} run nx release, which versions, tags and publishes them to ${location} with GitHub releases`,
  }[options.trigger];
  return (
    `${options.ci === 'gitlab' ? 'merge requests' : 'pull requests'} to ${branch} lint and package the affected charts` +
    `${options.shards > 1 ? ` in ${options.shards} parallel jobs` : ''}; ${publish}` +
    `${options.sign === 'none' ? '' : `, signed with ${options.sign}`}.`
  );
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

/** GPG provenance: package-chart signs with the key from the workflow's secrets (kept unless already configured). */
function configureGpgSigning(tree: Tree, key: string): void {
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
  }
}

export default workflowGenerator;
