import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import { DEFAULT_OUTPUT_PATH, PUSH_RECORD_FILE, RELEASE_PUBLISH_TARGET } from '../config/constants';
import type { PushRecord } from '../registry/chart-publisher';
import { readPushRecordFile } from '../registry/push-record-file';

/** What a task run tells the summary (the fields of Nx's TaskResult it reads, in Nx 22 to 24). */
export interface PublishTaskOutcome {
  project: string;
  projectRoot: string;
  /** Nx's task status: success, failure, skipped (a dependency failed), local-cache, remote-cache… */
  status: string;
}

export interface ChartPublishOutcome {
  project: string;
  status: 'pushed' | 'skipped' | 'failed' | 'not run' | 'dry run';
  version?: string;
  reference?: string;
  digest?: string;
  detail?: string;
}

/**
 * Each released chart's outcome: from the push.json its publish task wrote in this run (newer than `startTime`), else
 * from the task's status. A task Nx skipped never ran: the lint or package it depends on failed.
 */
export function publishOutcomes(
  tasks: PublishTaskOutcome[],
  workspaceRoot: string,
  startTime: number,
  outputPathOf: (projectRoot: string) => string = () => DEFAULT_OUTPUT_PATH,
): ChartPublishOutcome[] {
  return tasks
    .map((task): ChartPublishOutcome => {
      const file = join(workspaceRoot, outputPathOf(task.projectRoot), task.projectRoot, PUSH_RECORD_FILE);
      const record = recordOfThisRun(file, posix.join(outputPathOf(task.projectRoot), task.projectRoot, PUSH_RECORD_FILE), startTime);
      if (record) {
        return {
          project: task.project,
          status: record.status,
          version: record.version,
          reference: record.reference,
          digest: record.digest,
          detail: record.error?.split('\n')[0],
        };
      }
      if (task.status === 'success') return { project: task.project, status: 'dry run' };
      if (task.status === 'failure') return { project: task.project, status: 'failed', detail: 'see its output above' };
      return { project: task.project, status: 'not run', detail: 'a task it depends on (lint or package) failed' };
    })
    .sort((a, b) => a.project.localeCompare(b.project));
}

function recordOfThisRun(file: string, displayPath: string, startTime: number): PushRecord | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const record = readPushRecordFile(file, displayPath);
    return Date.parse(record.time) >= startTime ? record : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The summary `nx release publish` ends with: one line per chart, and when a chart is missing, what the registry now
 * holds and how to finish. Empty when nothing was published for a release.
 */
export function formatPublishSummary(outcomes: ChartPublishOutcome[]): string {
  if (outcomes.length === 0) return '';
  const count = (status: ChartPublishOutcome['status']) => outcomes.filter((outcome) => outcome.status === status).length;
  const incomplete = count('failed') + count('not run');
  const rows = outcomes.map((outcome) => [
    outcome.project,
    outcome.version ?? '',
    outcome.status,
    outcome.digest && outcome.reference ? `${outcome.reference}@${outcome.digest}` : (outcome.detail ?? ''),
  ]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]) : cell))
      .join('  ')
      .trimEnd(),
  );
  const counts = (['pushed', 'skipped', 'failed', 'not run', 'dry run'] as const)
    .filter((status) => count(status) > 0)
    .map((status) => `${count(status)} ${status}`)
    .join(', ');
  const title =
    incomplete > 0
      ? `nx-helm: the release is published only in part (${counts}):`
      : `nx-helm: ${outcomes.length} chart${outcomes.length === 1 ? '' : 's'} published for the release (${counts}):`;
  const failures = outcomes
    .filter((outcome) => outcome.status === 'failed' && outcome.detail && outcome.detail !== 'see its output above')
    .map((outcome) => `${outcome.project} failed: ${outcome.detail}`);
  const advice =
    incomplete > 0
      ? [
          'The charts marked pushed or skipped are in the registry; the others are not. Fix the failures and run `nx release publish` again:',
          'the published charts are skipped, and only the missing ones are pushed.',
        ]
      : [];
  return [title, ...lines.map((line) => `  ${line}`), ...failures, ...advice, ''].join('\n');
}

/** The publish tasks of a run, from Nx's task results (other targets ignored). */
export function publishTasksOf(
  taskResults: Record<string, { task: { target: { project: string; target: string }; projectRoot?: string }; status: string }>,
): PublishTaskOutcome[] {
  return Object.values(taskResults)
    .filter((result) => result.task.target.target === RELEASE_PUBLISH_TARGET)
    .flatMap((result) => {
      const { projectRoot } = result.task;
      return projectRoot === undefined ? [] : [{ project: result.task.target.project, projectRoot, status: result.status }];
    });
}
