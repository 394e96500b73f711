import { relative, resolve } from 'node:path';
import { NxHelmError } from './nx-helm-error';
import { isPathInside } from './path-inside';

/**
 * A command's output folder: its outputPath (`{projectRoot}` replaced by the chart's root) resolved against the
 * workspace, `..` and all. The folder is emptied of that command's files, so it must not be the workspace or hold the
 * chart's sources, nor lie inside them. `what` names the option in the message (`web:package-chart`).
 */
export function ownOutputFolder(
  outputPath: string,
  chart: { workspaceRoot: string; chartRoot: string; chartFolder: string },
  what: string,
): string {
  const { workspaceRoot: root, chartFolder } = chart;
  const outputDir = resolve(root, outputPath.replace('{projectRoot}', chart.chartRoot));
  if (isPathInside(root, outputDir) || isPathInside(chartFolder, outputDir) || isPathInside(outputDir, chartFolder)) {
    throw new NxHelmError(
      `The outputPath of ${what} is ${relative(root, outputDir) || '.'}, which contains or lies inside ` +
        "the workspace root or the chart's sources. Use a folder of its own, e.g. dist/<project root>.",
    );
  }
  return outputDir;
}
