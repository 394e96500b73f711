/** What the project graph keeps about a chart, in project metadata under METADATA_KEY (read back by createDependencies and the executors). */
export interface ChartProjectMetadata {
  chartName?: string;
  chartVersion?: string;
  chartType?: string;
  /** Set when Chart.yaml is invalid: the problems lint-chart will report. */
  problems?: string[];
}
