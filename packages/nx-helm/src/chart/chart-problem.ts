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

export class ChartProblemError extends NxHelmError {
  constructor(readonly problems: ChartProblem[]) {
    super(problems.map(formatChartProblem).join('\n'));
  }
}
