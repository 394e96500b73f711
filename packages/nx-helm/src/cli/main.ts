#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NxHelmError } from '../utils/nx-helm-error';
import { formatPushSummary, readPushRecords, type SummaryFormat, type SummarySigning } from './push-summary';
import { printSourceDate } from './source-date-command';

const USAGE = `Usage: nx-helm summary [--dir dist/charts] [--format text|markdown|json] [--sign none|cosign|gpg] [--output <file>]
       nx-helm source-date <chart folder>

summary      Prints the result of the last push-chart run of every chart (version, status, digest), read from
             the push.json files under --dir. --output appends to a file instead (e.g. $GITHUB_STEP_SUMMARY).
             --sign picks the verify command of the markdown table.
             Exits with 1 when a chart failed to push.
source-date  Prints the timestamp package-chart stamps into the chart's archive, and where it comes from.`;

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  if (command === 'source-date' && rest.length === 1) {
    printSourceDate(rest[0]);
    return 0;
  }
  if (command !== 'summary' || rest.includes('--help')) {
    console.log(USAGE);
    return command === 'summary' || command === '--help' || command === undefined ? 0 : 2;
  }
  const flags = new Map<string, string>();
  for (let index = 0; index < rest.length; index += 2) {
    const [flag, value] = [rest[index], rest[index + 1]];
    if (!['--dir', '--format', '--output', '--sign'].includes(flag) || value === undefined) {
      console.error(`nx-helm summary: unknown or incomplete option "${flag}".\n\n${USAGE}`);
      return 2;
    }
    flags.set(flag, value);
  }
  const format = (flags.get('--format') ?? 'text') as SummaryFormat;
  if (!['text', 'markdown', 'json'].includes(format)) {
    console.error(`nx-helm summary: --format must be text, markdown or json, not "${format}".`);
    return 2;
  }
  const signing = (flags.get('--sign') ?? 'none') as SummarySigning;
  if (!['none', 'cosign', 'gpg'].includes(signing)) {
    console.error(`nx-helm summary: --sign must be none, cosign or gpg, not "${signing}".`);
    return 2;
  }
  const records = readPushRecords(resolve(flags.get('--dir') ?? 'dist/charts'));
  const summary = formatPushSummary(records, format, signing);
  const output = flags.get('--output');
  if (output) {
    writeFileSync(output, summary, { flag: 'a' });
  } else {
    process.stdout.write(summary);
  }
  return records.some((record) => record.status === 'failed') ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof NxHelmError)) throw error;
  console.error(`nx-helm: ${error.message}`);
  process.exitCode = 2;
}
