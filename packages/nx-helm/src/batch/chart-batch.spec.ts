import type { ChartCommandOptions } from '../commands/chart-command';
import { NxHelmError } from '../utils/nx-helm-error';
import { batchConcurrency, beforeDeadline, runChartBatch, type ChartBatchResult, type WaveRunner } from './chart-batch';

const task = (id: string, dependsOn: string[] = []) => ({
  id: `${id}:package-chart`,
  options: { workspaceRoot: '/w', chartRoot: `charts/${id}`, projectName: id } as Omit<ChartCommandOptions, 'log'>,
  dependsOn: dependsOn.map((dependency) => `${dependency}:package-chart`),
});

async function collect(results: AsyncGenerator<ChartBatchResult>): Promise<ChartBatchResult[]> {
  const all: ChartBatchResult[] = [];
  for await (const result of results) all.push(result);
  return all;
}

describe('runChartBatch', () => {
  it('runs tasks in waves after their dependencies, skips the dependents of a failure, and keeps each output apart', async () => {
    const waves: string[][] = [];
    const wave: WaveRunner<ChartCommandOptions> = async (items) => {
      waves.push(items.map((item) => item.id));
      const failures = new Map<string, unknown>();
      for (const item of items) {
        item.options.log.info(`working on ${item.options.chartRoot}`);
        if (item.options.projectName === 'broken') failures.set(item.id, new NxHelmError('the chart is broken'));
      }
      return failures;
    };
    const results = await collect(
      runChartBatch(
        'package-chart',
        [task('umbrella', ['web', 'broken']), task('web', ['common']), task('common'), task('broken'), task('other', ['outside'])],
        wave,
        { env: {} },
      ),
    );
    expect(waves).toEqual([['common:package-chart', 'broken:package-chart', 'other:package-chart'], ['web:package-chart']]);
    const byTask = Object.fromEntries(results.map((result) => [result.task, result.result]));
    expect(byTask['common:package-chart']).toMatchObject({
      success: true,
      status: 'success',
      terminalOutput: 'working on charts/common\n',
    });
    expect(byTask['other:package-chart']).toMatchObject({ success: true, terminalOutput: 'working on charts/other\n' });
    expect(byTask['broken:package-chart']).toMatchObject({
      success: false,
      status: 'failure',
      terminalOutput: 'working on charts/broken\npackage-chart failed for broken:\nthe chart is broken\n',
    });
    expect(byTask['umbrella:package-chart']).toMatchObject({
      success: false,
      status: 'skipped',
      terminalOutput: 'Not run: broken:package-chart did not succeed.\n',
    });
    expect(results).toHaveLength(5);
  });

  it('fails a chart whose work outlives NX_HELM_CHART_TIMEOUT with the command time-out message, the others not', async () => {
    const wave: WaveRunner<ChartCommandOptions> = async (items) => {
      const failures = new Map<string, unknown>();
      await Promise.all(
        items.map((item) =>
          beforeDeadline(
            item.deadline,
            new Promise((resolve) => setTimeout(resolve, item.options.projectName === 'slow' ? 5000 : 10).unref()),
          ).catch((error: unknown) => failures.set(item.id, error)),
        ),
      );
      return failures;
    };
    const started = Date.now();
    const results = await collect(
      runChartBatch('lint-chart', [task('slow'), task('quick')], wave, { env: { NX_HELM_CHART_TIMEOUT: '1' } }),
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expect(results.map((result) => [result.task, result.result.success])).toEqual([
      ['slow:package-chart', false],
      ['quick:package-chart', true],
    ]);
    expect(results[0].result.terminalOutput).toContain('did not finish within 1 s (NX_HELM_CHART_TIMEOUT)');
  });

  it('fails every task of a wave whose work throws, with that error', async () => {
    const results = await collect(
      runChartBatch('lint-chart', [task('a'), task('b')], async () => Promise.reject(new NxHelmError('helm was not found')), { env: {} }),
    );
    expect(results.map((result) => result.result.terminalOutput)).toEqual([
      'lint-chart failed for a:\nhelm was not found\n',
      'lint-chart failed for b:\nhelm was not found\n',
    ]);
  });
});

describe('batchConcurrency', () => {
  it('is NX_HELM_BATCH_CONCURRENCY, else the cores, and refuses what is not a whole number', () => {
    expect(batchConcurrency({ NX_HELM_BATCH_CONCURRENCY: '3' })).toBe(3);
    expect(batchConcurrency({})).toBe(require('node:os').availableParallelism());
    expect(() => batchConcurrency({ NX_HELM_BATCH_CONCURRENCY: '0' })).toThrow(
      /NX_HELM_BATCH_CONCURRENCY is "0", which is not a number of helm processes\. Set it to a whole number/,
    );
    expect(() => batchConcurrency({ NX_HELM_BATCH_CONCURRENCY: 'many' })).toThrow(/is "many"/);
  });

  it('fails every task of a batch whose settings are wrong, saying which', async () => {
    const results = await collect(
      runChartBatch('lint-chart', [task('a')], async () => new Map(), { env: { NX_HELM_BATCH_CONCURRENCY: 'x' } }),
    );
    expect(results).toHaveLength(1);
    expect(results[0].result).toMatchObject({ success: false, status: 'failure' });
    expect(results[0].result.terminalOutput).toContain('NX_HELM_BATCH_CONCURRENCY is "x"');
  });
});
