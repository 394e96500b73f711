import {
  addDependenciesToPackageJson,
  readJson,
  readNxJson,
  updateNxJson,
  type GeneratorCallback,
  type NxJsonConfiguration,
  type PluginConfiguration,
  type Tree,
} from '@nx/devkit';
import minVersion from 'semver/ranges/min-version';
import validRange from 'semver/ranges/valid';
import { pluginVersion } from '../../utils/plugin-version';
import type { NxHelmPluginOptions } from '../../config/plugin-options';
import type { InitGeneratorSchema } from './schema';
import { PLUGIN_NAME } from '../../config/constants';
import { DEFAULT_RELEASE_TAG_PATTERN } from '../../release/release-tag';
import { NxHelmError } from '../../utils/nx-helm-error';

/** Folders that do not belong in git: the packages nx-helm writes, installed npm packages and Nx's local state. */
const IGNORED = ['/dist', 'node_modules', '.nx/cache', '.nx/workspace-data'];

/**
 * `nx add nx-helm`: registers the plugin in nx.json (keeping an existing registration and its options), adds the
 * package to devDependencies (when the workspace has a package.json) and the ignore entries. Running it again changes
 * nothing.
 */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  registerPlugin(tree, options);
  if (options.release) {
    addReleaseGroup(tree);
  }
  addIgnoreEntries(tree);
  // Without package.json the workspace uses Nx's wrapper layout (`nx init` in a plain repository): `nx add` has
  // already listed nx-helm under nx.json's installation.plugins and installed it under .nx/installation.
  if (options.skipPackageJson || !tree.exists('package.json')) {
    return () => undefined;
  }
  const install = addDependenciesToPackageJson(
    tree,
    {},
    { [PLUGIN_NAME]: `^${pluginVersion.split('+')[0]}`, ...alignedDevkit(tree) },
    undefined,
    true,
  );
  return options.skipInstall ? () => undefined : install;
}

/**
 * nx-helm runs on the workspace's @nx/devkit; without one, the package manager would pick the newest, which may not
 * match an older Nx. Add it in the workspace's Nx major, no newer than its Nx: a range, not the exact version, which
 * a registry mirror may lack (devkit is not published, or mirrored, for every Nx patch release).
 */
function alignedDevkit(tree: Tree): Record<string, string> {
  const manifest = readJson<{ dependencies?: Record<string, string>; devDependencies?: Record<string, string> }>(tree, 'package.json');
  const all = { ...manifest.dependencies, ...manifest.devDependencies };
  if (all['@nx/devkit'] || !all.nx) return {};
  const lowest = validRange(all.nx) ? minVersion(all.nx) : null;
  return { '@nx/devkit': lowest ? `>=${lowest.major}.0.0 <=${lowest.version}` : all.nx };
}

/** Position of the nx-helm entry in nx.json's plugins (a name or an object), or -1. */
export function findPluginIndex(plugins: PluginConfiguration[]): number {
  return plugins.findIndex((entry) => (typeof entry === 'string' ? entry : entry.plugin) === PLUGIN_NAME);
}

function registerPlugin(tree: Tree, options: InitGeneratorSchema): void {
  const nxJson = readNxJson(tree) ?? {};
  const plugins: PluginConfiguration[] = nxJson.plugins ?? [];
  const index = findPluginIndex(plugins);
  if (index === -1) {
    plugins.push({ plugin: PLUGIN_NAME, options: options.registry ? ({ registry: options.registry } satisfies NxHelmPluginOptions) : {} });
  } else if (options.registry) {
    const existing = plugins[index];
    const current = typeof existing === 'string' ? {} : ((existing.options ?? {}) as NxHelmPluginOptions);
    if (!current.registry) {
      plugins[index] = {
        ...(typeof existing === 'string' ? { plugin: existing } : existing),
        options: { ...current, registry: options.registry },
      };
    }
  }
  nxJson.plugins = plugins;
  updateNxJson(tree, nxJson);
}

/** The release group `--release` adds: every chart released on its own, by conventional commits, as `<chart>-v<version>`. */
export const CHARTS_RELEASE_GROUP = 'charts';

/**
 * `--release`: an independent release group of every chart (the projects tagged `helm`), versioned by nx-helm's
 * version actions from conventional commits, with a CHANGELOG.md per chart, tags `<project>-v<version>` and a GitHub
 * release per chart. A release configuration the user already has is kept: the group is only added next to other
 * groups, and an existing group of that name is left alone.
 */
function addReleaseGroup(tree: Tree): void {
  const nxJson = readNxJson(tree) ?? {};
  const release = (nxJson.release ?? {}) as NonNullable<NxJsonConfiguration['release']>;
  if (release.groups?.[CHARTS_RELEASE_GROUP]) {
    return;
  }
  if (release.projects !== undefined) {
    throw new NxHelmError(
      'nx.json\'s release lists "projects" at its top level, and Nx does not allow release groups next to them. Move that ' +
        `configuration into a group under release.groups, then run \`nx g nx-helm:init --release\` again to add the "${CHARTS_RELEASE_GROUP}" group.`,
    );
  }
  release.groups = {
    ...release.groups,
    [CHARTS_RELEASE_GROUP]: {
      projects: ['tag:helm'],
      projectsRelationship: 'independent',
      releaseTag: { pattern: DEFAULT_RELEASE_TAG_PATTERN },
      version: {
        versionActions: `${PLUGIN_NAME}/release/version-actions`,
        conventionalCommits: true,
        // The first release of a chart has no tag yet: its version is the one in Chart.yaml.
        fallbackCurrentVersionResolver: 'disk',
      },
      changelog: { file: '{projectRoot}/CHANGELOG.md', createRelease: 'github' },
    },
  };
  // One changelog per chart; a workspace CHANGELOG.md would mix every chart's changes.
  release.changelog = { workspaceChangelog: false, ...release.changelog };
  // Nx 22 looks for the workspace's previous release tag even without a workspace changelog, by the workspace's
  // pattern: with none, its `v{version}` default matches no chart tag and the changelog step fails.
  release.releaseTag ??= { pattern: DEFAULT_RELEASE_TAG_PATTERN };
  nxJson.release = release;
  updateNxJson(tree, nxJson);
}

function addIgnoreEntries(tree: Tree): void {
  const current = tree.exists('.gitignore') ? (tree.read('.gitignore', 'utf-8') ?? '') : '';
  const lines = current.split('\n').map((line) => line.trim());
  const missing = IGNORED.filter((entry) => !lines.includes(entry) && !lines.includes(entry.replace(/^\//, '')));
  if (missing.length > 0) {
    const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
    tree.write('.gitignore', `${prefix}${current === '' ? '' : '\n'}# nx-helm\n${missing.join('\n')}\n`);
  }
}

export default initGenerator;
