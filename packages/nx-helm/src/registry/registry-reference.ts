import { hasUrlCredentials, redactUrlCredentials } from '../config/option-checks';
import { NxHelmError } from '../utils/nx-helm-error';

/** An OCI registry location charts are pushed to: `oci://<host>[/<path>]`. */
export interface RegistryLocation {
  /** As configured, without a trailing slash: `oci://ghcr.io/acme/charts`. */
  url: string;
  /** Host and port: what `helm registry login` takes. */
  host: string;
  /** Repository path under the host, without slashes at either end; may be empty. */
  path: string;
}

export interface ChartReference {
  registry: RegistryLocation;
  /** `oci://host/path/<chart>`: what `helm pull` takes (with `--version`). */
  repository: string;
  /** The OCI tag: the chart version with `+` replaced by `_`, as helm does (tags cannot contain `+`). */
  tag: string;
  /** `oci://host/path/<chart>:<tag>`. */
  reference: string;
}

export function parseRegistryLocation(value: string, origin: string): RegistryLocation {
  if (hasUrlCredentials(value.trim())) {
    throw new NxHelmError(
      `The registry ${redactUrlCredentials(value.trim())} (from ${origin}) holds credentials in its URL. Remove them, and give them as ` +
        'names of environment variables in the nx-helm "registries" option (usernameEnv, passwordEnv) for its host.',
    );
  }
  const match = /^oci:\/\/([^/\s]+)(\/[^\s]*)?$/.exec(value.trim());
  if (!match) {
    throw new NxHelmError(
      `The registry ${JSON.stringify(value)} (from ${origin}) is not an OCI registry reference. ` +
        'Use the form oci://<host>[/<path>], e.g. oci://ghcr.io/acme/charts.',
    );
  }
  const path = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (path !== path.toLowerCase()) {
    throw new NxHelmError(
      `The registry ${value} (from ${origin}) has upper case letters in its path; OCI registries reject them ` +
        '("name invalid"). Use lower case.',
    );
  }
  const host = match[1];
  return { url: `oci://${host}${path ? `/${path}` : ''}`, host, path };
}

export function chartReference(registry: RegistryLocation, chartName: string, version: string): ChartReference {
  const repository = `${registry.url}/${chartName}`;
  const tag = version.replace(/\+/g, '_');
  return { registry, repository, tag, reference: `${repository}:${tag}` };
}

/** The repository path under the host, as the distribution API names it: `oci://host/a/b/chart` -> `a/b/chart`. */
export function repositoryPath(reference: ChartReference): string {
  return reference.repository.replace(/^oci:\/\/[^/]+\//, '');
}

/** The repository of a chart reference: `oci://host/path/chart:tag` -> `oci://host/path/chart`. */
export function repositoryOf(reference: string): string {
  return reference.replace(/:[^:/]+$/, '');
}
