import type { ChartDiff, DiffReport } from './diff-report';
import {
  changeCounts,
  changedValuesSets,
  chartsWithChanges,
  plural,
  shortRevision,
  unchangedChartCount,
  valuesSetTitle,
  versionText,
  type ChangeCounts,
} from './report-facts';

/**
 * The report in a few lines for a terminal: one line per chart whose rendering differs, with object counts per values
 * set (`+added -removed ~changed`), a warning under each chart that changed without a new version or did not render,
 * and a total line. Charts that render the same are only counted.
 */
export function terminalSummary(report: DiffReport): string {
  const head = report.head === 'working tree' ? 'working tree' : shortRevision(report.head);
  const lines = [`nx-helm: rendered manifests, ${baseText(report)} → ${head}`];
  for (const chart of chartsWithChanges(report)) lines.push(chartLine(chart), ...chartWarnings(chart));
  lines.push(totalLine(report));
  return `${lines.join('\n')}\n`;
}

/** `charts/web (web 1.2.0 → 1.3.0): default: +1 -0 ~2, prod-values (new values file): +4 -0 ~0` */
function chartLine(chart: ChartDiff): string {
  const version = versionText(chart);
  const what = [
    ...(chart.status === 'added' ? ['new chart'] : []),
    ...(chart.status === 'removed' ? ['deleted chart'] : []),
    ...(chart.status === 'failed' ? ['rendering failed'] : []),
    ...changedValuesSets(chart).map((valuesSet) => `${valuesSetTitle(chart, valuesSet)}: ${countsText(changeCounts(valuesSet.changes))}`),
  ];
  return `${chart.root} (${chart.chart}${version ? ` ${version}` : ''}): ${what.join(', ') || 'no object changed'}`;
}

function chartWarnings(chart: ChartDiff): string[] {
  const warnings: string[] = [];
  if (chart.sameVersion) {
    const version = chart.versionAfter ?? chart.versionBefore;
    warnings.push(
      `  warning: ${chart.root} renders differently but its version${version ? ` ${version}` : ''} was not bumped: it would ship a different chart under the same version`,
    );
  }
  if (chart.status === 'failed') {
    // helm's message can span lines (a template's stack); each is indented under the chart it belongs to.
    const message = (chart.error ?? 'no message').trimEnd().split('\n');
    warnings.push(`  error: ${chart.root}: ${message[0]}`, ...message.slice(1).map((line) => `    ${line}`));
  }
  return warnings;
}

function totalLine(report: DiffReport): string {
  const charts = chartsWithChanges(report);
  const failed = charts.filter((chart) => chart.status === 'failed').length;
  const changed = charts.length - failed;
  const total = changeCounts(charts.flatMap((chart) => chart.valuesSets.flatMap((valuesSet) => valuesSet.changes)));
  const { rendered, fromCache } = report.renders;
  const unchanged = unchangedChartCount(report);
  const parts = [
    `${plural(changed, 'chart')} changed`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    `${unchanged} ${unchanged === 1 ? 'renders' : 'render'} the same`,
  ];
  return `Total: ${parts.join(', ')}; objects ${countsText(total)}; ${rendered} rendered, ${fromCache} from cache`;
}

function countsText(counts: ChangeCounts): string {
  return `+${counts.added} -${counts.removed} ~${counts.changed}`;
}

/** `origin/main (1a2b3c4d5e6f)` when the base was found from a ref, else the base as given. */
function baseText(report: DiffReport): string {
  return report.baseRef ? `${report.baseRef} (${shortRevision(report.base)})` : shortRevision(report.base);
}
