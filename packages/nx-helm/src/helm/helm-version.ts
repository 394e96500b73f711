/** OCI support (push, pull, registry login) became generally available in Helm 3.8.0. */
export const MINIMUM_HELM_VERSION = '3.8.0';

/** Reads the version from `helm version --template '{{.Version}}'` output ("v4.1.4") or `--short` ("v3.17.3+ge4da497"). */
export function parseHelmVersion(output: string): string | undefined {
  const match = /v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)/.exec(output);
  return match ? match[1] : undefined;
}

/** Whether helm's major.minor.patch reaches the minimum (a pre-release of the minimum counts, as helm's own checks do). */
export function isSupportedHelmVersion(version: string): boolean {
  const numbers = (text: string) => text.split(/[.-]/).slice(0, 3).map(Number);
  const [actual, minimum] = [numbers(version), numbers(MINIMUM_HELM_VERSION)];
  for (let index = 0; index < 3; index++) {
    if (actual[index] !== minimum[index]) return actual[index] > minimum[index];
  }
  return true;
}
