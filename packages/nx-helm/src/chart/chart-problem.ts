import { NxHelmError } from '../utils/nx-helm-error';

/**
 * A defect in a chart that a user has to fix, with enough context to find and fix it without reading our code.
 */
export interface ChartProblem {
  /** Path of the offending file, relative to the workspace root when known. */
  file: string;
  line?: number;
  /** Field path inside the file, e.g. `version` or `dependencies[1].repository`. */
  field?: string;
  /** What is wrong, phrased to follow the file name: "<file> has no version". */
  message: string;
  fix: string;
}

export function formatChartProblem(problem: ChartProblem): string {
  const location = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const field = problem.field ? ` (field ${problem.field})` : '';
  return `${location}${field} ${problem.message}.\n  Fix: ${problem.fix}`;
}

/** The error for defects in charts: every problem in the message, the first one's file and line as details. */
export function chartProblemError(problems: ChartProblem[]): NxHelmError {
  return new NxHelmError(problems.map(formatChartProblem).join('\n'), { file: problems[0]?.file, line: problems[0]?.line });
}
