import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { DEFAULT_OUTPUT_PATH } from '../config/constants';
import type { PushRecord } from '../registry/chart-publisher';
import { readPushRecordFile } from '../registry/push-record-file';
import { repositoryOf } from '../registry/registry-reference';

export type SummaryFormat = 'text' | 'markdown' | 'json';
/** How the charts were signed, for the verify command the markdown summary shows. */
export type SummarySigning = 'none' | 'cosign' | 'gpg';

/** Every push.json under `dir` (the package output folder), sorted by chart name. */
export function readPushRecords(dir: string): Array<PushRecord & { file: string }> {
  if (!existsSync(dir)) {
    return [];
  }
  const records: Array<PushRecord & { file: string }> = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name === 'push.json') {
      const file = join(entry.parentPath, entry.name);
      records.push({ ...readPushRecordFile(file, relative(process.cwd(), file)), file: relative(dir, file) });
    }
  }
  return records.sort((a, b) => a.chart.localeCompare(b.chart) || a.version.localeCompare(b.version));
}

/** A summary of the last push of every chart: one row per chart with version, status and digest. */
export function formatPushSummary(records: PushRecord[], format: SummaryFormat, signing: SummarySigning = 'none'): string {
  if (format === 'json') {
    return `${JSON.stringify(
      records.map(({ chart, version, status, reference, digest, chartDigest, time, error }) => ({
        chart,
        version,
        status,
        reference,
        digest,
        chartDigest,
        time,
        error,
      })),
      null,
      2,
    )}\n`;
  }
  const counts = (['pushed', 'skipped', 'failed'] as const)
    .map((status) => `${records.filter((r) => r.status === status).length} ${status}`)
    .join(', ');
  if (records.length === 0) {
    return 'No push results found (no push.json files). Run `nx run-many -t push-chart` (or `nx affected -t push-chart`) first.\n';
  }
  if (format === 'markdown') {
    const code = (text: string | undefined) => (text ? `\`${text}\`` : '');
    const rows = records.map(
      (r) =>
        `| ${r.chart} | ${r.version} | ${r.status === 'failed' ? '**failed**' : r.status} | ${code(r.digest)} | ` +
        `${code(r.status === 'failed' ? undefined : installCommand(r))} | ${code(r.status === 'failed' ? undefined : verifyCommand(r, signing))} |`,
    );
    return [
      '### Helm charts',
      '',
      `${counts}.`,
      '',
      '| Chart | Version | Status | Digest | Install | Verify |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
  }
  const header = ['CHART', 'VERSION', 'STATUS', 'REFERENCE'];
  const table = [header, ...records.map((r) => [r.chart, r.version, r.status, pinned(r)])];
  const widths = header.map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const lines = table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]))
      .join('  ')
      .trimEnd(),
  );
  const failures = records
    .filter((r) => r.status === 'failed')
    .map((r) => `\n${r.chart} ${r.version} failed: ${r.error ?? 'unknown error'}`);
  return `${lines.join('\n')}\n\n${counts}.${failures.join('')}\n`;
}

function pinned(record: PushRecord): string {
  return record.digest ? `${repositoryOf(record.reference)}@${record.digest}` : record.reference;
}

function installCommand(record: PushRecord): string {
  return `helm install ${record.chart} ${repositoryOf(record.reference)} --version ${record.version}`;
}

/** How a user checks they got exactly what was published. */
function verifyCommand(record: PushRecord, signing: SummarySigning): string | undefined {
  switch (signing) {
    case 'cosign':
      return record.digest
        ? `cosign verify ${repositoryOf(record.reference).replace(/^oci:\/\//, '')}@${record.digest} --certificate-identity-regexp '^https://github.com/' --certificate-oidc-issuer https://token.actions.githubusercontent.com`
        : undefined;
    case 'gpg':
      return `helm pull ${repositoryOf(record.reference)} --version ${record.version} --verify`;
    default:
      return record.digest ? `helm pull ${repositoryOf(record.reference)}@${record.digest}` : undefined;
  }
}

export interface SummaryOptions {
  /** Folder holding the packages and their push.json files. Default dist. */
  dir?: string;
  format?: SummaryFormat;
  signing?: SummarySigning;
  /** Append to this file (e.g. $GITHUB_STEP_SUMMARY) instead of returning the text for printing. */
  output?: string;
  cwd?: string;
}

/** The summary of the last push of every chart, and whether one of them failed. */
export function summarizePushes(options: SummaryOptions): { text: string; failed: boolean; written?: string } {
  const cwd = options.cwd ?? process.cwd();
  const records = readPushRecords(resolve(cwd, options.dir ?? DEFAULT_OUTPUT_PATH));
  const text = formatPushSummary(records, options.format ?? 'text', options.signing ?? 'none');
  const failed = records.some((record) => record.status === 'failed');
  if (options.output) {
    writeFileSync(resolve(cwd, options.output), text, { flag: 'a' });
    return { text, failed, written: options.output };
  }
  return { text, failed };
}
