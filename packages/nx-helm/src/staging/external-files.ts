import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { LocalChartTree } from '../chart/local-chart-tree';
import { NxHelmError } from '../utils/nx-helm-error';
import { readHelmignore, type HelmignoreRules } from './helmignore';
import { isPathInside } from '../utils/path-inside';
import { checkRegularFile } from '../utils/regular-file';

const FIX =
  'Fix: copy the file into the chart (or the chart into the workspace), or set the nx-helm option allowExternalFiles: true ' +
  "(then lint-chart and package-chart are not cached, as Nx cannot see those files' changes).";

/**
 * Refuses a chart with a file helm would read forever (a device, a pipe; see checkRegularFile), and, unless
 * `allowExternalFiles`, a package that would read files Nx does not hash as its inputs: a symbolic link in a chart whose target is
 * outside that chart (helm follows it: `/etc/passwd` would be packaged), and, in an Nx workspace, a chart of the build
 * (a `file://` dependency) outside the workspace. Either would also leave the cache stale when that file changes.
 * Without nx.json (the command run on a plain folder) nothing is cached, and a `file://` sibling of the chart's folder
 * is fine. A dangling link is left to helm, which reports it.
 */
export function checkChartFiles(tree: LocalChartTree, workspaceRoot: string, allowExternalFiles = false): void {
  const workspace = realpathSync(workspaceRoot);
  const cachedByNx = existsSync(join(workspaceRoot, 'nx.json'));
  for (const chart of tree.buildOrder) {
    const chartDir = realpathSync(chart.dir);
    if (!allowExternalFiles && cachedByNx && !isPathInside(chartDir, workspace)) {
      throw new NxHelmError(
        `The chart "${chart.chart.name}" at ${chart.dir} is built into ${tree.root.relativeDir} (a file:// dependency) but lies outside the ` +
          `workspace ${workspaceRoot}. ${FIX}`,
        { file: `${tree.root.relativeDir}/Chart.yaml` },
      );
    }
    const rules = readHelmignore(chart.dir, chart.relativeDir);
    walkChartFiles(chart.dir, '', chartDir, rules, workspaceRoot, (link, target) => {
      if (allowExternalFiles) return;
      const shown = shownPath(workspaceRoot, link);
      throw new NxHelmError(
        `${shown} is a symbolic link to ${target}, outside the chart "${chart.chart.name}" (${shownPath(workspaceRoot, chart.dir) || '.'}): ` +
          `helm would package that file. ${FIX}`,
        { file: shown },
      );
    });
  }
}

/**
 * Walks the files helm would package (those its .helmignore rules keep), reporting links that lead outside and
 * refusing devices, pipes and sockets (checkRegularFile), which helm and nx-helm's copy would read forever.
 */
function walkChartFiles(
  dir: string,
  relativeDir: string,
  chartDir: string,
  rules: HelmignoreRules,
  workspaceRoot: string,
  found: (link: string, target: string) => void,
): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    const relativePath = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!rules.ignores(relativePath, true)) walkChartFiles(path, relativePath, chartDir, rules, workspaceRoot, found);
    } else if (!entry.isSymbolicLink() && !entry.isFile()) {
      if (!rules.ignores(relativePath, false)) checkRegularFile(path, shownPath(workspaceRoot, path));
    } else if (entry.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(path);
      } catch {
        continue; // dangling
      }
      if (rules.ignores(relativePath, statSync(target).isDirectory())) continue;
      checkRegularFile(path, shownPath(workspaceRoot, path));
      if (!isPathInside(target, chartDir)) found(path, target);
    }
  }
}

/** A path as messages show it: relative to the workspace, with forward slashes. */
function shownPath(workspaceRoot: string, path: string): string {
  return relative(workspaceRoot, path).split(sep).join('/');
}
