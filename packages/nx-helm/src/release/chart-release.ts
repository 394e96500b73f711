import { posix } from 'node:path';
import { classifyRepository, normalizeRepositoryUrl } from '../chart/dependency-source';
import { resolveLocalDependencyRoot } from '../chart/workspace-dependencies';
import { readDependencyEntries, setDependencyVersion, type DependencyEntry } from './chart-yaml-edit';
import { updatedConstraint } from './dependency-constraint';

/** A chart project as `nx release` sees it: its project name, folder and chart name. */
export interface ReleasedChart {
  project: string;
  root: string;
  chartName: string;
}

/**
 * The entries of a dependent's dependency list that stand for `target`, a chart of this workspace: a `file://` path to
 * its folder, or its chart name fetched from a repository the workspace publishes to. The version constraint does
 * not matter here (the project graph already decided the dependency is on the local chart, and a release is about to
 * change that version).
 */
export function entriesFor(
  entries: DependencyEntry[],
  dependentRoot: string,
  target: ReleasedChart,
  publishRepositories: readonly string[],
  workspaceRoot: string,
): DependencyEntry[] {
  const published = new Set(publishRepositories.map(normalizeRepositoryUrl));
  return entries.filter((entry) => {
    if (!entry.repository) return false;
    const source = classifyRepository(entry.repository);
    if (source.kind === 'local-file') {
      return resolveLocalDependencyRoot(dependentRoot, source.path, workspaceRoot) === target.root;
    }
    return (
      (source.kind === 'oci' || source.kind === 'http') &&
      published.has(normalizeRepositoryUrl(source.url)) &&
      entry.name === target.chartName
    );
  });
}

export interface DependencyUpdateResult {
  text: string;
  /** One line per entry changed or kept, for the release log. */
  log: string[];
}

/**
 * Rewrites the constraints of a dependent's entries on released workspace charts (see updatedConstraint): exact pins
 * follow the new version, ranges only when they no longer accept it. `file` is the dependency file's path for
 * messages (Chart.yaml, or requirements.yaml for apiVersion v1 charts).
 */
export function updateDependencyConstraints(
  text: string,
  file: string,
  dependentRoot: string,
  released: Array<{ chart: ReleasedChart; newVersion: string }>,
  publishRepositories: readonly string[],
  workspaceRoot: string,
): DependencyUpdateResult {
  const entries = readDependencyEntries(text, file);
  const log: string[] = [];
  let updated = text;
  for (const { chart, newVersion } of released) {
    for (const entry of entriesFor(entries, dependentRoot, chart, publishRepositories, workspaceRoot)) {
      const label = `${entry.alias ? `${entry.alias} (${entry.name})` : entry.name}`;
      const change = updatedConstraint(entry.version, newVersion);
      if (!change) {
        log.push(`✅ Kept the constraint ${JSON.stringify(entry.version ?? '')} on ${label} in ${file}: it accepts ${newVersion}`);
        continue;
      }
      updated = setDependencyVersion(updated, entry.index, change.constraint, file);
      const reason =
        change.how === 'pinned'
          ? 'pinned version'
          : change.how === 'range-rewritten'
            ? `range no longer accepting ${newVersion}`
            : `range that could not be moved to ${newVersion}, replaced by the version`;
      log.push(`✍️  Updated ${label} in ${file} from ${JSON.stringify(entry.version)} to ${JSON.stringify(change.constraint)} (${reason})`);
    }
  }
  return { text: updated, log };
}

/**
 * The file that holds a chart's dependency list, as helm's loader decides: requirements.yaml when it has a
 * `dependencies` key (whatever the apiVersion), else Chart.yaml.
 */
export function dependencyFileOf(chartRoot: string, requirementsText: string | undefined): string {
  const usesRequirements = requirementsText !== undefined && /^dependencies\s*:/m.test(requirementsText);
  return posix.join(chartRoot, usesRequirements ? 'requirements.yaml' : 'Chart.yaml');
}
