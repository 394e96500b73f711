import gt from 'semver/functions/gt';
import valid from 'semver/functions/valid';
import { runProcess } from '../utils/process';
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
  const git = (args: string[]) => runProcess('git', args, { cwd: request.workspaceRoot, env: { ...process.env, LC_ALL: 'C' } });
  const { base, chartRoot } = request;
  const resolved = await git(['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (resolved.failed) {
    const shallow = (await git(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
    throw new NxHelmError(
      shallow
        ? `The base commit ${base} is not in this clone: it is a shallow clone, so the history needed to compare chart versions is missing. ` +
            'Fetch the history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`) and run again.'
        : `The base ${base}${request.baseOrigin ? ` (from ${request.baseOrigin})` : ''} is not a commit of this repository. Fetch it (e.g. \`git fetch origin main\`) or set NX_BASE / --base to an existing commit.`,
    );
  }
  const mergeBase = await git(['merge-base', base, 'HEAD']);
  const compareWith = mergeBase.failed ? base : mergeBase.stdout.trim();
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
