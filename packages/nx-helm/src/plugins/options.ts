import { NxHelmError } from '../utils/nx-helm-error';

/** Options of the nx-helm plugin entry in nx.json. */
export interface NxHelmPluginOptions {
  /** Name of the inferred lint target. Default `lint-chart`. */
  lintTargetName?: string;
  /** Name of the inferred package target. Default `package-chart`. */
  packageTargetName?: string;
  /** Prefix for project names: `{prefix}{chart name}`. Default none. */
  projectNamePrefix?: string;
  /** The OCI registry the workspace publishes to, e.g. `oci://ghcr.io/acme/charts`. */
  registry?: string;
  /**
   * Other repository URLs that hold this workspace's published charts (e.g. a former `https://acme.github.io/charts`).
   * A dependency fetched from one of them, or from `registry`, is linked to the local chart of that name.
   */
  workspaceRepositories?: string[];
  /** Path to the helm binary (relative to the workspace root). Default: HELM_BIN, then helm on PATH. */
  helmPath?: string;
  /** Folder under which packages are written, one sub-folder per project root. Default `dist/charts`. */
  outputPath?: string;
  /** Name of the target group shown by `nx show project`. Default `Helm`. */
  targetGroupName?: string;
}

export type NormalizedPluginOptions = Required<Omit<NxHelmPluginOptions, 'registry' | 'helmPath'>> &
  Pick<NxHelmPluginOptions, 'registry' | 'helmPath'>;

export function normalizePluginOptions(options: NxHelmPluginOptions | undefined): NormalizedPluginOptions {
  const normalized: NormalizedPluginOptions = {
    lintTargetName: options?.lintTargetName ?? 'lint-chart',
    packageTargetName: options?.packageTargetName ?? 'package-chart',
    projectNamePrefix: options?.projectNamePrefix ?? '',
    registry: options?.registry,
    workspaceRepositories: options?.workspaceRepositories ?? [],
    helmPath: options?.helmPath,
    outputPath: (options?.outputPath ?? 'dist/charts').replace(/\/+$/, ''),
    targetGroupName: options?.targetGroupName ?? 'Helm',
  };
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
  if (normalized.lintTargetName === normalized.packageTargetName) {
    throw new NxHelmError(
      `The nx-helm plugin options "lintTargetName" and "packageTargetName" in nx.json are both "${normalized.lintTargetName}". Give the targets different names.`,
    );
  }
  return normalized;
}

/** Repositories whose charts are this workspace's own: a dependency on one of them is an edge to the local chart. */
export function publishRepositories(options: NormalizedPluginOptions): string[] {
  return [...(options.registry ? [options.registry] : []), ...options.workspaceRepositories];
}
