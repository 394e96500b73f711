import { NxHelmError } from '../utils/nx-helm-error';

/**
 * The minor version of a Kubernetes 1.x version as users write it: `1.31`, `1.31.0`, `v1.31` or a provider's build
 * such as `v1.31.2-gke.1200`. Which APIs a cluster serves changes with the minor version only.
 */
export function kubernetesMinor(version: string): number {
  const match = /^v?1\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(version.trim());
  if (!match) {
    throw new NxHelmError(
      `Kubernetes version "${version}" is not a Kubernetes 1.x version: give it as 1.31, 1.31.0 or v1.31 (the version of the cluster the chart is for).`,
    );
  }
  return Number(match[1]);
}

/** How messages name a Kubernetes minor version: `1.22`. */
export function minorName(minor: number): string {
  return `1.${minor}`;
}
