import type { ChartDiff, DiffReport, ValuesSetDiff } from './diff-report';
import type { ObjectChange } from './manifest-diff';

/** Facts about a report that every rendering of it states the same way. */

export interface ChangeCounts {
  added: number;
  removed: number;
  changed: number;
}

export function changeCounts(changes: readonly ObjectChange[]): ChangeCounts {
  return {
    added: changes.filter((change) => change.change === 'added').length,
    removed: changes.filter((change) => change.change === 'removed').length,
    changed: changes.filter((change) => change.change === 'changed').length,
  };
}

export function chartCounts(chart: ChartDiff): ChangeCounts {
  return changeCounts(chart.valuesSets.flatMap((valuesSet) => valuesSet.changes));
}

/** The charts a reader has to look at: every one whose rendering differs or could not be made. */
export function chartsWithChanges(report: DiffReport): ChartDiff[] {
  return report.charts.filter((chart) => chart.status !== 'unchanged');
}

export function unchangedChartCount(report: DiffReport): number {
  return report.charts.filter((chart) => chart.status === 'unchanged').length;
}

export function changedValuesSets(chart: ChartDiff): ValuesSetDiff[] {
  return chart.valuesSets.filter((valuesSet) => valuesSet.status !== 'unchanged');
}

export function unchangedValuesSets(chart: ChartDiff): ValuesSetDiff[] {
  return chart.valuesSets.filter((valuesSet) => valuesSet.status === 'unchanged');
}

/** `1.2.0 → 1.3.0` for a new version, else the one version known (`1.2.0`), else empty. */
export function versionText(chart: ChartDiff): string {
  const { versionBefore, versionAfter } = chart;
  if (versionBefore && versionAfter && versionBefore !== versionAfter) return `${versionBefore} → ${versionAfter}`;
  return versionAfter ?? versionBefore ?? '';
}

export interface ChartNote {
  text: string;
  /** Something to fix before merging, not just something to know. */
  warning: boolean;
}

/** What a reader has to know about a chart beyond its counts, most pressing first. */
export function chartNotes(chart: ChartDiff): ChartNote[] {
  return [
    ...(chart.status === 'failed' ? [{ text: 'rendering failed', warning: true }] : []),
    ...(chart.sameVersion ? [{ text: 'version not bumped', warning: true }] : []),
    ...(chart.status === 'added' ? [{ text: 'new chart', warning: false }] : []),
    ...(chart.status === 'removed' ? [{ text: 'deleted chart', warning: false }] : []),
  ];
}

/** How a values set is named next to its counts: a new or deleted values file says so, unless its whole chart is. */
export function valuesSetTitle(chart: ChartDiff, valuesSet: ValuesSetDiff): string {
  if (valuesSet.status === chart.status) return valuesSet.valuesSet;
  if (valuesSet.status === 'added') return `${valuesSet.valuesSet} (new values file)`;
  if (valuesSet.status === 'removed') return `${valuesSet.valuesSet} (deleted values file)`;
  return valuesSet.valuesSet;
}

/** A full commit sha is shortened as git shows it; refs and `working tree` are kept. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/i.test(revision) ? revision.slice(0, 12) : revision;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}

export function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
