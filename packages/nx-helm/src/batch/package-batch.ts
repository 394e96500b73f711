import { join } from 'node:path';
import { finishPackage, preparePackage, type PackageOptions, type PreparedPackage } from '../commands/package';
import { packageCharts } from '../helm/multi-chart';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { beforeDeadline, runChartBatch, settleEach, type ChartBatchResult, type ChartBatchTask, type WaveRunner } from './chart-batch';

/**
 * `package` for many charts in one process, in dependency order (a chart after the workspace charts it bundles, whose
 * archives are built once for all their dependents): each chart staged as on its own, then packaged by a few
 * `helm package` commands (see packageCharts), then made reproducible and signed as `nx-helm package` does.
 */
export function packageBatch(tasks: readonly ChartBatchTask<PackageOptions>[], env?: NodeJS.ProcessEnv): AsyncGenerator<ChartBatchResult> {
  return runChartBatch('package-chart', tasks, packageWave, { env });
}

const packageWave: WaveRunner<PackageOptions> = async (items, { pool, concurrency }) => {
  const { done, failures } = await settleEach(items, (item) =>
    pool(() => beforeDeadline(item.deadline, preparePackage(item.options), (prepared) => prepared.dispose())),
  );
  const destinations: string[] = [];
  try {
    // One command per chunk of charts with the same helm; an archive name appears once per chunk (its destination).
    const chunks: Array<Array<{ id: string; prepared: PreparedPackage; deadline: number }>> = [];
    const size = Math.ceil(done.length / concurrency);
    for (const { item, value: prepared } of done) {
      const chunk = chunks.find(
        (candidate) =>
          candidate.length < size &&
          candidate[0].prepared.helm === prepared.helm &&
          candidate.every((member) => member.prepared.archiveName !== prepared.archiveName),
      );
      const member = { id: item.id, prepared, deadline: item.deadline };
      if (chunk) chunk.push(member);
      else chunks.push([member]);
    }
    await Promise.all(
      chunks.map((chunk) =>
        pool(async () => {
          const destination = createTempDir('nx-helm-package-');
          destinations.push(destination);
          const { helm, options } = chunk[0].prepared;
          const results = await packageCharts(
            helm,
            chunk.map((member) => member.prepared.stagedDir),
            destination,
            { cwd: options.workspaceRoot, deadline: Math.min(...chunk.map((member) => member.deadline)) },
          );
          // One after the other: signing runs gpg per chart, within this command's place in the pool.
          for (const [index, member] of chunk.entries()) {
            try {
              await finishPackage(member.prepared, results[index], join(destination, member.prepared.archiveName));
            } catch (error) {
              failures.set(member.id, error);
            }
          }
        }),
      ),
    );
    return failures;
  } finally {
    for (const { value } of done) value.dispose();
    for (const destination of destinations) removeTempDir(destination);
  }
};
