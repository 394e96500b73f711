import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, matchesGlob, sep } from 'node:path';
import { ENV, PLUGIN_NAME } from './constants';
import { normalizePluginOptions, type CommandSettings } from './plugin-options';
import { NxHelmError } from '../utils/nx-helm-error';

/**
 * The workspace a chart folder belongs to: the nearest folder above it with an nx.json; without Nx, the git
 * repository it is in; else the current folder when it holds the chart, else the chart folder itself.
 */
export function findWorkspaceRoot(chartFolder: string, cwd: string): string {
  const nearest = (marker: string) => {
    for (let dir = chartFolder; ; dir = dirname(dir)) {
      if (existsSync(join(dir, marker))) return dir;
      if (dirname(dir) === dir) return undefined;
    }
  };
  const inCwd = chartFolder === cwd || chartFolder.startsWith(`${cwd}${sep}`);
  return nearest('nx.json') ?? nearest('.git') ?? (inCwd ? cwd : chartFolder);
}

/** What nx-helm reads of nx.json's `release`: where the release tag pattern is (a group's wins over the workspace's). */
export interface ReleaseConfig {
  releaseTag?: { pattern?: string };
  releaseTagPattern?: string;
  groups?: Record<string, { projects?: string[] | string; releaseTag?: { pattern?: string }; releaseTagPattern?: string }>;
}

/** What nx-helm reads of nx.json. */
export interface NxJson {
  plugins?: Array<string | { plugin: string; options?: CommandSettings; include?: string[]; exclude?: string[] }>;
  defaultBase?: string;
  affected?: { defaultBase?: string };
  release?: ReleaseConfig;
}

/** The workspace's nx.json, or undefined when there is none. */
export function readNxJson(workspaceRoot: string): NxJson | undefined {
  const file = join(workspaceRoot, 'nx.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as NxJson;
  } catch (error) {
    throw new NxHelmError(`${file} is not valid JSON (${(error as Error).message}); fix it, or pass every option as a flag.`, {
      file: 'nx.json',
    });
  }
}

/**
 * The plugin options that apply to the chart in `chartRoot`: those an inferred target passed in NX_HELM_OPTIONS, else
 * those of the nx-helm entry in nx.json whose include/exclude patterns take the chart (the first entry when there is
 * one), else none.
 */
export function resolveSettings(workspaceRoot: string, chartRoot: string, env: NodeJS.ProcessEnv): CommandSettings {
  const passed = env[ENV.options];
  if (passed) return checkedPassedSettings(passed);
  const config = readNxJson(workspaceRoot);
  if (!config) return {};
  const chartFile = chartRoot === '.' ? 'Chart.yaml' : `${chartRoot}/Chart.yaml`;
  const entries = (config.plugins ?? [])
    .map((entry) => (typeof entry === 'string' ? { plugin: entry } : entry))
    .filter((entry) => entry.plugin === PLUGIN_NAME);
  const entry = entries.length === 1 ? entries[0] : entries.find((candidate) => entryTakes(candidate, chartFile));
  const options = entry && 'options' in entry ? entry.options : undefined;
  // Checked as the graph checks them: the command also runs without Nx, straight from nx.json.
  normalizePluginOptions(options);
  return options ?? {};
}

/**
 * The options in NX_HELM_OPTIONS, checked as nx.json's are (the variable can be set by hand): a JSON object of known
 * options, names of variables where secrets belong. No message shows a value.
 */
function checkedPassedSettings(passed: string): CommandSettings {
  const where = `the ${ENV.options} environment variable`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(passed);
  } catch {
    throw new NxHelmError(`${where} is not JSON: unset it, or set it to the nx-helm plugin options (as nx.json has them).`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'a list' : `a ${typeof parsed}`;
    throw new NxHelmError(
      `${where} holds ${kind}, not the nx-helm plugin options: set it to a JSON object as nx.json has them (e.g. ` +
        '{"registry":"oci://ghcr.io/acme/charts"}), or unset it to read the options from nx.json.',
    );
  }
  try {
    normalizePluginOptions(parsed as CommandSettings);
  } catch (error) {
    if (!(error instanceof NxHelmError)) throw error;
    // The same checks and messages as for nx.json, said of where these options come from.
    throw new NxHelmError(error.message.split(' in nx.json').join(` in ${where}`).split('(it is in nx.json)').join(`(it is in ${where})`));
  }
  return parsed as CommandSettings;
}

type PluginEntry = Exclude<NonNullable<NxJson['plugins']>[number], string>;

/** Whether a plugin entry's include/exclude patterns give it this file, as Nx decides which files a plugin sees. */
function entryTakes(entry: Pick<PluginEntry, 'include' | 'exclude'>, file: string): boolean {
  return (
    (!entry.include || entry.include.some((pattern) => matchesGlob(file, pattern))) &&
    !(entry.exclude ?? []).some((pattern) => matchesGlob(file, pattern))
  );
}

/**
 * Whether the plugin entry with these options takes `file`, for files the plugin finds itself rather than from Nx:
 * the entries are told apart by their options; when none has these exact options, every file is taken.
 */
export function pluginEntryTakes(plugins: NxJson['plugins'] | undefined, options: unknown, file: string): boolean {
  const key = JSON.stringify(options ?? {});
  const mine = (plugins ?? []).filter(
    (entry): entry is PluginEntry => typeof entry !== 'string' && JSON.stringify(entry.options ?? {}) === key,
  );
  if (mine.length === 0) return true;
  return mine.some((entry) => entryTakes(entry, file));
}
