import { hasUrlCredentials, redactUrlCredentials } from '../config/option-checks';
import { OCI_NAME_COMPONENT } from './oci-name';

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

/** What is wrong with an `oci://` repository of a dependency, as a ChartProblem's message and fix. */
export interface OciRepositoryProblem {
  message: string;
  fix: string;
}

/** A registry host as OCI references name it: a DNS name or an IPv4 or bracketed IPv6 address, with an optional port. */
const REGISTRY_HOST = /^(?:[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * Why helm cannot download a dependency from this `oci://` repository, or undefined when it can. Helm appends
 * `/<name>` to the repository and the version it picks as the tag, and reads the result as an OCI reference
 * (`<host>[:<port>]/<path>`): a repository without a host, with a malformed host or path (upper case, spaces, an empty
 * part from a doubled or trailing `/`), or with a tag or digest of its own, fails there with a message that names
 * neither the Chart.yaml nor the fix.
 */
export function ociRepositoryProblem(url: string, dependencyName: string): OciRepositoryProblem | undefined {
  const shown = JSON.stringify(redactUrlCredentials(url));
  const subject = `has the dependency "${dependencyName}" in the repository ${shown}`;
  const rest = url.replace(/^oci:\/\//, '');
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  const fix =
    `Write the repository as oci://<host>[:<port>][/<path>] (the path in lower case, without a trailing slash), e.g. ` +
    `oci://ghcr.io/acme/charts: helm adds "/${dependencyName}" and the version from \`version:\`.`;
  if (hasUrlCredentials(url)) {
    return {
      message: `${subject}, which holds credentials`,
      fix: 'Remove them from the URL, and give them as names of environment variables in the nx-helm "registries" option (usernameEnv, passwordEnv) for its host.',
    };
  }
  if (host === '') {
    return { message: `${subject}, which names no registry host`, fix };
  }
  const digest = path.indexOf('@');
  const tag = path.indexOf(':');
  if (digest >= 0 || tag >= 0) {
    const suffix = path.slice(digest >= 0 ? digest : tag);
    const repository = withoutChartName(`oci://${host}/${path.slice(0, digest >= 0 ? digest : tag)}`, dependencyName);
    if (digest >= 0) {
      return {
        message: `${subject}, which contains the digest "${suffix}": an oci:// repository names where charts are, not one of them`,
        fix: `Set \`repository: ${repository}\`, and pin the digest with the annotation \`nx-helm/digest.${dependencyName}: ${suffix.slice(1)}\`.`,
      };
    }
    return {
      message:
        `${subject}, which contains the tag "${suffix}": an oci:// repository must not contain a tag, ` +
        `as helm adds the chart name ("/${dependencyName}") and the tag from \`version:\` itself`,
      fix: `Put the version in \`version: ${suffix.slice(1).replace(/_/g, '+')}\` and set \`repository: ${repository}\`.`,
    };
  }
  const reasons = [
    ...(REGISTRY_HOST.test(host) ? [] : [`its host "${host}" is not a host name or address with an optional :port`]),
    ...(path === '' ? [] : pathProblems(path)),
  ];
  return reasons.length > 0
    ? { message: `${subject}, which helm cannot read as an OCI repository: ${reasons.join('; ')}`, fix }
    : undefined;
}

function pathProblems(path: string): string[] {
  const parts = path.split('/');
  const problems: string[] = [];
  if (parts.some((part) => part === '')) problems.push(`its path "${path}" has an empty part (a doubled or trailing "/")`);
  const invalid = parts.filter((part) => part !== '' && !OCI_NAME_COMPONENT.test(part));
  if (invalid.length > 0) {
    problems.push(
      `${invalid.map((part) => JSON.stringify(part)).join(', ')} ${invalid.length > 1 ? 'are' : 'is'} not lower-case letters and digits ` +
        'joined by ".", "_", "__" or dashes',
    );
  }
  return problems;
}

/** The repository a chart reference was written for: `oci://host/charts/redis` for the dependency "redis" is `oci://host/charts`. */
function withoutChartName(repository: string, dependencyName: string): string {
  const trimmed = repository.replace(/\/+$/, '');
  const chart = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return chart === dependencyName && trimmed.indexOf('/', 'oci://'.length) > 0 ? trimmed.slice(0, trimmed.lastIndexOf('/')) : trimmed;
}
