import { readFileSync } from 'node:fs';
import { parseChart, type ChartParseResult } from './chart-model';
import { parseChartInWorkspace } from './chart-model-cache';

/**
 * Reads and validates a Chart.yaml from disk. `displayPath` is the path used in messages (workspace-relative).
 * A missing or unreadable file is reported as a problem, not thrown. With the workspace root (and `displayPath`
 * relative to it), a chart the project graph has parsed comes from its cache.
 */
export function readChartFile(chartFile: string, displayPath: string = chartFile, workspaceRoot?: string): ChartParseResult {
  let text: string;
  try {
    text = readFileSync(chartFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      problems: [
        {
          file: displayPath,
          message: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`,
          fix: 'Make sure the chart folder contains a readable Chart.yaml.',
        },
      ],
    };
  }
  return workspaceRoot === undefined ? parseChart(text, displayPath) : parseChartInWorkspace(text, displayPath, workspaceRoot);
}
