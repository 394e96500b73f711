import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_OUTPUT_PATH } from '../config/constants';
import { resolveSettings } from '../config/nx-json-settings';
import type { NxHelmPluginOptions } from '../config/plugin-options';
import { formatPublishSummary, publishOutcomes, publishTasksOf } from './publish-summary';

interface HookContext {
  workspaceRoot: string;
  startTime: number;
  taskResults: Record<string, { task: { target: { project: string; target: string }; projectRoot?: string }; status: string }>;
}

/**
 * Prints the summary of a release's publish tasks for the charts of this plugin entry (each nx.json entry gets the
 * hook; the charts its include/exclude select are its own, so a workspace with several entries prints each chart once).
 */
export function reportReleasePublish(options: NxHelmPluginOptions | undefined, context: HookContext): void {
  const own = (projectRoot: string) => {
    try {
      return isDeepStrictEqual(resolveSettings(context.workspaceRoot, projectRoot, {}), options ?? {});
    } catch {
      return false;
    }
  };
  const tasks = publishTasksOf(context.taskResults).filter((task) => own(task.projectRoot));
  const outputPath = options?.outputPath ?? DEFAULT_OUTPUT_PATH;
  const text = formatPublishSummary(publishOutcomes(tasks, context.workspaceRoot, context.startTime, () => outputPath));
  if (text) process.stdout.write(`\n${text}`);
}
