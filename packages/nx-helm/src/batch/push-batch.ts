import { pushChart, type PushOptions } from '../commands/push';
import { createPool } from '../utils/pool';
import { beforeDeadline, runChartBatch, settleEach, type ChartBatchResult, type ChartBatchTask, type WaveRunner } from './chart-batch';

/** Registry requests are mostly waiting: more charts are pushed at once than helm processes run. */
const PUSHES_PER_CORE = 4;

/**
 * `push` for many charts in one process: one registry client per registry host for all of them (one login, kept-alive
 * connections), a bounded number of charts at a time; each chart's push, record and output as `nx-helm push` gives
 * them.
 */
export function pushBatch(tasks: readonly ChartBatchTask<PushOptions>[], env?: NodeJS.ProcessEnv): AsyncGenerator<ChartBatchResult> {
  return runChartBatch('push-chart', tasks, pushWave, { env });
}

const pushWave: WaveRunner<PushOptions> = async (items, { concurrency, session }) => {
  const pool = createPool(concurrency * PUSHES_PER_CORE);
  const { failures } = await settleEach(items, (item) =>
    pool(() =>
      beforeDeadline(
        item.deadline,
        session.withLog(item.options.log, () => pushChart(item.options)),
      ),
    ),
  );
  return failures;
};
