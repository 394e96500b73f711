import { existsSync, readFileSync } from 'node:fs';
import { parseChart, REQUIREMENTS_FILE, type ChartParseResult, type ChartRequirements } from './chart-model';
import { parseChartInWorkspace } from './chart-model-cache';
import { chartLinkProblem } from './chart-links';
import type { ChartProblem } from './chart-problem';

/**
 * Reads and validates a Chart.yaml from disk, with the requirements.yaml beside it if any (see parseChart).
 * `displayPath` is the path used in messages (workspace-relative). A missing or unreadable file is reported as a
 * problem, not thrown. With the workspace root (and `displayPath` relative to it), a chart the project graph has parsed
 * comes from its cache.
 */
export function readChartFile(chartFile: string, displayPath: string = chartFile, workspaceRoot?: string): ChartParseResult {
  const linkProblem = chartLinkProblem(chartFile, displayPath, workspaceRoot);
  if (linkProblem) return { problems: [linkProblem] };
  let text: string;
  let requirements: ChartRequirements | undefined;
  try {
    text = readFileSync(chartFile, 'utf8');
  } catch (error) {
    return { problems: [unreadable(displayPath, error, 'Make sure the chart folder contains a readable Chart.yaml.')] };
  }
  try {
    requirements = readRequirementsFile(chartFile, displayPath);
  } catch (error) {
    const file = siblingOf(displayPath, REQUIREMENTS_FILE);
    return { problems: [unreadable(file, error, `Make ${file} readable, or remove it and list the dependencies in Chart.yaml.`)] };
  }
  return workspaceRoot === undefined
    ? parseChart(text, displayPath, requirements)
    : parseChartInWorkspace(text, displayPath, workspaceRoot, requirements);
}

/**
 * The requirements.yaml beside a Chart.yaml, or undefined when there is none; throws when it cannot be read. One
 * `existsSync` for the charts without one (nearly all): helm reads the file for every apiVersion, so every chart needs
 * the check.
 */
export function readRequirementsFile(chartFile: string, displayPath: string = chartFile): ChartRequirements | undefined {
  const file = siblingOf(chartFile, REQUIREMENTS_FILE);
  return existsSync(file) ? { text: readFileSync(file, 'utf8'), file: siblingOf(displayPath, REQUIREMENTS_FILE) } : undefined;
}

/** The path of `name` in the folder of `file`, in the same form (workspace-relative with slashes, or absolute). */
function siblingOf(file: string, name: string): string {
  return file.replace(/[^/\\]*$/, name);
}

function unreadable(file: string, error: unknown, fix: string): ChartProblem {
  const code = (error as NodeJS.ErrnoException).code;
  return { file, message: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`, fix };
}
