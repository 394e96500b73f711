/**
 * Where a chart dependency comes from, decided from its `repository` field alone.
 * Whether a dependency is a chart of this workspace is decided later, with the workspace in view
 * (see workspace-dependencies.ts).
 */
export type DependencySource =
  /** `file://<path>`: a chart folder on disk; `path` is as written, relative to the dependent chart. */
  | { kind: 'local-file'; path: string }
  /** `oci://host/path`: an OCI registry; helm appends the dependency name. */
  | { kind: 'oci'; url: string }
  /** `https://…`: a classic chart repository with an index.yaml. */
  | { kind: 'http'; url: string }
  /** `@name` or `alias:name`: a repository added with `helm repo add`. */
  | { kind: 'repo-alias'; alias: string }
  /** No repository: the subchart is vendored in the chart's own `charts/` folder. */
  | { kind: 'vendored' };

export function classifyRepository(repository: string | undefined): DependencySource {
  const value = repository?.trim() ?? '';
  if (value === '') {
    return { kind: 'vendored' };
  }
  if (value.startsWith('file://')) {
    return { kind: 'local-file', path: value.slice('file://'.length) };
  }
  if (value.startsWith('oci://')) {
    return { kind: 'oci', url: value };
  }
  if (/^https?:\/\//i.test(value)) {
    return { kind: 'http', url: value };
  }
  if (value.startsWith('@')) {
    return { kind: 'repo-alias', alias: value.slice(1) };
  }
  if (value.startsWith('alias:')) {
    return { kind: 'repo-alias', alias: value.slice('alias:'.length) };
  }
  // Helm treats anything else as a repository URL it cannot resolve; keep it as-is so the error can name it.
  return { kind: 'http', url: value };
}

/**
 * Canonical form of a repository URL for comparisons: no trailing slash, lower-case scheme and host.
 * `oci://GHCR.io/org/charts/` and `oci://ghcr.io/org/charts` are the same repository.
 */
export function normalizeRepositoryUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(trimmed);
  if (!match) {
    return trimmed;
  }
  return `${match[1].toLowerCase()}${match[2].toLowerCase()}${match[3]}`;
}
