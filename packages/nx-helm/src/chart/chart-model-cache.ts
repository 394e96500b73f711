import { join } from 'node:path';
import { workspaceDataDirectory } from '../config/workspace-data';
import { FileCache, hashOf } from '../utils/file-cache';
import { pluginVersion } from '../utils/plugin-version';
import { parseChart, type ChartParseResult, type ChartRequirements } from './chart-model';

/**
 * Parsed Chart.yaml files, by path and content, in Nx's workspace data folder: createNodes fills it while it builds
 * the graph, and every task reads it, so a task does not load a YAML parser for charts the graph has just read. Keyed
 * by content (with the requirements.yaml that can replace the dependencies) and by this build of the plugin, an entry
 * is never stale; a chart it lacks is parsed as usual.
 */
export class ChartModelCache {
  private readonly cache: FileCache<ChartParseResult>;

  constructor(workspaceRoot: string) {
    this.cache = new FileCache(join(workspaceDataDirectory(workspaceRoot), `nx-helm-charts-${hashOf(pluginVersion).slice(0, 16)}.json`));
  }

  /** Parses through the cache, recording the entry as used (entries no chart uses are dropped on save). */
  parse(text: string, chartFile: string, requirements?: ChartRequirements): ChartParseResult {
    return this.cache.get(keyOf(text, chartFile, requirements), () => parseChart(text, chartFile, requirements));
  }

  /** Parses with the cache's entry when it has one, without changing the cache (for tasks, which run in parallel). */
  lookUp(text: string, chartFile: string, requirements?: ChartRequirements): ChartParseResult {
    return this.cache.peek(keyOf(text, chartFile, requirements)) ?? parseChart(text, chartFile, requirements);
  }

  save(): void {
    this.cache.save();
  }
}

function keyOf(text: string, chartFile: string, requirements: ChartRequirements | undefined): string {
  return requirements ? hashOf(chartFile, text, requirements.file, requirements.text) : hashOf(chartFile, text);
}

const readers = new Map<string, ChartModelCache>();

/** A chart's parse result, from the workspace's cache when the graph has it, else parsed now. */
export function parseChartInWorkspace(
  text: string,
  chartFile: string,
  workspaceRoot: string,
  requirements?: ChartRequirements,
): ChartParseResult {
  let reader = readers.get(workspaceRoot);
  if (!reader) {
    reader = new ChartModelCache(workspaceRoot);
    readers.set(workspaceRoot, reader);
  }
  return reader.lookUp(text, chartFile, requirements);
}
