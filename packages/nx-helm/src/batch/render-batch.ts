import { prepareRender, reportRender, templateArgs, type PreparedRender, type RenderOptions } from '../commands/render';
import type { ProcessResult } from '../utils/process';
import { beforeDeadline, runChartBatch, settleEach, type ChartBatchResult, type ChartBatchTask, type WaveRunner } from './chart-batch';

/**
 * `render` for many charts in one process: each chart prepared as on its own (checks, staging), its `helm template`
 * runs at most as many at once as the batch allows, and each chart's result and output as `nx-helm render` gives them.
 */
export function renderBatch(tasks: readonly ChartBatchTask<RenderOptions>[], env?: NodeJS.ProcessEnv): AsyncGenerator<ChartBatchResult> {
  return runChartBatch('render-chart', tasks, renderWave, { env });
}

const renderWave: WaveRunner<RenderOptions> = async (items, { pool }) => {
  const { done, failures } = await settleEach(items, (item) =>
    pool(() => beforeDeadline(item.deadline, prepareRender(item.options), (prepared) => prepared.dispose())),
  );
  try {
    const results = new Map<PreparedRender, ProcessResult[]>(done.map(({ value }) => [value, []]));
    await Promise.all(
      done.flatMap(({ item, value: prepared }) =>
        prepared.runs.map((run, index) =>
          pool(async () => {
            const timeoutMs = Math.max(1, Math.min(item.deadline - Date.now(), prepared.helm.timeoutMs));
            results.get(prepared)![index] = await prepared.helm.run(templateArgs(prepared, run), {
              cwd: prepared.options.workspaceRoot,
              timeoutMs,
            });
          }),
        ),
      ),
    );
    for (const { item, value: prepared } of done) {
      try {
        reportRender(prepared, results.get(prepared)!);
      } catch (error) {
        failures.set(item.id, error);
      }
    }
    return failures;
  } finally {
    for (const { value } of done) value.dispose();
  }
};
