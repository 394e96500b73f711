import { coerce, lt } from 'semver';

/** OCI support (push, pull, registry login) became generally available in Helm 3.8.0. */
export const MINIMUM_HELM_VERSION = '3.8.0';

/** Reads the version from `helm version --template '{{.Version}}'` output ("v4.1.4") or `--short` ("v3.17.3+ge4da497"). */
export function parseHelmVersion(output: string): string | undefined {
  const match = /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output);
  return match ? match[1] : undefined;
}

export function isSupportedHelmVersion(version: string): boolean {
  const parsed = coerce(version);
  return parsed !== null && !lt(parsed, MINIMUM_HELM_VERSION);
}
