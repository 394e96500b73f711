import { prepareLint, reportLint, type LintOptions, type PreparedLint } from '../commands/lint';
import { lintCharts } from '../helm/multi-chart';
import type { ProcessResult } from '../utils/process';
import { fileDigest } from '../utils/file-digest';
import { beforeDeadline, runChartBatch, settleEach, type ChartBatchResult, type ChartBatchTask, type WaveRunner } from './chart-batch';

/**
 * `lint` for many charts in one process: each chart prepared as on its own (checks, staging), then the runs with the
 * default values of many charts as a few `helm lint` commands (see lintCharts) and each values-file run as its own,
 * at most as many at once as the batch allows; each chart's result and output as `nx-helm lint` gives them.
 */
export function lintBatch(tasks: readonly ChartBatchTask<LintOptions>[], env?: NodeJS.ProcessEnv): AsyncGenerator<ChartBatchResult> {
  return runChartBatch('lint-chart', tasks, lintWave, { env });
}

const lintWave: WaveRunner<LintOptions> = async (items, { pool, concurrency }) => {
  const { done, failures } = await settleEach(items, (item) =>
    pool(() => beforeDeadline(item.deadline, prepareLint(item.options), (prepared) => prepared.dispose())),
  );
  try {
    const results = new Map<PreparedLint, ProcessResult[]>(done.map(({ value }) => [value, []]));
    // Runs with the same helm, flags and values (the default values, or values files of the same content, as charts
    // copied from one template often have) can share a command.
    const groups = new Map<string, Array<{ prepared: PreparedLint; index: number; deadline: number; valuesFile?: string }>>();
    for (const { item, value: prepared } of done) {
      prepared.runs.forEach((run, index) => {
        const values = run.valuesFile ? fileDigest(run.valuesFile) : undefined;
        const key = JSON.stringify([prepared.helm.binary, item.options.workspaceRoot, prepared.lintFlags, values]);
        groups.set(key, [...(groups.get(key) ?? []), { prepared, index, deadline: item.deadline, valuesFile: run.valuesFile }]);
      });
    }
    const invocations: Array<{ charts: number; run: () => Promise<void> }> = [];
    for (const members of groups.values()) {
      // As many commands as helm processes may run at once, so that every core has one.
      const size = Math.ceil(members.length / concurrency);
      for (let start = 0; start < members.length; start += size) {
        const chunk = members.slice(start, start + size);
        invocations.push({
          charts: chunk.length,
          run: async () => {
            const { prepared } = chunk[0];
            const outcomes = await lintCharts(
              prepared.helm,
              chunk.map((member) => member.prepared.stagedDir),
              prepared.lintFlags,
              {
                cwd: prepared.options.workspaceRoot,
                deadline: Math.min(...chunk.map((member) => member.deadline)),
                valuesFiles: chunk[0].valuesFile ? chunk.map((member) => member.valuesFile!) : undefined,
              },
            );
            chunk.forEach((member, position) => (results.get(member.prepared)![member.index] = outcomes[position]));
          },
        });
      }
    }
    // The largest commands first, so that the last ones to finish are short.
    invocations.sort((a, b) => b.charts - a.charts);
    await Promise.all(invocations.map((invocation) => pool(invocation.run)));
    for (const { item, value: prepared } of done) {
      try {
        reportLint(prepared, results.get(prepared)!);
      } catch (error) {
        failures.set(item.id, error);
      }
    }
    return failures;
  } finally {
    for (const { value } of done) value.dispose();
  }
};
