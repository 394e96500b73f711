import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { posix } from 'node:path';
import type { ChartParseResult } from '../chart/chart-model';
import { formatChartProblem } from '../chart/chart-problem';
import { CLI_NAME, defaultRenderOutputPath, ENV, METADATA_KEY, PLUGIN_NAME, RELEASE_PUBLISH_TARGET } from '../config/constants';
import {
  chartCommandSettings,
  commandSettings,
  type CommandSettings,
  type ExecutionMode,
  type NormalizedPluginOptions,
} from '../config/plugin-options';
import type { ChartProjectMetadata } from '../config/project-metadata';
import { isVariableName } from '../config/option-checks';
import { secretVariables } from '../config/secret-variables';
import { ctExclusion, type CtConfig } from '../config/ct-config';
import { shellWord } from '../utils/shell-word';

/** What the targets of every chart take from the workspace as a whole. */
export interface TargetWorkspace {
  /** How a command target starts the CLI (see cliCommand). */
  cli: string;
  /** Whether a chart of the workspace is fetched from the registry charts are pushed to (see buildSettings). */
  registryUsed: boolean;
  /** The file that holds the helmPath option, for the helm version input (see writeHelmPathFile). */
  helmPathFile?: string;
}

/**
 * The project inferred from one Chart.yaml. An invalid chart still becomes a project, named after its folder, so the
 * rest of the graph builds and its lint-chart target reports what is wrong.
 */
export function buildChartProject(
  projectRoot: string,
  parsed: ChartParseResult,
  options: NormalizedPluginOptions,
  workspaceRoot: string,
  ct?: CtConfig,
  workspace: TargetWorkspace = { cli: CLI_NAME, registryUsed: true },
): ProjectConfiguration & { name: string } {
  const chart = parsed.chart;
  const folderName = posix.basename(projectRoot === '.' ? workspaceRoot.replace(/\\/g, '/') : projectRoot);
  const name = `${options.projectNamePrefix}${chart?.name ?? folderName}`;
  const chartMetadata: ChartProjectMetadata = chart
    ? { chartName: chart.name, chartVersion: chart.version, chartType: chart.type }
    : { problems: parsed.problems.map(formatChartProblem) };
  // ct lints only the charts in its chart-dirs, not excluded (and, when asked, deprecated) ones. The others are still
  // projects, packaged and published, and inputs of the charts built with them.
  const notLinted = ct ? ctExclusion(ct, projectRoot, chart?.deprecated === true) : undefined;
  const description = chart
    ? `Helm ${chart.type} chart ${chart.name} ${chart.version}${chart.description ? `: ${chart.description}` : ''}${notLinted ? ` (not linted: ${notLinted})` : ''}`
    : `Helm chart whose Chart.yaml is invalid (run lint-chart for details): ${parsed.problems[0]?.message ?? ''}`;
  // Rendered as linted (the same values sets), and only what helm can render on its own: not library charts.
  const targets = buildChartTargets(projectRoot, options, ct, !notLinted, !notLinted && chart?.type !== 'library', workspace);
  return {
    name,
    root: projectRoot,
    projectType: chart?.type === 'library' ? 'library' : 'application',
    tags: ['helm', ...(chart ? [`helm:${chart.type}`] : [])],
    targets,
    metadata: {
      description,
      technologies: ['helm'],
      targetGroups: {
        [options.targetGroupName]: [
          options.checkVersionTargetName,
          options.lintTargetName,
          options.renderTargetName,
          options.packageTargetName,
          options.pushTargetName,
          RELEASE_PUBLISH_TARGET,
          options.verifyTargetName,
        ].filter((name) => name in targets),
      },
      [METADATA_KEY]: chartMetadata,
    },
  };
}

/**
 * In command mode, and always for the targets that do not batch, a target runs the `nx-helm` CLI (see cliCommand) through
 * `nx:run-commands`, which Nx runs in its own process: a custom executor run alone would cost a forked process
 * loading Nx and the plugin per task. The plugin options reach the CLI as JSON in an environment variable of the
 * target (part of the task's hash; they hold names of secret variables, never secrets). In batch mode lint, package
 * and push are nx-helm's executors, which Nx runs many tasks of in one forked process; their options are the command's
 * options (also hashed).
 */
function buildChartTargets(
  projectRoot: string,
  options: NormalizedPluginOptions,
  ct: CtConfig | undefined,
  linted: boolean,
  rendered: boolean,
  { cli, registryUsed, helmPathFile }: TargetWorkspace,
): Record<string, TargetConfiguration> {
  const packageOutputPath = posix.join(options.outputPath, projectRoot);
  const settings = commandSettings(options);
  const renderOutputPath = defaultRenderOutputPath(projectRoot, options.outputPath);
  const { lint: lintSettings, package: packageSettings, render: renderSettings } = buildSettings(settings, registryUsed);
  const envOf = (used: CommandSettings) => ({ [ENV.options]: JSON.stringify(used) });
  const metadataOf = (name: string, description: string, example: Record<string, unknown>, execution?: ExecutionMode) => ({
    technologies: ['helm'],
    description,
    help: { command: `npx ${CLI_NAME} ${name} --help`, example: { options: example } },
    ...(execution ? { execution } : {}),
  });
  // `command` is the CLI command with the flags it always gets: `publish --lint`.
  const target = (
    command: string,
    description: string,
    example: Record<string, unknown>,
    config: Omit<TargetConfiguration, 'executor' | 'options'>,
    used: CommandSettings = settings,
  ): TargetConfiguration => {
    const [name, ...flags] = command.split(' ');
    return {
      executor: 'nx:run-commands',
      options: { command: [cli, name, shellWord(projectRoot), ...flags].join(' '), env: envOf(used) },
      ...config,
      metadata: metadataOf(name, description, example),
    };
  };
  // Lint, package and push run as nx-helm's executors in batch mode (Nx runs many of their tasks in one process), as
  // the command otherwise; either way the same core, with the same options.
  const batched = (
    command: 'lint' | 'package' | 'push' | 'render',
    description: string,
    example: Record<string, unknown>,
    config: Omit<TargetConfiguration, 'executor' | 'options'>,
    used: CommandSettings,
    executorOptions: Record<string, unknown>,
  ): TargetConfiguration => {
    if (options.execution !== 'batch') {
      const commandTarget = target(command, description, example, config, used);
      return { ...commandTarget, metadata: { ...commandTarget.metadata, execution: 'command' } };
    }
    return {
      executor: `${PLUGIN_NAME}:${command}`,
      options: withoutUnset(executorOptions),
      ...config,
      metadata: metadataOf(command, `${description} (many charts in one process: Nx batch execution)`, example, 'batch'),
    };
  };
  const chartOptions = (used: CommandSettings) => {
    const { projectNamePrefix: _prefix, ...common } = chartCommandSettings(used);
    return common;
  };
  // Lint and package results depend on the chart, on the charts it depends on (their sources are built into it), and
  // on the helm version: one command for every chart, so Nx runs it once per run.
  const inputs = ['default', '^default', { runtime: helmVersionCommand(helmPathFile, secretVariables(options)) }];
  // What ct.yaml makes lint read besides the chart: the file itself and the rule files it names.
  const ctInputs = ct
    ? [ct.file, ct.lintConf, ct.chartYamlSchema].filter((file) => file !== undefined).map((file) => `{workspaceRoot}/${globLiteral(file)}`)
    : [];
  // Files outside the chart or the workspace, when allowed, are read but not hashed: a cached result could be stale.
  const cache = options.allowExternalFiles !== true;
  const checkVersion = linted && (options.checkVersionIncrement ?? ct?.checkVersionIncrement ?? true);
  const lintDescription = ct
    ? `Lint as chart-testing does, following ${ct.file}: its checks, then helm lint with each ci/*-values.yaml (the default values when there are none)`
    : 'Run helm lint --strict with the default values and with each ci/*-values.yaml';
  return {
    ...(checkVersion
      ? {
          [options.checkVersionTargetName]: target(
            'check-version',
            'Fail if the chart changed since the base commit (NX_BASE) without a version bump',
            { base: 'origin/main' },
            // Depends on git history (the base commit), which is not a cache input.
            { cache: false },
          ),
        }
      : {}),
    ...(linted
      ? {
          [options.lintTargetName]: batched(
            'lint',
            lintDescription,
            { strict: false, defaultValues: 'when-no-ci-values' },
            {
              cache,
              inputs: [...inputs, ...ctInputs],
            },
            lintSettings,
            { ...chartOptions(lintSettings), lint: settings.lint },
          ),
        }
      : {}),
    ...(rendered
      ? {
          [options.renderTargetName]: batched(
            'render',
            `Render the chart with helm template (each values set lint uses) into ${renderOutputPath} and validate every object against the Kubernetes schemas and the chart's CRDs`,
            { kubeVersion: '1.31.0', namespace: 'apps', validate: true },
            {
              cache,
              // As lint's, and ct.yaml for its chart-repos (`@name` dependencies) and values sets.
              inputs: [...inputs, ...(ct ? [`{workspaceRoot}/${globLiteral(ct.file)}`] : [])],
              outputs: [`{workspaceRoot}/${globLiteral(renderOutputPath)}`],
            },
            renderSettings,
            {
              ...chartOptions(renderSettings),
              lint: renderSettings.lint,
              render: renderSettings.render,
              outputPath: renderOutputPath,
            },
          ),
        }
      : {}),
    [options.packageTargetName]: batched(
      'package',
      `Build dependencies and run helm package into ${packageOutputPath}`,
      { outputPath: `dist/packages/${projectRoot}` },
      {
        cache,
        dependsOn: [`^${options.packageTargetName}`],
        // The archive's timestamp is SOURCE_DATE_EPOCH when set (else a fixed date), and a signed package differs
        // from an unsigned one.
        // ct.yaml's chart-repos say where `@name` dependencies come from.
        inputs: [
          ...inputs,
          ...(ct ? [`{workspaceRoot}/${globLiteral(ct.file)}`] : []),
          { env: ENV.sourceDateEpoch },
          ...(options.sign ? [{ env: ENV.sign }] : []),
        ],
        // The archives and their provenance files, not the folder: a package restored from the cache must leave the
        // push record (push.json) beside it in place.
        outputs: [
          `{workspaceRoot}/${globLiteral(packageOutputPath)}/*.tgz`,
          `{workspaceRoot}/${globLiteral(packageOutputPath)}/*.tgz.prov`,
        ],
      },
      packageSettings,
      { ...chartOptions(packageSettings), outputPath: packageOutputPath },
    ),
    [options.pushTargetName]: batched(
      'push',
      `Push the package to ${options.registry ?? 'the configured OCI registry'}; skip it if that version is already published with the same content, refuse it if with other content`,
      { registry: 'oci://ghcr.io/acme/charts', allowOverwrite: false },
      // Publishing is a side effect: never served from a cache. A chart whose lint fails is never published.
      {
        cache: false,
        dependsOn: [options.packageTargetName, ...(linted && options.lintBeforePush ? [options.lintTargetName] : [])],
      },
      settings,
      { registry: settings.registry, registries: settings.registries, sign: settings.sign, helmPath: settings.helmPath, packageOutputPath },
    ),
    // What `nx release publish` runs (Nx fixes the name). It lints, packages and pushes in one task: Nx drops the tasks
    // a release target depends on when the release is filtered by --projects or --groups.
    [RELEASE_PUBLISH_TARGET]: target(
      `publish${linted && options.lintBeforePush ? ' --lint' : ''}`,
      `Publish the chart for nx release: ${linted && options.lintBeforePush ? 'lint, ' : ''}package and push it to ${options.registry ?? 'the configured OCI registry'} (skipped if identical, refused if different); a dry run only says what it would publish`,
      { dryRun: true },
      { cache: false },
    ),
    [options.verifyTargetName]: target(
      'verify',
      'Pull the pushed chart by its manifest digest and check it against push.json and the local package',
      { keyring: 'keys/pubring.gpg' },
      { cache: false, dependsOn: [options.pushTargetName] },
    ),
  };
}

/**
 * The settings lint, package and render read, so that their tasks hash nothing else and setting an option only another
 * target uses re-runs none of them. Where charts are pushed changes neither, unless a chart of the workspace is fetched
 * from that registry (it then decides which dependencies are the workspace's own charts). Lint keeps `sign`: the
 * secret variables it names are kept from helm by every command.
 */
function buildSettings(
  settings: CommandSettings,
  registryUsed: boolean,
): { lint: CommandSettings; package: CommandSettings; render: CommandSettings } {
  const { registry, render, ...rest } = settings;
  const built = registryUsed && registry ? { ...rest, registry } : rest;
  const { outputPath: _outputPath, ...lint } = built;
  const { lint: _lint, ...packageSettings } = built;
  // Render takes its values sets from lint's defaultValues, and nothing else of lint's option.
  const renderLint = settings.lint?.defaultValues ? { defaultValues: settings.lint.defaultValues } : undefined;
  const renderSettings = { ...packageSettings, ...(renderLint ? { lint: renderLint } : {}), ...(render ? { render } : {}) };
  return { lint, package: packageSettings, render: renderSettings };
}

/**
 * A path as a glob of Nx's inputs and outputs that matches it: Nx cannot parse some names as globs (`$(x)` is an
 * unfinished pattern group), and would fail the whole graph. Each character globs give a meaning becomes `?`, which
 * matches it: at worst a look-alike file is hashed or cached too.
 */
function globLiteral(path: string): string {
  return path.replace(/[*?[\]{}()!+@\\|]/g, '?');
}

/** Executor options without those left unset (or empty lists), to keep the targets short. */
function withoutUnset(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined && !(Array.isArray(value) && value.length === 0)),
  );
}

/**
 * A runtime input that resolves helm the way the commands do (helmPath option, HELM_BIN, PATH) and prints its
 * version, so upgrading helm invalidates cached lint and package results. `helmPathFile` is the file that holds the
 * helmPath option (see writeHelmPathFile): the command line holds no text from the configuration but the names of
 * the secret variables, which are checked to be plain variable names.
 */
export function helmVersionCommand(helmPathFile: string | undefined, hiddenVariables: string[] = []): string {
  const read = helmPathFile ? `h="$(cat ${helmPathFile} 2>/dev/null)"; ` : '';
  const binary = helmPathFile ? '"${h:-${HELM_BIN:-helm}}"' : '"${HELM_BIN:-helm}"';
  // Nx runs this with the job's environment: keep the secret variables away from helm here too.
  const unset = hiddenVariables
    .filter(isVariableName)
    .map((name) => `-u ${name} `)
    .join('');
  return `${read}${unset ? `env ${unset}-- ` : ''}${binary} version --short 2>/dev/null || echo helm-not-found`;
}
