import { posix } from 'node:path';
import type { ValidationProblem } from './validate-objects';

/** Which rendering a problem was found in: the chart's name, its folder in the workspace and the values set. */
export interface ValidationPlace {
  chart: string;
  /** The chart folder relative to the workspace root (`charts/web`, `.` for a chart at the root). */
  chartRoot: string;
  /** `default`, or the values set of a values file (see valuesSetName). */
  valuesSet: string;
}

/**
 * One line for a problem: chart and values set, object and field, the template that made the object, and what is
 * wrong and expected.
 *
 * `web (values default): Deployment/web spec.replica (charts/web/templates/deployment.yaml): unknown field "replica"; ...`
 */
export function formatValidationProblem(problem: ValidationProblem, where: ValidationPlace): string {
  const field = problem.field === '' ? '' : ` ${problem.field}`;
  const template = problem.source ? ` (${posix.join(where.chartRoot, problem.source)})` : '';
  return `${where.chart} (values ${where.valuesSet}): ${problem.object}${field}${template}: ${problem.message}`;
}
