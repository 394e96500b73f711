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
  /** Where Nx keeps its local cache (relative to the workspace root). */
  cacheDirectory?: string;
  tasksRunnerOptions?: { default?: { options?: { cacheDirectory?: string } } };
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
 * those of the nx-helm entry of nx.json that owns the chart (see entriesTaking), else none.
 */
export function resolveSettings(workspaceRoot: string, chartRoot: string, env: NodeJS.ProcessEnv): CommandSettings {
  const passed = env[ENV.options];
  if (passed) return checkedPassedSettings(passed);
  const config = readNxJson(workspaceRoot);
  if (!config) return {};
  const chartFile = chartRoot === '.' ? 'Chart.yaml' : `${chartRoot}/Chart.yaml`;
  const conflict = ownershipConflict(config.plugins, chartFile);
  if (conflict) throw new NxHelmError(conflict, { file: 'nx.json' });
  // A chart no entry's patterns take (run by hand): the options of the only entry, when there is one.
  const all = entriesTaking(config.plugins, undefined);
  const entry = entriesTaking(config.plugins, chartFile)[0] ?? (all.length === 1 ? all[0] : undefined);
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
  checkSettings(parsed as CommandSettings, where);
  return parsed as CommandSettings;
}

/**
 * Checks plugin options that come from somewhere other than nx.json (NX_HELM_OPTIONS, a target's options) with the
 * same checks and messages as nx.json's, said of `where` they come from. No message shows a value.
 */
export function checkSettings(settings: CommandSettings, where: string): void {
  try {
    normalizePluginOptions(settings);
  } catch (error) {
    if (!(error instanceof NxHelmError)) throw error;
    throw new NxHelmError(error.message.split(' in nx.json').join(` in ${where}`).split('(it is in nx.json)').join(`(it is in ${where})`));
  }
}

type PluginEntry = Exclude<NonNullable<NxJson['plugins']>[number], string>;

/** Whether a plugin entry's include/exclude patterns give it this file, as Nx decides which files a plugin sees. */
function entryTakes(entry: Pick<PluginEntry, 'include' | 'exclude'>, file: string): boolean {
  return (
    (!entry.include || entry.include.some((pattern) => matchesGlob(file, pattern))) &&
    !(entry.exclude ?? []).some((pattern) => matchesGlob(file, pattern))
  );
}

/** An nx-helm entry of nx.json's plugins, with its position there (1-based) and its options as a comparable key. */
interface NxHelmEntry {
  entry: PluginEntry;
  position: number;
  key: string;
}

function optionsKey(options: unknown): string {
  return JSON.stringify(options ?? {});
}

/** The nx-helm entries of nx.json's plugins (a bare name is an entry without options), in their order. */
function nxHelmEntries(plugins: NxJson['plugins'] | undefined): NxHelmEntry[] {
  return (plugins ?? []).flatMap((entry, index) => {
    const normalized = typeof entry === 'string' ? { plugin: entry } : entry;
    return normalized.plugin === PLUGIN_NAME ? [{ entry: normalized, position: index + 1, key: optionsKey(normalized.options) }] : [];
  });
}

/**
 * The nx-helm entries of nx.json whose include/exclude patterns take a chart file (every one without a file), in their
 * order. The first owns the chart: its options are the chart's, for the graph and for the CLI alike. Entries with
 * other options may not take the same chart (ownershipConflict): Nx would merge both entries' targets, the later's
 * options winning.
 */
export function entriesTaking(plugins: NxJson['plugins'] | undefined, file: string | undefined): PluginEntry[] {
  return takers(plugins, file).map(({ entry }) => entry);
}

function takers(plugins: NxJson['plugins'] | undefined, file: string | undefined): NxHelmEntry[] {
  return nxHelmEntries(plugins).filter(({ entry }) => file === undefined || entryTakes(entry, file));
}

/** The message for a chart that nx-helm entries with different options take, or undefined when none do. */
export function ownershipConflict(plugins: NxJson['plugins'] | undefined, file: string): string | undefined {
  const taking = takers(plugins, file);
  if (taking.every(({ key }) => key === taking[0].key)) return undefined;
  return (
    `${file} is taken by ${taking.length} nx-helm entries of nx.json's "plugins" with different options (entries ` +
    `${taking.map(({ position }) => position).join(' and ')}): the chart would be built and published with one entry's options or the other's. ` +
    'Fix: give those entries "include" or "exclude" patterns that do not overlap, e.g. "exclude": ' +
    `["${file.replace(/\/Chart\.yaml$/, '')}/**"] on all but one of them.`
  );
}

/**
 * What the plugin entry with these options does with a chart file: build its project (it owns the chart, or every
 * entry that takes it has the same options), report the conflict (it is the first of entries with different
 * options), or leave it to another entry (one that takes it while this one does not). The entries are told apart by
 * their options.
 */
export function chartOwnership(plugins: NxJson['plugins'] | undefined, options: unknown, file: string): 'own' | 'conflict' | 'other' {
  const key = optionsKey(options);
  // An entry Nx did not describe (no nx.json in the context): the chart is this entry's.
  if (!nxHelmEntries(plugins).some((entry) => entry.key === key)) return 'own';
  const mine = takers(plugins, file).findIndex((entry) => entry.key === key);
  if (mine === -1) return 'other';
  if (ownershipConflict(plugins, file)) return mine === 0 ? 'conflict' : 'other';
  return 'own';
}
