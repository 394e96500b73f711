import { relative } from 'node:path';
import { NxHelmError } from './nx-helm-error';
import { isPathInside } from './path-inside';

/**
 * A command's output folder is emptied of that command's files: it must not be the workspace or hold the chart's
 * sources, nor lie inside them. `what` names the option in the message (`web:package-chart`).
 */
export function assertOwnOutputFolder(outputDir: string, chartFolder: string, root: string, what: string): void {
  if (isPathInside(root, outputDir) || isPathInside(chartFolder, outputDir) || isPathInside(outputDir, chartFolder)) {
    throw new NxHelmError(
      `The outputPath of ${what} is ${relative(root, outputDir) || '.'}, which contains or lies inside ` +
        "the workspace root or the chart's sources. Use a folder of its own, e.g. dist/<project root>.",
    );
  }
}
