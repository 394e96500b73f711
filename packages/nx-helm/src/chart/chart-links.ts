import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { workspaceDataDirectory } from '../config/workspace-data';
import { FileCache } from '../utils/file-cache';
import { isPathInside } from '../utils/path-inside';
import type { ChartProblem } from './chart-problem';

/**
 * Chart.yaml paths (workspace-relative) of charts behind symbolic links that Nx leaves out of its file list, so that
 * they become projects whose lint says what is wrong instead of being skipped without a word: a Chart.yaml that is a
 * link to nothing, and a link to a chart folder outside the workspace (Nx does not follow links to folders; a link to
 * a folder inside the workspace is left out, as its target is a project already). Links are found among the files
 * git tracks; outside a git repository there are none.
 */
export function unlistedChartLinks(workspaceRoot: string): string[] {
  const found: string[] = [];
  for (const path of trackedLinks(workspaceRoot)) {
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
 * The symbolic links git tracks below the workspace root. Listing them costs a git process that reads the whole index
 * (tens of milliseconds in a large repository, on every graph computation), so the list is kept in Nx's workspace
 * data folder for as long as the index file is unchanged; where the targets point is checked on every call.
 */
function trackedLinks(workspaceRoot: string): string[] {
  let index: Stats;
  try {
    index = statSync(join(workspaceRoot, '.git', 'index'));
  } catch {
    // No index at the root (a workspace below the repository's root, a worktree, no git): ask git each time.
    return listTrackedLinks(workspaceRoot);
  }
  const cache = new FileCache<string[]>(join(workspaceDataDirectory(workspaceRoot), 'nx-helm-links.json'));
  const links = cache.get(`${index.mtimeMs}:${index.size}:${index.ino}`, () => listTrackedLinks(workspaceRoot));
  cache.save();
  return links;
}

function listTrackedLinks(workspaceRoot: string): string[] {
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
  // "<mode> <object> <stage>\t<path>"; 120000 is a symbolic link.
  return listing
    .split('\0')
    .filter((entry) => entry.startsWith('120000 '))
    .map((entry) => entry.slice(entry.indexOf('\t') + 1));
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

/**
 * What keeps a symbolic link from being read, or undefined for anything else: its target does not exist (or is a link
 * to nothing), or the links loop, each leading to the next and the last back to the first, so that no file is reached.
 */
export function unreadableLinkProblem(file: string, displayPath: string, fix: string): ChartProblem | undefined {
  if (!isLink(file)) return undefined;
  let code: string | undefined;
  try {
    statSync(file);
    return undefined;
  } catch (error) {
    code = (error as NodeJS.ErrnoException).code;
  }
  const target = readlinkSync(file);
  if (code === 'ELOOP') {
    const itself = resolve(dirname(file), target) === resolve(file);
    return {
      file: displayPath,
      message: itself
        ? `is a symbolic link to itself (${target}): it loops, and never leads to a file`
        : `is a symbolic link to ${target}, and the links from there loop (or go more than 40 deep): it never leads to a file`,
      fix,
    };
  }
  return {
    file: displayPath,
    message: `is a symbolic link to ${target}, which ${isLink(resolve(dirname(file), target)) ? 'is a link to nothing' : 'does not exist'}`,
    fix,
  };
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function isInside(root: string, path: string): boolean {
  try {
    return isPathInside(realpathSync(path), realpathSync(root));
  } catch {
    return false;
  }
}
