import type { ReleaseConfig } from '../config/nx-json-settings';

/** Nx's default for independently released projects, which nx-helm's init --release also writes. */
export const DEFAULT_RELEASE_TAG_PATTERN = '{projectName}-v{version}';

/**
 * The git tag `nx release` gives `project` at `version`: the pattern of the release group that names the project (or
 * matches it by glob, `*` or a `tag:helm` selector), else the workspace's, else `{projectName}-v{version}`.
 */
export function releaseTagOf(release: ReleaseConfig | undefined, project: string, version: string): string {
  const group = Object.entries(release?.groups ?? {}).find(([, config]) => {
    const projects = typeof config.projects === 'string' ? [config.projects] : (config.projects ?? []);
    // Every chart project carries the tags `helm` and `helm:<type>`, which init --release selects its group by.
    return projects.some(
      (pattern) => pattern === project || pattern === '*' || /^tag:helm(:|$)/.test(pattern) || globMatches(pattern, project),
    );
  });
  const pattern =
    group?.[1].releaseTag?.pattern ?? group?.[1].releaseTagPattern ?? release?.releaseTag?.pattern ?? release?.releaseTagPattern;
  return (pattern ?? DEFAULT_RELEASE_TAG_PATTERN)
    .replace(/\{projectName\}/g, project)
    .replace(/\{version\}/g, version)
    .replace(/\{releaseGroupName\}/g, group?.[0] ?? '');
}

function globMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return false;
  const expression = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return expression.test(name);
}
