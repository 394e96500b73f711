import { availableParallelism } from 'node:os';
import type { ChartCommandOptions } from '../commands/chart-command';
import { CommandSession } from '../commands/command-session';
import { projectLabel } from '../commands/chart-command';
import { chartTimeoutError, chartTimeoutSeconds } from '../utils/deadline';
import type { Logger } from '../utils/logger';
import { formatFailure, NxHelmError } from '../utils/nx-helm-error';
import { createPool, type Pool } from '../utils/pool';
import { watchDeadline } from '../utils/watchdog';

/** Helm processes a batch runs at once: NX_HELM_BATCH_CONCURRENCY, else the machine's cores. */
export const BATCH_CONCURRENCY_VARIABLE = 'NX_HELM_BATCH_CONCURRENCY';

/** One chart's task in a batch: its id (Nx's task id), the command's options, and the tasks of the batch it needs. */
export interface ChartBatchTask<O extends ChartCommandOptions> {
  id: string;
  options: Omit<O, 'log' | 'session'>;
  dependsOn: readonly string[];
}

/** A task's outcome, in the form Nx takes from a batch executor. */
export interface ChartBatchResult {
  task: string;
  result: {
    success: boolean;
    /** Nx 22.7.2+; older versions read `success` alone. */
    status: 'success' | 'failure' | 'skipped';
    terminalOutput: string;
    startTime: number;
    endTime: number;
  };
}

/** A task as a command's wave function handles it: options with the task's own log and the batch's session. */
export interface WaveItem<O extends ChartCommandOptions> {
  id: string;
  options: O;
  /** When the chart's NX_HELM_CHART_TIMEOUT runs out (ms since the epoch). */
  deadline: number;
}

export interface WaveContext {
  /** Bounds the helm processes (and other heavy work) running at once. */
  pool: Pool;
  concurrency: number;
  session: CommandSession;
}

/**
 * Runs the work of several tasks together (as far as the command can share it) and says, per task id, what failed:
 * an error, or nothing for success. Every task's messages go to its own log.
 */
export type WaveRunner<O extends ChartCommandOptions> = (items: WaveItem<O>[], context: WaveContext) => Promise<Map<string, unknown>>;

/**
 * The one way nx-helm runs many charts' tasks in one process. Tasks run in waves: those whose dependencies in the
 * batch have succeeded, a bounded number at a time, so a chart is built after the charts it bundles and results come
 * as waves finish. A task whose dependency failed is not run (skipped). Each task's output is its own chart's
 * messages, and its failure is reported as the command reports it on its own; every chart keeps its own time bound.
 */
export async function* runChartBatch<O extends ChartCommandOptions>(
  target: string,
  tasks: readonly ChartBatchTask<O>[],
  runWave: WaveRunner<O>,
  settings: { env?: NodeJS.ProcessEnv; waveSize?: number; concurrency?: number } = {},
): AsyncGenerator<ChartBatchResult> {
  const env = settings.env ?? process.env;
  let concurrency: number;
  let timeoutSeconds: number;
  try {
    concurrency = settings.concurrency ?? batchConcurrency(env);
    timeoutSeconds = chartTimeoutSeconds(env);
  } catch (error) {
    // Settings of the whole batch: every task fails with what is wrong, as each would on its own.
    const now = Date.now();
    for (const task of tasks) {
      const terminalOutput = `${formatFailure(target, projectLabel(task.options), error)}\n`;
      yield { task: task.id, result: { success: false, status: 'failure', terminalOutput, startTime: now, endTime: now } };
    }
    return;
  }
  const waveSize = settings.waveSize ?? 64;
  const session = new CommandSession();
  const context: WaveContext = { pool: createPool(concurrency), concurrency, session };
  const ids = new Set(tasks.map((task) => task.id));
  const outcome = new Map<string, 'success' | 'failure' | 'skipped'>();
  const pending = [...tasks];
  try {
    while (pending.length > 0) {
      // Dependencies outside the batch have already run: Nx schedules a batch once they are done.
      const inBatch = (task: ChartBatchTask<O>) => task.dependsOn.filter((id) => ids.has(id));
      const blocked = pending.filter((task) => inBatch(task).some((id) => outcome.get(id) === 'failure' || outcome.get(id) === 'skipped'));
      for (const task of blocked) {
        pending.splice(pending.indexOf(task), 1);
        const failed = inBatch(task).filter((id) => outcome.get(id) === 'failure' || outcome.get(id) === 'skipped');
        outcome.set(task.id, 'skipped');
        const now = Date.now();
        yield {
          task: task.id,
          result: {
            success: false,
            status: 'skipped',
            terminalOutput: `Not run: ${failed.join(', ')} did not succeed.\n`,
            startTime: now,
            endTime: now,
          },
        };
      }
      const ready = pending.filter((task) => inBatch(task).every((id) => outcome.get(id) === 'success')).slice(0, waveSize);
      if (ready.length === 0) {
        if (pending.length === 0) break;
        // A cycle Nx would not have scheduled: run the rest rather than wait forever.
        ready.push(...pending.slice(0, waveSize));
      }
      for (const task of ready) pending.splice(pending.indexOf(task), 1);
      const startTime = Date.now();
      const logs = new Map(ready.map((task) => [task.id, capturingLogger()]));
      const items = ready.map((task) => ({
        id: task.id,
        options: { ...task.options, log: logs.get(task.id)!.logger, session } as O,
        deadline: startTime + timeoutSeconds * 1000,
      }));
      // The wave's deadline, kept even when a step keeps the event loop busy (see watchDeadline).
      const unwatch = watchDeadline(
        startTime + timeoutSeconds * 1000,
        formatFailure(target, items.map((item) => projectLabel(item.options)).join(', '), chartTimeoutError(timeoutSeconds)),
      );
      let failures: Map<string, unknown>;
      try {
        failures = await runWave(items, context);
      } catch (error) {
        failures = new Map(items.map((item) => [item.id, error]));
      } finally {
        unwatch();
      }
      const endTime = Date.now();
      for (const item of items) {
        const log = logs.get(item.id)!;
        let error = failures.get(item.id);
        if (error instanceof DeadlinePassed) error = chartTimeoutError(timeoutSeconds);
        if (error !== undefined) log.logger.error(formatFailure(target, projectLabel(item.options), error));
        outcome.set(item.id, error === undefined ? 'success' : 'failure');
        yield {
          task: item.id,
          result: {
            success: error === undefined,
            status: error === undefined ? 'success' : 'failure',
            terminalOutput: log.text(),
            startTime,
            endTime,
          },
        };
      }
    }
  } finally {
    await session.close();
  }
}

/** NX_HELM_BATCH_CONCURRENCY, else the number of cores. */
export function batchConcurrency(env: NodeJS.ProcessEnv): number {
  const value = env[BATCH_CONCURRENCY_VARIABLE]?.trim();
  if (!value) return availableParallelism();
  if (!/^[1-9]\d*$/.test(value)) {
    throw new NxHelmError(
      `${BATCH_CONCURRENCY_VARIABLE} is ${JSON.stringify(value)}, which is not a number of helm processes. Set it to a whole ` +
        `number such as ${availableParallelism()} (this machine's cores), or unset it for that default.`,
    );
  }
  return Number(value);
}

/**
 * Resolves with the work's result, or rejects with the chart's time-out error once its deadline passes (the work is
 * left to end on its own bounds; what it leaves behind is removed when it does).
 */
export function beforeDeadline<T>(deadline: number, work: Promise<T>, cleanUp?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        reject(new DeadlinePassed());
        work.then(
          (value) => cleanUp?.(value),
          () => undefined,
        );
      },
      Math.max(0, deadline - Date.now()),
    );
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A chart's work that its deadline cut short: reported as the chart's time-out by runChartBatch. */
export class DeadlinePassed extends Error {}

/** Runs `work` for every item, each failure kept with its item; the work of all items is awaited. */
export async function settleEach<I extends { id: string }, T>(
  items: readonly I[],
  work: (item: I) => Promise<T>,
): Promise<{ done: Array<{ item: I; value: T }>; failures: Map<string, unknown> }> {
  const failures = new Map<string, unknown>();
  const done: Array<{ item: I; value: T }> = [];
  await Promise.all(
    items.map(async (item) => {
      try {
        done.push({ item, value: await work(item) });
      } catch (error) {
        failures.set(item.id, error);
      }
    }),
  );
  // In the order given, whatever order the work finished in.
  done.sort((a, b) => items.indexOf(a.item) - items.indexOf(b.item));
  return { done, failures };
}

function capturingLogger(): { logger: Logger; text(): string } {
  const lines: string[] = [];
  return {
    logger: { info: (message) => lines.push(message), warn: (message) => lines.push(message), error: (message) => lines.push(message) },
    text: () => (lines.length > 0 ? `${lines.join('\n')}\n` : ''),
  };
}
