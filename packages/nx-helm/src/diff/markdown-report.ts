import type { ChartDiff, DiffReport, ValuesSetDiff } from './diff-report';
import type { ObjectChange } from './manifest-diff';
import { escapeHtml, escapeMarkdown, fencedBlock, inlineCode, tableRow } from './markdown';
import {
  changeCounts,
  changedValuesSets,
  chartCounts,
  chartNotes,
  chartsWithChanges,
  lineCount,
  plural,
  shortRevision,
  unchangedChartCount,
  unchangedValuesSets,
  valuesSetTitle,
  versionText,
  type ChangeCounts,
} from './report-facts';

/** The markdown's first line, so that a CI step can find the one comment it keeps up to date. */
export const REPORT_MARKER = '<!-- nx-helm-diff -->';

/** GitHub refuses a comment longer than 65,536 characters; the rest is room for what a CI step adds around it. */
const DEFAULT_MAX_LENGTH = 60_000;
/** helm's message for a chart that did not render: long enough for a template error, short enough not to crowd out diffs. */
const ERROR_MAX_LENGTH = 4_000;
const DEFAULT_FULL_REPORT = 'the JSON report';
/** Charts the truncation note names one by one; the rest it counts, so that the note does not crowd out diffs. */
const NAMED_IN_NOTE = 20;

export interface MarkdownReportOptions {
  /** The longest the markdown may be, in characters. */
  maxLength?: number;
  /** Where a reader finds what a truncated report left out (markdown): `the job summary`. */
  fullReport?: string;
}

/**
 * The report as markdown for a pull request comment or a job summary: a summary table of the charts that changed,
 * then each chart's object diffs in a collapsed section. Within maxLength the table always comes first and whole when
 * it fits; diffs that do not fit are left out, and a closing note says which and where the full report is.
 */
export function markdownReport(report: DiffReport, options: MarkdownReportOptions = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const fullReport = options.fullReport ?? DEFAULT_FULL_REPORT;
  const charts = chartsWithChanges(report);
  const heading = headingBlock(report);
  const rows = charts.map(summaryRow);
  const table = tableBlock(rows);
  const sameLine = rendersTheSameBlock(report, charts.length);
  const sections = charts.map(chartSection);

  const complete = heading + table + sameLine + sections.map(wholeSection).join('');
  if (complete.length <= maxLength) return finish(complete);

  const summary = heading + table + sameLine;
  return (
    withTheDiffsThatFit(summary, sections, maxLength, fullReport) ??
    withPartOfTheTable(heading, rows, sameLine, sections, maxLength, fullReport) ??
    // A maxLength too small for any table at all: the marker and what fits of the title.
    finish(heading).slice(0, maxLength)
  );
}

function finish(markdown: string): string {
  return `${markdown.trimEnd()}\n`;
}

function headingBlock(report: DiffReport): string {
  const base = report.baseRef
    ? `${inlineCode(report.baseRef)} (${inlineCode(shortRevision(report.base))})`
    : inlineCode(shortRevision(report.base));
  const head = report.head === 'working tree' ? 'the working tree' : inlineCode(shortRevision(report.head));
  const { rendered, fromCache } = report.renders;
  const renders = `${plural(rendered + fromCache, 'rendering')}, ${fromCache.toLocaleString('en-US')} from cache`;
  return `${REPORT_MARKER}\n### nx-helm: rendered manifests\n\n${base} → ${head} · ${renders}\n\n`;
}

// ----- summary table

const TABLE_HEADER = `${tableRow(['Chart', 'Version', 'Values sets', 'Added', 'Removed', 'Changed', 'Note'])}\n| --- | --- | --- | ---: | ---: | ---: | --- |\n`;

function tableBlock(rows: readonly string[], more = ''): string {
  return rows.length === 0 && !more ? '' : `${TABLE_HEADER}${rows.join('')}${more}\n`;
}

function summaryRow(chart: ChartDiff): string {
  const valuesSets = changedValuesSets(chart);
  const counts = chartCounts(chart);
  const noCounts = chart.status === 'failed' && valuesSets.length === 0;
  const count = (value: number) => (noCounts ? '—' : value.toLocaleString('en-US'));
  return `${tableRow([
    `${escapeMarkdown(chart.chart)} ${inlineCode(chart.root)}`,
    escapeMarkdown(versionText(chart)) || '—',
    valuesSets.map((valuesSet) => valuesSetMarkdown(chart, valuesSet)).join(', ') || '—',
    count(counts.added),
    count(counts.removed),
    count(counts.changed),
    chartNotes(chart)
      .map((note) => `${note.warning ? '⚠ ' : ''}${note.text}`)
      .join('; '),
  ])}\n`;
}

function moreRowsRow(count: number): string {
  return `${tableRow([`… ${plural(count, 'more chart')}`, '', '', '', '', '', ''])}\n`;
}

function valuesSetMarkdown(chart: ChartDiff, valuesSet: ValuesSetDiff): string {
  const title = valuesSetTitle(chart, valuesSet);
  const suffix = title.slice(valuesSet.valuesSet.length);
  return `${inlineCode(valuesSet.valuesSet)}${escapeMarkdown(suffix)}`;
}

function rendersTheSameBlock(report: DiffReport, changedCharts: number): string {
  if (report.charts.length === 0) return 'No chart is affected.\n\n';
  const same = unchangedChartCount(report);
  if (same === 0) return '';
  const line = `${plural(same, 'affected chart')} ${same === 1 ? 'renders' : 'render'} the same.`;
  return changedCharts === 0 ? `No rendered object changed: ${line}\n\n` : `${line}\n\n`;
}

// ----- per chart sections

/** A chart's collapsible section as the parts that can be left out one by one to fit. */
interface ChartSection {
  chart: ChartDiff;
  /** `<details>`, its summary, helm's error and the values sets that render the same. */
  open: string;
  close: string;
  valuesSets: Array<{ heading: string; objects: ObjectBlock[] }>;
}

interface ObjectBlock {
  withDiff: string;
  withoutDiff: string;
  diffLines: number;
}

function chartSection(chart: ChartDiff): ChartSection {
  const same = chart.status === 'changed' ? unchangedValuesSets(chart) : [];
  const sameLine =
    same.length > 0 ? `Renders the same with ${same.map((valuesSet) => inlineCode(valuesSet.valuesSet)).join(', ')}.\n\n` : '';
  return {
    chart,
    open: `<details><summary>${sectionSummary(chart)}</summary>\n\n${errorBlock(chart)}${sameLine}`,
    close: '</details>\n\n',
    valuesSets: changedValuesSets(chart).map((valuesSet) => ({
      heading: `#### ${valuesSetMarkdown(chart, valuesSet)}: ${countsText(changeCounts(valuesSet.changes))}\n\n`,
      objects: valuesSet.changes.map(objectBlock),
    })),
  };
}

/** The section's one visible line, in HTML: markdown is not rendered inside `<summary>`. */
function sectionSummary(chart: ChartDiff): string {
  const version = versionText(chart);
  const counts = chart.status === 'failed' && chart.valuesSets.length === 0 ? '' : `: ${countsText(chartCounts(chart))}`;
  const notes = chartNotes(chart).map((note) => ` · ${note.warning ? '⚠ ' : ''}${note.text}`);
  return `<b>${escapeHtml(chart.chart)}</b> <code>${escapeHtml(chart.root)}</code>${version ? ` ${escapeHtml(version)}` : ''}${counts}${escapeHtml(notes.join(''))}`;
}

function countsText(counts: ChangeCounts): string {
  const parts = [
    ...(counts.added ? [`${counts.added.toLocaleString('en-US')} added`] : []),
    ...(counts.removed ? [`${counts.removed.toLocaleString('en-US')} removed`] : []),
    ...(counts.changed ? [`${counts.changed.toLocaleString('en-US')} changed`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'no object changed';
}

function errorBlock(chart: ChartDiff): string {
  if (chart.error === undefined) return '';
  const error =
    chart.error.length > ERROR_MAX_LENGTH
      ? `${chart.error.slice(0, ERROR_MAX_LENGTH)}\n… (${plural(chart.error.length - ERROR_MAX_LENGTH, 'more character')})`
      : chart.error;
  return `Rendering failed:\n\n${fencedBlock(error, 'text')}\n\n`;
}

function objectBlock(change: ObjectChange): ObjectBlock {
  const line = `- **${change.change}** ${inlineCode(change.object)}${change.source ? ` from ${inlineCode(change.source)}` : ''} (+${change.added} -${change.removed})`;
  const diffLines = lineCount(change.diff);
  return {
    withDiff: `${line}\n\n${fencedBlock(change.diff, 'diff')}\n\n`,
    withoutDiff: `${line}: diff left out (${plural(diffLines, 'line')})\n\n`,
    diffLines,
  };
}

function wholeSection(section: ChartSection): string {
  const body = section.valuesSets.map((valuesSet) => valuesSet.heading + valuesSet.objects.map((object) => object.withDiff).join(''));
  return section.open + body.join('') + section.close;
}

// ----- fitting into maxLength

/** What a truncated report left out of one chart's section. */
interface LeftOut {
  root: string;
  objects: number;
  lines: number;
  /** Not even the section's summary fitted. */
  wholeSection: boolean;
  hasError: boolean;
}

/**
 * The summary whole, then every section and diff that fits in order, skipping those that do not (a later, smaller
 * diff may still fit). The note's length depends on what was left out, so the room for sections shrinks until
 * sections and note fit together. Undefined when not even the summary and the note fit.
 */
function withTheDiffsThatFit(
  summary: string,
  sections: readonly ChartSection[],
  maxLength: number,
  fullReport: string,
): string | undefined {
  let room = maxLength - summary.length;
  while (room >= 0) {
    const { markdown, leftOut } = fitSections(sections, room);
    const result = summary + markdown + truncationNote(leftOut, maxLength, fullReport);
    if (result.length <= maxLength) return finish(result);
    room -= result.length - maxLength;
  }
  return undefined;
}

function fitSections(sections: readonly ChartSection[], room: number): { markdown: string; leftOut: LeftOut[] } {
  let left = room;
  const parts: string[] = [];
  const leftOut: LeftOut[] = [];
  const take = (text: string) => {
    if (text.length > left) return false;
    parts.push(text);
    left -= text.length;
    return true;
  };

  for (const section of sections) {
    const objects = section.valuesSets.flatMap((valuesSet) => valuesSet.objects);
    const omitted: LeftOut = {
      root: section.chart.root,
      objects: 0,
      lines: 0,
      wholeSection: false,
      hasError: section.chart.error !== undefined,
    };
    const omit = (object: ObjectBlock) => {
      omitted.objects += 1;
      omitted.lines += object.diffLines;
    };
    // The closing tag is reserved with the opening so that the section is never left open.
    if (section.open.length + section.close.length > left) {
      objects.forEach(omit);
      leftOut.push({ ...omitted, wholeSection: true });
      continue;
    }
    take(section.open);
    left -= section.close.length;
    for (const valuesSet of section.valuesSets) {
      if (!take(valuesSet.heading)) {
        valuesSet.objects.forEach(omit);
        continue;
      }
      for (const object of valuesSet.objects) {
        if (take(object.withDiff)) continue;
        omit(object);
        take(object.withoutDiff);
      }
    }
    left += section.close.length;
    take(section.close);
    if (omitted.objects > 0) leftOut.push(omitted);
  }
  return { markdown: parts.join(''), leftOut };
}

function truncationNote(leftOut: readonly LeftOut[], maxLength: number, fullReport: string): string {
  const objects = leftOut.reduce((sum, chart) => sum + chart.objects, 0);
  const lines = leftOut.reduce((sum, chart) => sum + chart.lines, 0);
  const perChart = leftOut.slice(0, NAMED_IN_NOTE).map((chart) => {
    const diffs = chart.objects > 0 ? [`${plural(chart.objects, 'object diff')}, ${plural(chart.lines, 'line')}`] : [];
    const parts = [...(chart.hasError ? ["helm's error"] : []), ...diffs];
    const whole = `its whole section${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
    return `${inlineCode(chart.root)}: ${chart.wholeSection ? whole : diffs.join('')}`;
  });
  const unnamed = leftOut.slice(NAMED_IN_NOTE);
  if (unnamed.length > 0) {
    const unnamedObjects = unnamed.reduce((sum, chart) => sum + chart.objects, 0);
    const unnamedLines = unnamed.reduce((sum, chart) => sum + chart.lines, 0);
    perChart.push(`${plural(unnamed.length, 'more chart')} (${plural(unnamedObjects, 'object diff')}, ${plural(unnamedLines, 'line')})`);
  }
  const diffs = objects > 0 ? `${plural(objects, 'object diff')} (${plural(lines, 'line')}) — ` : '';
  return (
    `---\n\n**This report is truncated** to fit ${plural(maxLength, 'character')}. ` +
    `Left out ${diffs}${perChart.join('; ')}. The full report is in ${fullReport}.\n`
  );
}

/**
 * When the table and a note naming every chart do not fit: as many of the table's rows as fit, a row that counts the
 * others, and no sections. Undefined when not even the table's header fits.
 */
function withPartOfTheTable(
  heading: string,
  rows: readonly string[],
  sameLine: string,
  sections: readonly ChartSection[],
  maxLength: number,
  fullReport: string,
): string | undefined {
  const objects = sections.flatMap((section) => section.valuesSets.flatMap((valuesSet) => valuesSet.objects));
  const lines = objects.reduce((sum, object) => sum + object.diffLines, 0);
  const details = `the details of every chart (${plural(objects.length, 'object diff')}, ${plural(lines, 'line')})`;
  const noteFor = (kept: number) =>
    `---\n\n**This report is truncated** to fit ${plural(maxLength, 'character')}. ` +
    `Left out: ${kept < rows.length ? `${(rows.length - kept).toLocaleString('en-US')} of ${plural(rows.length, 'table row')}, and ` : ''}${details}. ` +
    `The full report is in ${fullReport}.\n`;
  const moreFor = (kept: number) => (kept < rows.length ? moreRowsRow(rows.length - kept) : '');

  // Lengths are added up rather than the markdown built for each candidate: a table can have thousands of rows.
  let rowsLength = rows.reduce((sum, row) => sum + row.length, 0);
  for (let kept = rows.length; kept >= 0; kept--) {
    if (kept < rows.length) rowsLength -= rows[kept].length;
    const table = kept === 0 && rows.length === 0 ? 0 : TABLE_HEADER.length + rowsLength + moreFor(kept).length + 1;
    if (heading.length + table + sameLine.length + noteFor(kept).length <= maxLength) {
      return finish(heading + tableBlock(rows.slice(0, kept), moreFor(kept)) + sameLine + noteFor(kept));
    }
  }
  return undefined;
}
