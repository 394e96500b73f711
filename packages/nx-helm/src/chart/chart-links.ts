import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { ChartProblem } from './chart-problem';

/**
 * Chart.yaml paths (workspace-relative) of charts behind symbolic links that Nx leaves out of its file list, so that
 * they become projects whose lint says what is wrong instead of being skipped without a word: a Chart.yaml that is a
 * link to nothing, and a link to a chart folder outside the workspace (Nx does not follow links to folders; a link to
 * a folder inside the workspace is left out, as its target is a project already). Links are found among the files
 * git tracks, with one `git ls-files`; outside a git repository there are none.
 */
export function unlistedChartLinks(workspaceRoot: string): string[] {
  let listing: string;
  try {
    listing = execFileSync('git', ['ls-files', '--stage', '-z'], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of listing.split('\0')) {
    // "<mode> <object> <stage>\t<path>"; 120000 is a symbolic link.
    if (!entry.startsWith('120000 ')) continue;
    const path = entry.slice(entry.indexOf('\t') + 1);
    const absolute = join(workspaceRoot, path);
    if (/(^|\/)Chart\.yaml$/.test(path)) {
      if (!existsSync(absolute)) found.push(path);
    } else if (existsSync(join(absolute, 'Chart.yaml')) && !isInside(workspaceRoot, absolute)) {
      found.push(`${path}/Chart.yaml`);
    }
  }
  return found;
}

/**
 * What is wrong with a chart reached through a link, or undefined: the chart folder itself is a link (`chartDir`
 * other than the workspace root), or Chart.yaml is a link whose target does not exist.
 */
export function chartLinkProblem(chartFile: string, displayPath: string, workspaceRoot?: string): ChartProblem | undefined {
  const chartDir = dirname(chartFile);
  const displayDir = dirname(displayPath);
  if (displayDir !== '.' && (workspaceRoot === undefined || relative(workspaceRoot, chartDir) !== '') && isLink(chartDir)) {
    const target = readlinkSync(chartDir);
    const outside = workspaceRoot !== undefined && !isInside(workspaceRoot, chartDir);
    return {
      file: displayDir,
      message:
        `is a symbolic link to ${target}${outside ? ', a folder outside the workspace' : ''}. Nx does not look into linked folders, ` +
        'so the chart there is not built, cached or published from this path',
      fix: outside
        ? 'Move the chart into the workspace (or replace the link with a copy of the chart), or remove the link.'
        : `Use the chart at its own path (${relative(workspaceRoot ?? '.', realpathSync(chartDir)) || '.'}), or remove the link.`,
    };
  }
  if (isLink(chartFile) && !existsSync(chartFile)) {
    return {
      file: displayPath,
      message: `is a symbolic link to ${readlinkSync(chartFile)}, which does not exist`,
      fix: 'Point the link at an existing Chart.yaml (or replace it with the file), or remove the chart folder.',
    };
  }
  return undefined;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function isInside(root: string, path: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  const from = relative(realpathSync(root), real);
  return from === '' || (!from.startsWith('..') && !isAbsolute(from));
}
