import { readFileSync } from 'node:fs';
import { prepareRender, reportRender, type PreparedRender, type RenderOptions } from '../commands/render';
import { nestableValues, templateCharts } from '../helm/multi-chart';
import { chartTemplates, definesAgree, type ChartTemplates } from '../render/chart-templates';
import { fileDigest } from '../utils/file-digest';
import type { ProcessResult } from '../utils/process';
import { beforeDeadline, runChartBatch, settleEach, type ChartBatchResult, type ChartBatchTask, type WaveRunner } from './chart-batch';

/**
 * `render` for many charts in one process: each chart prepared as on its own (checks, staging), then the runs of many
 * charts with the same flags and values (the default values, or values files of the same content) as a few
 * `helm template` commands (see templateCharts), at most as many at once as the batch allows; each chart's result and
 * output as `nx-helm render` gives them.
 */
export function renderBatch(tasks: readonly ChartBatchTask<RenderOptions>[], env?: NodeJS.ProcessEnv): AsyncGenerator<ChartBatchResult> {
  return runChartBatch('render-chart', tasks, renderWave, { env });
}

interface Member {
  prepared: PreparedRender;
  index: number;
  deadline: number;
  templates: ChartTemplates;
  valuesFile?: string;
  /** What groups it: the digest of its values file, or none for the default values. */
  values?: string;
  /** It must be rendered on its own (see chartTemplates, nestableValues). */
  alone: boolean;
}

const renderWave: WaveRunner<RenderOptions> = async (items, { pool, concurrency }) => {
  const { done, failures } = await settleEach(items, (item) =>
    pool(async () => {
      const prepared = await beforeDeadline(item.deadline, prepareRender(item.options), (value) => value.dispose());
      try {
        // Read here, per chart: a file that cannot be read fails its own chart only.
        const templates = await chartTemplates(prepared.stagedDir);
        const members = prepared.runs.map((run, index): Member => ({
          prepared,
          index,
          deadline: item.deadline,
          templates,
          valuesFile: run.valuesFile,
          values: run.valuesFile ? fileDigest(run.valuesFile) : undefined,
          alone: templates.alone !== undefined || (run.valuesFile !== undefined && !nestableValues(readFileSync(run.valuesFile, 'utf8'))),
        }));
        return { prepared, members };
      } catch (error) {
        prepared.dispose();
        throw error;
      }
    }),
  );
  try {
    const results = new Map<PreparedRender, ProcessResult[]>(done.map(({ value }) => [value.prepared, []]));
    const keyed = new Map<string, Member[]>();
    const alone: Member[][] = [];
    for (const { item, value } of done) {
      for (const member of value.members) {
        if (member.alone) {
          alone.push([member]);
          continue;
        }
        const { prepared } = member;
        const key = JSON.stringify([prepared.helm.binary, item.options.workspaceRoot, prepared.releaseName, prepared.flags, member.values]);
        keyed.set(key, [...(keyed.get(key) ?? []), member]);
      }
    }
    const invocations: Member[][] = [...alone];
    for (const members of keyed.values()) {
      for (const group of compatibleGroups(members)) {
        // As many commands as helm processes may run at once, so that every core has one.
        const size = Math.ceil(group.length / concurrency);
        for (let start = 0; start < group.length; start += size) invocations.push(group.slice(start, start + size));
      }
    }
    // The largest commands first, so that the last ones to finish are short.
    invocations.sort((a, b) => b.length - a.length);
    // Settled, not raced: every helm process has ended before the staged charts are removed, and a command that
    // could not run fails its own charts only.
    await Promise.allSettled(
      invocations.map((chunk) =>
        pool(async () => {
          const { prepared } = chunk[0];
          try {
            const outcomes = await templateCharts(
              prepared.helm,
              chunk.map((member) => ({ dir: member.prepared.stagedDir, name: member.prepared.chart.name, valuesFile: member.valuesFile })),
              prepared.releaseName,
              prepared.flags,
              { cwd: prepared.options.workspaceRoot, deadline: Math.min(...chunk.map((member) => member.deadline)) },
            );
            chunk.forEach((member, position) => (results.get(member.prepared)![member.index] = outcomes[position]));
          } catch (error) {
            for (const member of chunk) {
              results.get(member.prepared)![member.index] = {
                command: prepared.helm.binary,
                args: ['template'],
                exitCode: undefined,
                stdout: '',
                stderr: '',
                failed: true,
                timedOut: false,
                startError: (error as Error).message,
              };
            }
          }
        }),
      ),
    );
    for (const { item, value } of done) {
      try {
        reportRender(value.prepared, results.get(value.prepared)!);
      } catch (error) {
        failures.set(item.id, error);
      }
    }
    return failures;
  } finally {
    for (const { value } of done) value.prepared.dispose();
  }
};

/**
 * The members split into groups that can share a rendering: in each, chart names differ (a parent holds one subchart
 * of a name) and no named template is defined differently by two of them.
 */
function compatibleGroups(members: readonly Member[]): Member[][] {
  const groups: Array<{ members: Member[]; names: Set<string>; templates: Pick<ChartTemplates, 'defines'> }> = [];
  for (const member of members) {
    const name = member.prepared.chart.name;
    const group = groups.find((candidate) => !candidate.names.has(name) && definesAgree(candidate.templates, member.templates));
    if (group) {
      group.members.push(member);
      group.names.add(name);
      for (const [define, digests] of member.templates.defines) group.templates.defines.set(define, digests);
    } else {
      groups.push({ members: [member], names: new Set([name]), templates: { defines: new Map(member.templates.defines) } });
    }
  }
  return groups.map((group) => group.members);
}
