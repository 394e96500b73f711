import type { ObjectChange } from './manifest-diff';

export { markdownReport, REPORT_MARKER } from './markdown-report';
export { terminalSummary } from './terminal-summary';

/** How a chart's rendering with one values set (the default values, or one values file) differs. */
export interface ValuesSetDiff {
  valuesSet: string;
  /** added/removed: the values file is new or deleted (or the whole chart is). */
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  changes: ObjectChange[];
}

/** How one affected chart renders at head compared with base. */
export interface ChartDiff {
  /** The Nx project. */
  project: string;
  /** The chart's name (Chart.yaml). */
  chart: string;
  /** The chart's folder in the workspace: `charts/web`. */
  root: string;
  /** added/removed: a new or deleted chart; failed: it could not be rendered at base or head. */
  status: 'added' | 'removed' | 'changed' | 'unchanged' | 'failed';
  versionBefore?: string;
  versionAfter?: string;
  /** Its rendering changed but its version did not: it would ship a different chart under the same version. */
  sameVersion: boolean;
  valuesSets: ValuesSetDiff[];
  /** Why rendering failed, at base or head: helm's message. */
  error?: string;
}

/** What a change does to the rendered manifests of the workspace's affected charts. */
export interface DiffReport {
  /** The commit compared against: a sha or a ref. */
  base: string;
  /** The ref the base commit was found from (`origin/main`), when base is its sha. */
  baseRef?: string;
  /** `working tree`, or a sha. */
  head: string;
  /** Only the affected charts. */
  charts: ChartDiff[];
  renders: { fromCache: number; rendered: number };
}

/**
 * The report as JSON, for tools and for the full report where a comment had to be truncated. Keys come in one fixed
 * order whatever order the report was built in, so two runs over the same change give the same file.
 */
export function jsonReport(report: DiffReport): string {
  return `${JSON.stringify(orderedReport(report), null, 2)}\n`;
}

function orderedReport(report: DiffReport): DiffReport {
  return {
    base: report.base,
    baseRef: report.baseRef,
    head: report.head,
    renders: { rendered: report.renders.rendered, fromCache: report.renders.fromCache },
    charts: report.charts.map(orderedChart),
  };
}

function orderedChart(chart: ChartDiff): ChartDiff {
  return {
    project: chart.project,
    chart: chart.chart,
    root: chart.root,
    status: chart.status,
    versionBefore: chart.versionBefore,
    versionAfter: chart.versionAfter,
    sameVersion: chart.sameVersion,
    error: chart.error,
    valuesSets: chart.valuesSets.map((valuesSet) => ({
      valuesSet: valuesSet.valuesSet,
      status: valuesSet.status,
      changes: valuesSet.changes.map(orderedChange),
    })),
  };
}

function orderedChange(change: ObjectChange): ObjectChange {
  return {
    change: change.change,
    object: change.object,
    apiVersion: change.apiVersion,
    kind: change.kind,
    source: change.source,
    added: change.added,
    removed: change.removed,
    diff: change.diff,
  };
}
