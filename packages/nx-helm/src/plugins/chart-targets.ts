import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { posix } from 'node:path';
import type { ChartParseResult } from '../chart/chart-model';
import { formatChartProblem } from '../chart/chart-problem';
import { secretVariables } from '../executors/shared/secret-variables';
import { publishRepositories, type NormalizedPluginOptions } from './options';

/** What the project graph keeps about a chart (in project metadata, read back by createDependencies). */
export interface ChartProjectMetadata {
  chartName?: string;
  chartVersion?: string;
  chartType?: string;
  /** Set when Chart.yaml is invalid: the problems lint-chart will report. */
  problems?: string[];
}

export const METADATA_KEY = 'nx-helm';

/**
 * The project inferred from one Chart.yaml. An invalid chart still becomes a project, named after its folder, so the
 * rest of the graph builds and its lint-chart target reports what is wrong.
 */
export function buildChartProject(
  projectRoot: string,
  parsed: ChartParseResult,
  options: NormalizedPluginOptions,
  workspaceRoot: string,
): ProjectConfiguration & { name: string } {
  const chart = parsed.chart;
  const folderName = posix.basename(projectRoot === '.' ? workspaceRoot.replace(/\\/g, '/') : projectRoot);
  const name = `${options.projectNamePrefix}${chart?.name ?? folderName}`;
  const chartMetadata: ChartProjectMetadata = chart
    ? { chartName: chart.name, chartVersion: chart.version, chartType: chart.type }
    : { problems: parsed.problems.map(formatChartProblem) };
  const description = chart
    ? `Helm ${chart.type} chart ${chart.name} ${chart.version}${chart.description ? `: ${chart.description}` : ''}`
    : `Helm chart whose Chart.yaml is invalid (run lint-chart for details): ${parsed.problems[0]?.message ?? ''}`;
  return {
    name,
    root: projectRoot,
    projectType: chart?.type === 'library' ? 'library' : 'application',
    tags: ['helm', ...(chart ? [`helm:${chart.type}`] : [])],
    targets: buildChartTargets(name, projectRoot, options),
    metadata: {
      description,
      technologies: ['helm'],
      targetGroups: {
        [options.targetGroupName]: [
          options.checkVersionTargetName,
          options.lintTargetName,
          options.packageTargetName,
          options.pushTargetName,
          options.verifyTargetName,
        ],
      },
      [METADATA_KEY]: chartMetadata,
    },
  };
}

function buildChartTargets(
  projectName: string,
  projectRoot: string,
  options: NormalizedPluginOptions,
): Record<string, TargetConfiguration> {
  const helmOptions = {
    ...(options.helmPath ? { helmPath: options.helmPath } : {}),
    ...(options.registries ? { registries: options.registries } : {}),
  };
  const repositories = publishRepositories(options);
  const buildOptions = { ...helmOptions, ...(repositories.length > 0 ? { publishRepositories: repositories } : {}) };
  const packageOutputPath = posix.join(options.outputPath, projectRoot);
  const { publicKeyring, ...signingOptions } = options.sign ?? {};
  const signing = options.sign ? { signingOptions, publicKeyring } : undefined;
  // Lint and package results depend on the chart, on the charts it depends on (their sources are built into it),
  // and on the helm version that produced them.
  const inputs = ['default', '^default', { runtime: helmVersionCommand(options.helmPath, secretVariables(options)) }];
  return {
    [options.checkVersionTargetName]: {
      executor: 'nx-helm:check-version',
      options: repositories.length > 0 ? { publishRepositories: repositories } : {},
      // Depends on git history (the base commit), which is not a cache input.
      cache: false,
      metadata: {
        technologies: ['helm'],
        description: 'Fail if the chart changed since the base commit (NX_BASE) without a version bump',
        help: {
          command: `npx nx run ${projectName}:${options.checkVersionTargetName} --help`,
          example: { options: { base: 'origin/main' } },
        },
      },
    },
    [options.lintTargetName]: {
      executor: 'nx-helm:lint',
      options: { ...buildOptions },
      cache: true,
      inputs,
      metadata: {
        technologies: ['helm'],
        description: 'Run helm lint --strict with the default values and with each ci/*-values.yaml',
        help: {
          command: `npx nx run ${projectName}:${options.lintTargetName} --help`,
          example: { options: { valuesFiles: ['ci/production-values.yaml'] } },
        },
      },
    },
    [options.packageTargetName]: {
      executor: 'nx-helm:package',
      options: { ...buildOptions, outputPath: packageOutputPath, ...(signing ? { sign: signing.signingOptions } : {}) },
      cache: true,
      dependsOn: [`^${options.packageTargetName}`],
      // The archive embeds a timestamp (SOURCE_DATE_EPOCH, or the last commit touching the chart): a package built
      // with another timestamp has other bytes, so it must not be served from the cache.
      inputs: [...inputs, { runtime: sourceDateCommand(projectRoot) }, ...(signing ? [{ env: 'NX_HELM_SIGN' }] : [])],
      outputs: [`{workspaceRoot}/${packageOutputPath}`],
      metadata: {
        technologies: ['helm'],
        description: `Build dependencies and run helm package into ${packageOutputPath}`,
        help: {
          command: `npx nx run ${projectName}:${options.packageTargetName} --help`,
          example: { options: { outputPath: `dist/packages/${projectRoot}` } },
        },
      },
    },
    [options.pushTargetName]: {
      executor: 'nx-helm:push',
      options: {
        ...helmOptions,
        ...(options.registry ? { registry: options.registry } : {}),
        packageOutputPath,
      },
      // Publishing is a side effect: never served from a cache.
      cache: false,
      dependsOn: [options.packageTargetName],
      metadata: {
        technologies: ['helm'],
        description: `Push the package to ${options.registry ?? 'the configured OCI registry'}; skip it if that version is already published with the same content, refuse it if with other content`,
        help: {
          command: `npx nx run ${projectName}:${options.pushTargetName} --help`,
          example: { options: { registry: 'oci://ghcr.io/acme/charts', allowOverwrite: false } },
        },
      },
    },
    [options.verifyTargetName]: {
      executor: 'nx-helm:verify',
      options: {
        ...helmOptions,
        ...(signing?.publicKeyring ? { keyring: signing.publicKeyring } : {}),
        packageOutputPath,
      },
      cache: false,
      dependsOn: [options.pushTargetName],
      metadata: {
        technologies: ['helm'],
        description: 'Pull the pushed chart by its manifest digest and check it against push.json and the local package',
        help: {
          command: `npx nx run ${projectName}:${options.verifyTargetName} --help`,
          example: { options: { keyring: 'keys/pubring.gpg' } },
        },
      },
    },
  };
}

/** A runtime input printing the timestamp package-chart stamps into the archive (see cli/source-date-command.ts). */
export function sourceDateCommand(projectRoot: string): string {
  return `node -e 'require("nx-helm/source-date").printSourceDate(${JSON.stringify(projectRoot)})'`;
}

/**
 * A runtime input that resolves helm the way the executors do (helmPath option, HELM_BIN, PATH) and prints its
 * version, so upgrading helm invalidates cached lint and package results.
 */
export function helmVersionCommand(helmPath: string | undefined, hiddenVariables: string[] = []): string {
  const binary = helmPath ? JSON.stringify(helmPath) : '"${HELM_BIN:-helm}"';
  // Nx runs this with the job's environment: keep the secret variables away from helm here too.
  const unset = hiddenVariables.map((name) => `-u ${name} `).join('');
  return `${unset ? `env ${unset}` : ''}${binary} version --short 2>/dev/null || echo helm-not-found`;
}
