import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NxHelmError } from '../utils/nx-helm-error';
import { yaml } from '../utils/lazy-modules';

/**
 * The settings of a chart-testing (`ct`) configuration file that nx-helm follows, with ct's defaults applied. Keys
 * that only concern `ct install` (clusters, namespaces, upgrades) or ct's own change detection are not read.
 */
export interface CtConfig {
  /** The file, relative to the workspace root. */
  file: string;
  /** Folders whose charts are tested (ct's `chart-dirs`, default `charts`). */
  chartDirs: string[];
  /** Chart folder names ct skips (`excluded-charts`). */
  excludedCharts: string[];
  /** Skip charts whose Chart.yaml says `deprecated: true` (`exclude-deprecated`). */
  excludeDeprecated: boolean;
  /** The base ct compares with: `<remote>/<target-branch>`, when the file sets either. */
  base?: string;
  /** Repository names for `@name` / `alias:name` dependencies (`chart-repos: [name=url]`). */
  chartRepos: Record<string, string>;
  /** Extra `helm lint` arguments (`helm-lint-extra-args`, split on whitespace as ct does). */
  helmLintExtraArgs: string[];
  /** `check-version-increment` (default true). */
  checkVersionIncrement: boolean;
  /** `validate-chart-schema` (default true) and `chart-yaml-schema` (a yamale schema; default ct's own). */
  validateChartSchema: boolean;
  chartYamlSchema?: string;
  /** `validate-yaml` (default true) and `lint-conf` (a yamllint configuration; default ct's own). */
  validateYaml: boolean;
  lintConf?: string;
  /** `validate-maintainers` (default true): checked offline, without asking GitHub whether accounts exist. */
  validateMaintainers: boolean;
  /** `additional-commands`, each run with `{{ .Path }}` replaced by the chart folder. */
  additionalCommands: string[];
  /** Keys the file sets, to tell a setting the user chose from one of ct's defaults. */
  keysSet: string[];
}

/** The names ct looks for in the working directory (viper's config name `ct` with a YAML or JSON extension). */
const DEFAULT_FILES = ['ct.yaml', 'ct.yml', 'ct.json'];

/**
 * The ct configuration of the workspace: the file the `ctConfig` option names (relative to the workspace root), else
 * ct.yaml (or .yml/.json) at the root; none when there is no such file or `ctConfig` is false. A named file that does
 * not exist is an error: ct fails the same way for a `--config` that is missing.
 */
export function readCtConfig(workspaceRoot: string, ctConfigOption?: string | false): CtConfig | undefined {
  if (ctConfigOption === false) return undefined;
  const file = ctConfigOption ?? DEFAULT_FILES.find((name) => existsSync(join(workspaceRoot, name)));
  if (file === undefined) return undefined;
  const path = join(workspaceRoot, file);
  if (!existsSync(path)) {
    throw new NxHelmError(
      `The nx-helm option ctConfig names ${file}, which does not exist in the workspace. Fix the path (relative to the workspace ` +
        'root), or remove the option to use ct.yaml at the root.',
      { file: 'nx.json' },
    );
  }
  const config = parseCtConfig(readFileSync(path, 'utf8'), file);
  // Without lint-conf or chart-yaml-schema, ct looks for its rule files by name in its working folder (the root)
  // before it takes its built-in ones.
  return {
    ...config,
    lintConf: config.lintConf ?? RULE_FILES.lintConf.find((name) => existsSync(join(workspaceRoot, name))),
    chartYamlSchema: config.chartYamlSchema ?? RULE_FILES.chartYamlSchema.find((name) => existsSync(join(workspaceRoot, name))),
  };
}

/** The names ct finds its yamllint rules and Chart.yaml schema by. */
const RULE_FILES = { lintConf: ['lintconf.yaml'], chartYamlSchema: ['chart_schema.yaml'] };

/** Reads the text of a ct configuration file; every mistake names the file, the key and the fix. */
export function parseCtConfig(source: string, file: string): CtConfig {
  const { parseDocument, LineCounter } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new NxHelmError(`${file}:${line} is not valid YAML: ${error.message.split('\n')[0]}. Fix the file, as ct would need too.`, {
      file,
      line,
    });
  }
  const raw = (document.toJS() ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new NxHelmError(`${file} is not a mapping of ct settings (e.g. \`chart-dirs: [charts]\`).`, { file });
  }
  const problem = (key: string, expected: string): never => {
    throw new NxHelmError(`${file}: "${key}" must be ${expected}, as ct reads it; it is ${JSON.stringify(raw[key])}.`, { file });
  };
  const list = (key: string, fallback: string[] = []): string[] => {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    // ct (viper) also takes a comma-separated string for a list.
    if (typeof value === 'string')
      return value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) return problem(key, 'a list of strings');
    return value as string[];
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = raw[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') return problem(key, 'true or false');
    return value;
  };
  const str = (key: string): string | undefined => {
    const value = raw[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') return problem(key, 'a string');
    return value;
  };
  const chartRepos: Record<string, string> = {};
  for (const entry of list('chart-repos')) {
    const separator = entry.indexOf('=');
    if (separator <= 0 || separator === entry.length - 1) {
      throw new NxHelmError(`${file}: the chart-repos entry ${JSON.stringify(entry)} is not of the form name=url.`, { file });
    }
    chartRepos[entry.slice(0, separator).trim()] = entry.slice(separator + 1).trim();
  }
  const remote = str('remote');
  const targetBranch = str('target-branch');
  return {
    file,
    chartDirs: list('chart-dirs', ['charts']).map((dir) => dir.replace(/^\.\/+/, '').replace(/\/+$/, '') || '.'),
    excludedCharts: list('excluded-charts'),
    excludeDeprecated: flag('exclude-deprecated', false),
    base: remote || targetBranch ? `${remote ?? 'origin'}/${targetBranch ?? 'master'}` : undefined,
    chartRepos,
    helmLintExtraArgs: (str('helm-lint-extra-args') ?? '').split(/\s+/).filter(Boolean),
    checkVersionIncrement: flag('check-version-increment', true),
    validateChartSchema: flag('validate-chart-schema', true),
    chartYamlSchema: str('chart-yaml-schema'),
    validateYaml: flag('validate-yaml', true),
    lintConf: str('lint-conf'),
    validateMaintainers: flag('validate-maintainers', true),
    additionalCommands: list('additional-commands'),
    keysSet: Object.keys(raw),
  };
}

/** Whether ct would test the chart in `chartRoot` at all: it lies in one of the chart-dirs. */
export function isInChartDirs(config: CtConfig, chartRoot: string): boolean {
  return config.chartDirs.some((dir) => dir === '.' || chartRoot === dir || chartRoot.startsWith(`${dir}/`));
}

/** Why ct would not lint the chart (outside chart-dirs, excluded-charts, exclude-deprecated), or undefined when it does. */
export function ctExclusion(config: CtConfig, chartRoot: string, deprecated: boolean): string | undefined {
  if (!isInChartDirs(config, chartRoot)) return `outside the chart-dirs of ${config.file}`;
  const folderName = chartRoot.split('/').pop() ?? chartRoot;
  if (config.excludedCharts.includes(folderName)) return `listed in excluded-charts of ${config.file}`;
  if (config.excludeDeprecated && deprecated) return `deprecated, and ${config.file} sets exclude-deprecated`;
  return undefined;
}
