import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { CtConfig } from '../config/ct-config';
import type { Logger } from '../utils/logger';
import { runProcess } from '../utils/process';
import { renderAdditionalCommand } from './additional-commands';
import { checkChartSchema } from './chart-schema';
import { checkMaintainers } from './maintainers';
import { runYamllint } from './yamllint';
import { indent } from '../utils/indent';
import { yaml } from '../utils/lazy-modules';

export interface CtCheckRequest {
  workspaceRoot: string;
  chartRoot: string;
  config: CtConfig;
  /** The ci/*-values.yaml files of the chart, relative to its folder. */
  ciValuesFiles: string[];
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Bounds a command from ct.yaml: one that never ends must not hang the build. */
const COMMAND_TIMEOUT_MS = 10 * 60_000;

/**
 * The checks `ct lint` runs besides `helm lint`, in its order and as ct.yaml configures them: Chart.yaml against
 * ct's schema (validate-chart-schema), yamllint of Chart.yaml, values.yaml and the ci values (validate-yaml,
 * lint-conf), maintainers (validate-maintainers, offline), then additional-commands. Returns one line per failure.
 */
export async function runCtChecks(request: CtCheckRequest): Promise<string[]> {
  const { config, chartRoot, workspaceRoot, log } = request;
  const relative = (file: string) => (chartRoot === '.' ? file : posix.join(chartRoot, file));
  const chartFile = relative('Chart.yaml');
  const chartText = readFileSync(join(workspaceRoot, chartFile), 'utf8');
  const failures: string[] = [];
  const explicitly = (key: string) => config.keysSet.includes(key);

  if (config.validateChartSchema) {
    if (config.chartYamlSchema) {
      const result = await runProcess('yamale', ['--schema', config.chartYamlSchema, chartFile], {
        cwd: workspaceRoot,
        env: request.env,
        timeoutMs: 120_000,
      });
      if (result.startError) {
        failures.push(
          `${config.file} sets chart-yaml-schema (${config.chartYamlSchema}), which needs yamale, and yamale is not installed. ` +
            "Install it (pip install yamale), or remove chart-yaml-schema to check Chart.yaml against ct's default schema.",
        );
      } else if (result.failed) {
        failures.push(
          `${chartFile} does not match ${config.chartYamlSchema} (validate-chart-schema):\n${indent(`${result.stdout}${result.stderr}`.trim())}`,
        );
      }
    } else {
      const problems = checkChartSchema(chartText);
      if (problems.length > 0) {
        failures.push(
          `${chartFile} does not match chart-testing's Chart.yaml schema (validate-chart-schema in ${config.file}):\n` +
            problems
              .map(
                (problem) =>
                  `  - ${chartFile}${problem.line ? `:${problem.line}` : ''}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`,
              )
              .join('\n') +
            `\n  Fix the fields above, or set validate-chart-schema: false in ${config.file}.`,
        );
      }
    }
  }

  if (config.validateYaml) {
    const files = [chartFile, relative('values.yaml'), ...request.ciValuesFiles.map(relative)].filter((file) =>
      existsSync(join(workspaceRoot, file)),
    );
    const result = await runYamllint(files, { cwd: workspaceRoot, configFile: config.lintConf, env: request.env });
    if (result.status === 'missing') {
      const why = 'yamllint is not installed (Debian/Ubuntu: apt-get install yamllint; else pip install yamllint)';
      if (explicitly('validate-yaml') || config.lintConf !== undefined) {
        const asking = explicitly('lint-conf')
          ? `${config.file} sets lint-conf`
          : config.lintConf !== undefined
            ? `${config.lintConf} asks for yamllint (ct reads it as its rules)`
            : `${config.file} sets validate-yaml`;
        failures.push(`${asking}, but ${why}. Install it, or set validate-yaml: false in ${config.file}.`);
      } else {
        log.warn(
          `Skipped yamllint of ${chartRoot} (ct's validate-yaml default): ${why}. Set validate-yaml: false in ${config.file} to silence this.`,
        );
      }
    } else {
      if (result.output) log.info(`yamllint ${files.join(' ')}\n${indent(result.output)}`);
      if (result.status === 'failed') {
        failures.push(
          `yamllint found errors (validate-yaml in ${config.file}${config.lintConf ? `, rules from ${config.lintConf}` : ", ct's default rules"}):\n${indent(errorsOf(result.output))}`,
        );
      }
    }
  }

  if (config.validateMaintainers) {
    const { parse } = yaml();
    const problem = checkMaintainers((parse(chartText) ?? {}) as Record<string, unknown>);
    if (problem) {
      failures.push(`${chartFile}: ${problem} (validate-maintainers in ${config.file}; set it to false to skip this check).`);
    }
  }

  for (const template of config.additionalCommands) {
    const [program, ...args] = renderAdditionalCommand(template, chartRoot, config.file);
    const result = await runProcess(program, args, { cwd: workspaceRoot, env: request.env, timeoutMs: COMMAND_TIMEOUT_MS });
    const output = `${result.stdout}\n${result.stderr}`.trim();
    log.info(`${[program, ...args].join(' ')} (additional-commands in ${config.file})${output ? `\n${indent(output)}` : ''}`);
    if (result.failed) {
      const why = result.startError
        ? `could not start (${result.startError}): install ${program} or fix the entry`
        : result.timedOut
          ? `did not finish within ${COMMAND_TIMEOUT_MS / 60_000} minutes`
          : `exited with code ${result.exitCode}`;
      failures.push(`The additional command \`${[program, ...args].join(' ')}\` from ${config.file} ${why}.`);
    }
  }
  return failures;
}

/** yamllint's parsable lines that are errors (warnings are shown in the log only). */
function errorsOf(output: string): string {
  const errors = output.split('\n').filter((line) => line.includes('[error]'));
  return (errors.length > 0 ? errors : output.split('\n')).join('\n');
}
