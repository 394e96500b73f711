import gt from 'semver/functions/gt';
import valid from 'semver/functions/valid';
import { runGit } from '../utils/git';
import { mergeBaseCommit } from './base-commit';
import { NxHelmError } from '../utils/nx-helm-error';
import { parseChart } from './chart-model';
import { withSmallVersionNumbers } from './version-numbers';

export interface VersionCheckResult {
  status: 'unchanged' | 'new-chart' | 'bumped';
  chart: string;
  base: string;
  changedFiles: string[];
  oldVersion?: string;
  newVersion: string;
}

/**
 * chart-testing's version-increment rule: a chart whose files (or whose local `file://` dependencies' files) changed
 * since the base commit must have a greater version than it had there. `chartRoot` and `dependencyRoots` are
 * workspace-relative; `base` is a commit-ish (NX_BASE as nrwl/nx-set-shas sets it, or a branch).
 */
export async function checkVersionIncrement(request: {
  workspaceRoot: string;
  base: string;
  /** Where the base came from (`--base`, NX_BASE, nx.json), for messages. */
  baseOrigin?: string;
  chartName: string;
  chartRoot: string;
  dependencyRoots: string[];
  currentVersion: string;
}): Promise<VersionCheckResult> {
  const git = (args: string[]) => runGit(args, request.workspaceRoot);
  const { base, chartRoot } = request;
  const compareWith = await mergeBaseCommit(request.workspaceRoot, base, request.baseOrigin);
  const roots = [chartRoot, ...request.dependencyRoots];
  const diff = await git(['diff', '--name-only', compareWith, '--', ...roots]);
  if (diff.failed) {
    throw new NxHelmError(`git diff against ${base} failed: ${diff.stderr.trim()}`);
  }
  const changedFiles = diff.stdout.split('\n').filter(Boolean);
  const result = { chart: request.chartName, base, changedFiles, newVersion: request.currentVersion };
  if (changedFiles.length === 0) {
    return { ...result, status: 'unchanged' };
  }
  const chartFile = chartRoot === '.' ? 'Chart.yaml' : `${chartRoot}/Chart.yaml`;
  const old = await git(['show', `${compareWith}:${chartFile}`]);
  if (old.failed) {
    return { ...result, status: 'new-chart' };
  }
  const oldVersion = parseChart(old.stdout, `${chartFile} at ${base}`).chart?.version;
  const [current, previous] = (oldVersion && withSmallVersionNumbers([request.currentVersion, oldVersion])) || [];
  if (previous && valid(previous) && !gt(current, previous)) {
    const shown = changedFiles.slice(0, 5).join(', ') + (changedFiles.length > 5 ? `, and ${changedFiles.length - 5} more` : '');
    throw new NxHelmError(
      `Chart "${request.chartName}" (${chartRoot}) changed since ${base} (${shown}), but its version ${request.currentVersion} ` +
        `is not greater than ${oldVersion} there. Bump \`version\` in ${chartFile} (e.g. to a new patch version), ` +
        'so the changed chart is not refused as "already published with other content".',
    );
  }
  return { ...result, status: 'bumped', oldVersion };
}
