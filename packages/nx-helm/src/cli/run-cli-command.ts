import { relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChartCommandOptions } from '../commands/chart-command';
import { defaultRenderOutputPath, ENV } from '../config/constants';
import { findWorkspaceRoot, resolveSettings } from '../config/nx-json-settings';
import { DEFAULT_VALUES_MODES } from '../config/lint-settings';
import { UNKNOWN_KINDS_MODES } from '../config/render-settings';
import { chartCommandSettings, type CommandSettings, type NxHelmPluginOptions } from '../config/plugin-options';
import { consoleLogger } from '../utils/logger';
import { watchDeadline } from '../utils/watchdog';
import { chartTimeoutError, chartTimeoutSeconds, startDeadline } from '../utils/deadline';
import { formatFailure } from '../utils/nx-helm-error';
import { CLI_COMMANDS, commandHelp, normalizeArgs } from './cli-commands';

type Values = Record<string, string | boolean | string[] | undefined>;

/** Exit codes: 0 success, 1 the command failed, 2 wrong usage. */
export async function runCliCommand(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const command = CLI_COMMANDS[name];
  // `cache serve -- <command>`: what follows -- is the command to run, not flags of nx-helm.
  const separator = args.indexOf('--');
  const trailing = name === 'cache serve' && separator !== -1 ? args.slice(separator + 1) : [];
  if (name === 'cache serve' && separator !== -1) args = args.slice(0, separator);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: normalizeArgs(args, command),
      options: { ...command.options, help: { type: 'boolean' } },
      allowPositionals: true,
      allowNegative: true,
    });
  } catch (error) {
    process.stderr.write(`nx-helm ${name}: ${(error as Error).message}\n\n${commandHelp(name)}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${commandHelp(name)}\n`);
    return 0;
  }
  if (positionals.length > (command.chart ? 1 : 0)) {
    process.stderr.write(
      `nx-helm ${name}: unexpected argument(s) ${positionals.slice(command.chart ? 1 : 0).join(' ')}\n\n${commandHelp(name)}\n`,
    );
    return 2;
  }
  let subject =
    name === 'summary'
      ? 'the pushed charts'
      : name === 'diff'
        ? 'the rendered manifests'
        : name.startsWith('cache ')
          ? 'the registry cache'
          : (positionals[0] ?? '.');
  try {
    if (name === 'summary') {
      return runSummary(values, cwd);
    }
    if (name.startsWith('cache ')) {
      return await runCacheCommand(name, values, trailing, env, cwd);
    }
    if (name === 'diff') {
      return await runDiff(values, env, cwd);
    }
    if (name === 'pr-comment') {
      return await runPullRequestComment(values, env, cwd);
    }
    const base = chartOptions(positionals[0] ?? '.', values, env, cwd);
    subject = base.projectName ?? base.chartRoot;
    const seconds = chartTimeoutSeconds(env);
    const timedOut = formatFailure(`nx-helm ${name}`, subject, chartTimeoutError(seconds));
    const stopDeadline = startDeadline(seconds, () => {
      process.stderr.write(`${timedOut}\n`);
      // The exit handlers stop helm and remove temporary folders and logins (onInterrupt).
      process.exit(1);
    });
    // The same deadline when a step keeps the event loop busy, so that the timer above cannot fire.
    const unwatch = watchDeadline(Date.now() + seconds * 1000, timedOut);
    try {
      await runChartCommand(name, base, values);
    } finally {
      stopDeadline();
      unwatch();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`nx-helm ${name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`${formatFailure(`nx-helm ${name}`, subject, error)}\n`);
    return 1;
  }
}

class UsageError extends Error {}

/** A flag's value, which must be one of `modes` (a usage error names them otherwise). */
function oneOf<T extends string>(flag: string, value: string | undefined, modes: readonly T[]): T | undefined {
  if (value === undefined || (modes as readonly string[]).includes(value)) return value as T | undefined;
  const named = modes.length > 1 ? `${modes.slice(0, -1).join(', ')} or ${modes.at(-1)}` : modes.join('');
  throw new UsageError(`${flag} must be ${named}, not "${value}".`);
}

/** Where the chart is and the plugin options that apply to it; flags win over those options. */
function chartOptions(
  chartArgument: string,
  values: Values,
  env: NodeJS.ProcessEnv,
  cwd: string,
): ChartCommandOptions & { settings: CommandSettings } {
  const chartFolder = resolve(cwd, chartArgument);
  const workspaceRoot = findWorkspaceRoot(chartFolder, resolve(cwd));
  const chartRoot = relative(workspaceRoot, chartFolder).split(sep).join('/') || '.';
  const settings = resolveSettings(workspaceRoot, chartRoot, env);
  return {
    workspaceRoot,
    chartRoot,
    projectName: env[ENV.taskProject] || undefined,
    log: consoleLogger,
    env,
    ...chartCommandSettings(settings),
    helmPath: string(values['helm-path']) ?? settings.helmPath,
    settings,
  };
}

async function runChartCommand(name: string, base: ChartCommandOptions & { settings: CommandSettings }, values: Values): Promise<void> {
  const { settings, ...options } = base;
  const packageOutputPath =
    string(values['package-output-path']) ?? (settings.outputPath ? `${settings.outputPath}/${options.chartRoot}` : undefined);
  const connection = {
    plainHttp: boolean(values['plain-http']),
    insecureSkipTlsVerify: boolean(values['insecure-skip-tls-verify']),
    caFile: string(values['ca-file']),
    certFile: string(values['cert-file']),
    keyFile: string(values['key-file']),
  };
  // Each command's module is loaded only when it runs: the CLI starts once per task.
  switch (name) {
    case 'lint': {
      const { lintChart } = require('../commands/lint') as typeof import('../commands/lint');
      const valuesFiles = values['values-file'] as string[] | undefined;
      const defaultValues = oneOf('--default-values', string(values['default-values']), DEFAULT_VALUES_MODES);
      await lintChart({
        ...options,
        strict: boolean(values.strict),
        defaultValues,
        extraArgs: string(values['extra-args'])?.split(/\s+/).filter(Boolean),
        valuesFiles: valuesFiles?.flatMap((file) => file.split(',')),
        lint: settings.lint,
      });
      return;
    }
    case 'render': {
      const { renderChart } = require('../commands/render') as typeof import('../commands/render');
      const defaultValues = oneOf('--default-values', string(values['default-values']), DEFAULT_VALUES_MODES);
      const unknownKinds = oneOf('--unknown-kinds', string(values['unknown-kinds']), UNKNOWN_KINDS_MODES);
      await renderChart({
        ...options,
        outputPath:
          string(values['output-path']) ??
          (settings.outputPath ? defaultRenderOutputPath(options.chartRoot, settings.outputPath) : undefined),
        releaseName: string(values['release-name']),
        namespace: string(values.namespace),
        kubeVersion: string(values['kube-version']),
        apiVersions: (values['api-versions'] as string[] | undefined)?.flatMap((value) => value.split(',')),
        validate: boolean(values.validate),
        strict: boolean(values.strict),
        unknownKinds,
        defaultValues,
        valuesFiles: (values['values-file'] as string[] | undefined)?.flatMap((file) => file.split(',')),
        lint: settings.lint,
        render: settings.render,
      });
      return;
    }
    case 'package': {
      const { packageChart } = require('../commands/package') as typeof import('../commands/package');
      await packageChart({ ...options, outputPath: string(values['output-path']) ?? packageOutputPath });
      return;
    }
    case 'push':
    case 'publish': {
      const pushOptions = {
        ...options,
        ...connection,
        registry: string(values.registry) ?? settings.registry,
        packageOutputPath,
        allowOverwrite: boolean(values['allow-overwrite']),
        dryRun: boolean(values['dry-run']),
        retries: number(values.retries, 'retries'),
        retryDelayMs: number(values['retry-delay-ms'], 'retry-delay-ms'),
        retryMaxDelayMs: number(values['retry-max-delay-ms'], 'retry-max-delay-ms'),
        commandTimeoutMs: number(values['command-timeout-ms'], 'command-timeout-ms'),
      };
      if (name === 'push') {
        const { pushChart } = require('../commands/push') as typeof import('../commands/push');
        await pushChart(pushOptions);
        return;
      }
      for (const flag of ['tag', 'access'] as const) {
        if (string(values[flag]) !== undefined) {
          options.log.warn(
            `--${flag} is an npm publishing option of nx release publish; OCI registries have no equivalent, so it is ignored.`,
          );
        }
      }
      const { publishChart } = require('../commands/publish') as typeof import('../commands/publish');
      await publishChart({
        ...pushOptions,
        // `nx release publish --dry-run` sets NX_DRY_RUN for every task it runs; --no-dry-run wins over it.
        dryRun: pushOptions.dryRun ?? options.env?.NX_DRY_RUN === 'true',
        lint: boolean(values.lint),
        lintSettings: settings.lint,
      });
      return;
    }
    case 'verify': {
      const { verifyChart } = require('../commands/verify') as typeof import('../commands/verify');
      await verifyChart({ ...options, ...connection, keyring: string(values.keyring) ?? settings.sign?.publicKeyring, packageOutputPath });
      return;
    }
    case 'release-assets': {
      const { writeReleaseAssets } = require('../commands/release-assets') as typeof import('../commands/release-assets');
      const signing = oneOf('--sign', string(values.sign), ['none', 'cosign', 'gpg']);
      writeReleaseAssets({
        ...options,
        outputDir: string(values['output-dir']),
        ciRunUrl: string(values['ci-run-url']),
        signing: signing as 'none' | undefined,
        packageOutputPath,
      });
      return;
    }
    case 'check-version': {
      const { checkChartVersion } = require('../commands/check-version') as typeof import('../commands/check-version');
      await checkChartVersion({ ...options, base: string(values.base) });
      return;
    }
    default:
      throw new UsageError(`unknown command "${name}".`);
  }
}

async function runCacheCommand(name: string, values: Values, command: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const { cacheStats, cachePrune, cacheServe } = require('../commands/cache') as typeof import('../commands/cache');
  const workspaceRoot = findWorkspaceRoot(resolve(cwd), resolve(cwd));
  const options = { workspaceRoot, settings: resolveSettings(workspaceRoot, '.', env) as NxHelmPluginOptions, env, log: consoleLogger };
  switch (name) {
    case 'cache stats':
      await cacheStats(options);
      return 0;
    case 'cache prune': {
      const olderThan = string(values['older-than']);
      if (!olderThan) throw new UsageError('cache prune needs --older-than, e.g. --older-than 14d.');
      await cachePrune({ ...options, olderThan, dryRun: boolean(values['dry-run']) });
      return 0;
    }
    case 'cache serve':
      return cacheServe({ ...options, command });
    default:
      throw new UsageError(`unknown command "${name}".`);
  }
}

async function runDiff(values: Values, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const { diffRenderings } = require('../commands/diff') as typeof import('../commands/diff');
  const workspaceRoot = findWorkspaceRoot(resolve(cwd), resolve(cwd));
  const settings = resolveSettings(workspaceRoot, '.', env) as NxHelmPluginOptions;
  await diffRenderings({
    workspaceRoot,
    log: consoleLogger,
    env,
    base: string(values.base),
    outputDir: string(values['output-dir']),
    maxLength: number(values['max-length'], 'max-length'),
    renderTarget: settings.renderTargetName,
    ctConfig: settings.ctConfig,
  });
  return 0;
}

/** Exit 0 when the pull request has the report, or only the job summary because the token may not comment (forks). */
async function runPullRequestComment(values: Values, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const { commentOnPullRequest } = require('../github/pull-request-comment') as typeof import('../github/pull-request-comment');
  const file = string(values.file);
  if (!file) throw new UsageError('pr-comment needs --file, the report to post (e.g. --file dist/diff/report.md).');
  const pullRequest = string(values['pull-request']);
  if (pullRequest !== undefined && !/^[1-9]\d*$/.test(pullRequest)) {
    throw new UsageError(`--pull-request takes the number of a pull request, not "${pullRequest}".`);
  }
  const tokenVariable = string(values['token-variable']);
  // Not echoed: someone may have passed the token itself.
  if (tokenVariable !== undefined && !/^[A-Z_][A-Z0-9_]*$/.test(tokenVariable)) {
    throw new UsageError('--token-variable takes the name of an environment variable, in upper case (e.g. GH_TOKEN), never the token.');
  }
  const soft = boolean(values.soft) ?? false;
  const result = await commentOnPullRequest({
    file,
    pullRequest: pullRequest === undefined ? undefined : Number(pullRequest),
    tokenVariable,
    soft,
    env,
    cwd,
    log: consoleLogger,
  });
  return result.outcome === 'failed' && !soft ? 1 : 0;
}

function runSummary(values: Values, cwd: string): number {
  const { summarizePushes } = require('../commands/summary') as typeof import('../commands/summary');
  const format = string(values.format) ?? 'text';
  const signing = string(values.sign) ?? 'none';
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json, not "${format}".`);
  if (!['none', 'cosign', 'gpg'].includes(signing)) throw new UsageError(`--sign must be none, cosign or gpg, not "${signing}".`);
  const result = summarizePushes({
    dir: string(values.dir),
    format: format as 'text',
    signing: signing as 'none',
    output: string(values.output),
    cwd,
  });
  if (!result.written) process.stdout.write(result.text);
  return result.failed ? 1 : 0;
}

function string(value: Values[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function boolean(value: Values[string]): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

function number(value: Values[string], flag: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} takes a whole number, not "${value}".`);
  return Number(value);
}
