import type { ProjectGraph, ProjectGraphDependency, Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { VersionActions } from 'nx/release';
import { METADATA_KEY, ENV } from '../config/constants';
import { resolveSettings } from '../config/nx-json-settings';
import { publishRepositories, type CommandSettings } from '../config/plugin-options';
import type { ChartProjectMetadata } from '../config/project-metadata';
import { parseRegistryLocation } from '../registry/registry-reference';
import { dependencyFileOf, entriesFor, updateDependencyConstraints, type ReleasedChart } from './chart-release';
import { readDependencyEntries, readTopLevelField, setTopLevelField } from './chart-yaml-edit';
import { highestPublishedVersion } from './published-versions';

/** `release.version.versionActionsOptions` nx-helm reads. */
export interface HelmVersionActionsOptions {
  /** Also set `appVersion` to the new chart version (for charts whose app is released with them). Default false. */
  updateAppVersion?: boolean;
}

/**
 * `nx release` for Helm charts (`"versionActions": "nx-helm/release/version-actions"`): versions live in Chart.yaml,
 * published versions are the tags of the chart's OCI repository, and a chart's dependents are the charts that take it
 * by `file://` path or from the workspace's own registry. Every edit changes one value of Chart.yaml (or
 * requirements.yaml) in place, so comments, key order and quoting survive; Nx's formatter is kept away from them.
 */
export default class HelmVersionActions extends VersionActions {
  validManifestFilenames = ['Chart.yaml'];
  // Nx 24 runs Prettier over the manifests it updated; Chart.yaml is YAML a formatter would restyle.
  override excludeManifestsFromFormatting = true;

  async readCurrentVersionFromSourceManifest(tree: Tree): Promise<{ currentVersion: string; manifestPath: string } | null> {
    const manifestPath = posix.join(this.projectGraphNode.data.root, 'Chart.yaml');
    const text = tree.read(manifestPath, 'utf-8');
    if (text === null) return null;
    const currentVersion = readTopLevelField(text, 'version', manifestPath);
    if (!currentVersion) {
      throw new Error(
        `${manifestPath} has no \`version\`: add \`version: <SemVer>\` (e.g. 0.1.0) to release ${this.projectGraphNode.name}.`,
      );
    }
    return { currentVersion, manifestPath };
  }

  /**
   * The highest SemVer tag of the chart's OCI repository (`currentVersionResolver: "registry"`). The registry is
   * `currentVersionResolverMetadata.registry`, else NX_HELM_REGISTRY, else the plugin's `registry` option. A registry
   * that cannot be read gives no version, with the cause in the log, so Nx's fallback resolver (if set) takes over.
   */
  async readCurrentVersionFromRegistry(
    tree: Tree,
    metadata: Record<string, unknown> | undefined,
  ): Promise<{ currentVersion: string | null; logText: string } | null> {
    const settings = this.settings(tree);
    const configured = (typeof metadata?.registry === 'string' && metadata.registry) || process.env[ENV.registry] || settings.registry;
    if (!configured) {
      return {
        currentVersion: null,
        logText: `no registry is configured for ${this.projectGraphNode.name} (set "registry" in the nx-helm plugin options or currentVersionResolverMetadata.registry)`,
      };
    }
    try {
      const location = parseRegistryLocation(configured, 'the registry to read the current version from');
      const found = await highestPublishedVersion(location, this.chartName(tree), settings.registries, tree.root);
      return found.version
        ? { currentVersion: found.version, logText: `${found.repository} (highest of ${found.versions} version tags)` }
        : { currentVersion: null, logText: `${found.repository} has no version tags` };
    } catch (error) {
      return { currentVersion: null, logText: (error as Error).message };
    }
  }

  /**
   * The workspace charts this chart takes, whether the graph holds the edge as static (file://) or implicit (a
   * registry reference): Nx's default drops implicit edges, which would leave umbrellas out of their libraries'
   * releases.
   */
  override async readDependencies(tree: Tree, projectGraph: ProjectGraph): Promise<ProjectGraphDependency[]> {
    const dependent = this.projectGraphNode.name;
    const edges = projectGraph.dependencies[dependent] ?? [];
    const dependencyFile = this.dependencyFile(tree);
    const text = tree.read(dependencyFile, 'utf-8');
    if (text === null) return [];
    const entries = readDependencyEntries(text, dependencyFile);
    const repositories = publishRepositories(this.settings(tree));
    return edges.filter((edge) => {
      const target = releasedChart(projectGraph, edge.target);
      return target !== undefined && entriesFor(entries, this.projectGraphNode.data.root, target, repositories, tree.root).length > 0;
    });
  }

  async readCurrentVersionOfDependency(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependencyProjectName: string,
  ): Promise<{ currentVersion: string | null; dependencyCollection: string | null }> {
    const target = releasedChart(projectGraph, dependencyProjectName);
    const dependencyFile = this.dependencyFile(tree);
    const text = tree.read(dependencyFile, 'utf-8');
    if (!target || text === null) return { currentVersion: null, dependencyCollection: null };
    const [entry] = entriesFor(
      readDependencyEntries(text, dependencyFile),
      this.projectGraphNode.data.root,
      target,
      publishRepositories(this.settings(tree)),
      tree.root,
    );
    return entry?.version
      ? { currentVersion: entry.version, dependencyCollection: 'dependencies' }
      : { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]> {
    const options = (this.finalConfigForProject.versionActionsOptions ?? {}) as HelmVersionActionsOptions;
    const log: string[] = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      let text = tree.read(manifestPath, 'utf-8');
      if (text === null) continue;
      text = setTopLevelField(text, 'version', newVersion, manifestPath);
      if (options.updateAppVersion) {
        text = setTopLevelField(text, 'appVersion', newVersion, manifestPath);
      }
      tree.write(manifestPath, text);
      log.push(`✍️  New version ${newVersion} written to ${manifestPath}${options.updateAppVersion ? ' (version and appVersion)' : ''}`);
    }
    return log;
  }

  async updateProjectDependencies(tree: Tree, projectGraph: ProjectGraph, dependenciesToUpdate: Record<string, string>): Promise<string[]> {
    const released = Object.entries(dependenciesToUpdate).flatMap(([project, version]) => {
      const chart = releasedChart(projectGraph, project);
      // Nx writes the new version with a range prefix taken from the old constraint; the rules here want the version.
      return chart ? [{ chart, newVersion: version.replace(/^[~^=]/, '') }] : [];
    });
    if (released.length === 0) return [];
    const dependencyFile = this.dependencyFile(tree);
    const text = tree.read(dependencyFile, 'utf-8');
    if (text === null) return [];
    const result = updateDependencyConstraints(
      text,
      dependencyFile,
      this.projectGraphNode.data.root,
      released,
      publishRepositories(this.settings(tree)),
      tree.root,
    );
    if (result.text !== text) tree.write(dependencyFile, result.text);
    return result.log;
  }

  private cachedSettings?: CommandSettings;

  private settings(tree: Tree): CommandSettings {
    this.cachedSettings ??= resolveSettings(tree.root, this.projectGraphNode.data.root, process.env);
    return this.cachedSettings;
  }

  private chartName(tree: Tree): string {
    const metadata = this.projectGraphNode.data.metadata?.[METADATA_KEY] as ChartProjectMetadata | undefined;
    if (metadata?.chartName) return metadata.chartName;
    const file = posix.join(this.projectGraphNode.data.root, 'Chart.yaml');
    const text = tree.read(file, 'utf-8');
    return (text !== null ? readTopLevelField(text, 'name', file) : undefined) ?? this.projectGraphNode.name;
  }

  private dependencyFile(tree: Tree): string {
    const root = this.projectGraphNode.data.root;
    return dependencyFileOf(root, tree.read(posix.join(root, 'requirements.yaml'), 'utf-8') ?? undefined);
  }
}

/** A project of the graph that is a Helm chart, or undefined. */
function releasedChart(projectGraph: ProjectGraph, project: string): ReleasedChart | undefined {
  const node = projectGraph.nodes[project];
  const metadata = node?.data.metadata?.[METADATA_KEY] as ChartProjectMetadata | undefined;
  return node && metadata?.chartName ? { project, root: node.data.root, chartName: metadata.chartName } : undefined;
}
