import { withSmallVersionNumbers } from '../chart/version-numbers';
import { OciClient } from '../registry/oci/oci-client';
import { hostConnection, type RegistriesOptions } from '../registry/registry-options';
import { chartReference, repositoryPath, type RegistryLocation } from '../registry/registry-reference';
import { semverCompareBuild } from '../utils/lazy-modules';

export interface HighestPublishedVersion {
  /** The highest SemVer version among the repository's tags; undefined when it has none. */
  version?: string;
  /** `host/path/chart`, for messages. */
  repository: string;
  /** How many tags were SemVer versions. */
  versions: number;
}

/**
 * The highest version of a chart in the registry it is published to: its OCI repository's tags read back as versions
 * (helm writes `+` as `_` in tags), the others ignored. Releases (no prerelease part) win over prereleases, so a
 * `2.0.0-rc.1` pushed for testing does not become the base of the next `1.x` release.
 */
export async function highestPublishedVersion(
  location: RegistryLocation,
  chartName: string,
  registries: RegistriesOptions | undefined,
  workspaceRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HighestPublishedVersion> {
  const client = new OciClient({ host: location.host, connection: hostConnection(location.host, registries, {}, workspaceRoot), env });
  const path = repositoryPath(chartReference(location, chartName, '0.0.0'));
  const tags = await client.listTags(path);
  // A version with a number above what helm reads cannot have been pushed by helm.
  const versions = tags
    .map((tag) => tag.replace(/_/g, '+'))
    .filter((tag) => SEMVER.test(tag) && withSmallVersionNumbers([tag]) !== undefined);
  const compare = semverCompareBuild();
  const comparable = withSmallVersionNumbers(versions)!;
  const sorted = versions
    .map((version, index) => ({ version, comparable: comparable[index] }))
    .sort((a, b) => compare(a.comparable, b.comparable))
    .map(({ version }) => version);
  const releases = sorted.filter((version) => !version.replace(/\+.*$/, '').includes('-'));
  return {
    version: (releases.length > 0 ? releases : sorted).at(-1),
    repository: `${location.host}/${path}`,
    versions: versions.length,
  };
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
