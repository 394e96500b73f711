import type { ParseArgsConfig } from 'node:util';

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; value?: string };

export interface CliCommand {
  summary: string;
  /** Whether it takes a chart folder as its argument. */
  chart: boolean;
  options: Record<string, OptionSpec>;
}

const helmPath: OptionSpec = { type: 'string', value: 'path', description: 'helm binary (default: HELM_BIN, then helm on PATH)' };
const connection: Record<string, OptionSpec> = {
  'plain-http': { type: 'boolean', description: 'use plain http for the registry' },
  'insecure-skip-tls-verify': { type: 'boolean', description: "skip verifying the registry's TLS certificate" },
  'ca-file': { type: 'string', value: 'file', description: "CA bundle for the registry's certificate" },
  'cert-file': { type: 'string', value: 'file', description: 'client certificate for mutual TLS' },
  'key-file': { type: 'string', value: 'file', description: 'client key for mutual TLS' },
};
const packageOutputPath: OptionSpec = {
  type: 'string',
  value: 'dir',
  description: 'folder of the package (default dist/<chart folder>)',
};

const PUSH_OPTIONS: Record<string, OptionSpec> = {
  registry: { type: 'string', value: 'oci://host/path', description: 'registry to push to (NX_HELM_REGISTRY overrides it)' },
  'allow-overwrite': { type: 'boolean', description: 'replace a version published with other content' },
  'dry-run': { type: 'boolean', description: 'ask the registry and say whether a push would upload, skip or refuse; push nothing' },
  retries: { type: 'string', value: 'n', description: 'retries after a transient failure (default 4)' },
  'retry-delay-ms': { type: 'string', value: 'ms', description: 'delay before the first retry (default 1000)' },
  'retry-max-delay-ms': { type: 'string', value: 'ms', description: 'upper bound of one retry delay (default 15000)' },
  'command-timeout-ms': { type: 'string', value: 'ms', description: 'stop a registry command after this long (default 600000)' },
  'package-output-path': packageOutputPath,
  ...connection,
  'helm-path': helmPath,
};

/** Every subcommand of the `nx-helm` CLI with its flags; `--help` of each is generated from this. */
export const CLI_COMMANDS: Record<string, CliCommand> = {
  lint: {
    summary:
      'helm lint the chart (built with its dependencies) with its default values and each ci/*-values.yaml; with a ct.yaml, as ct lints',
    chart: true,
    options: {
      strict: { type: 'boolean', description: 'fail on warnings (default without ct.yaml; --no-strict to allow them)' },
      'default-values': {
        type: 'string',
        value: 'always|when-no-ci-values',
        description: 'lint the default values too, or only when there are no ci/*-values.yaml (ct)',
      },
      'extra-args': { type: 'string', value: 'args', description: 'more helm lint arguments, e.g. "--kube-version 1.31.0"' },
      'values-file': {
        type: 'string',
        multiple: true,
        value: 'file',
        description: 'values file to lint with instead of ci/*-values.yaml (repeatable)',
      },
      'helm-path': helmPath,
    },
  },
  render: {
    summary:
      "helm template the chart (built with its dependencies) with each values set lint uses, into dist/rendered/<chart folder>, and validate every object against the Kubernetes schemas and the chart's CRDs",
    chart: true,
    options: {
      'output-path': { type: 'string', value: 'dir', description: 'folder for the rendered files (default dist/rendered/<chart folder>)' },
      'release-name': { type: 'string', value: 'name', description: 'release name (default release-name, as helm template)' },
      namespace: { type: 'string', value: 'name', description: 'namespace (default default)' },
      'kube-version': { type: 'string', value: 'version', description: 'Kubernetes version to render for and validate against' },
      'api-versions': {
        type: 'string',
        multiple: true,
        value: 'group/version',
        description: 'API version the chart may find in .Capabilities (repeatable)',
      },
      validate: { type: 'boolean', description: 'validate the rendered objects (default; --no-validate to only render)' },
      strict: { type: 'boolean', description: 'refuse fields the schema does not define (default; --no-strict allows them)' },
      'unknown-kinds': { type: 'string', value: 'skip|fail', description: 'objects of kinds with no schema: skip (default) or fail' },
      'default-values': {
        type: 'string',
        value: 'always|when-no-ci-values',
        description: 'render the default values too, or only when there are no ci/*-values.yaml (as lint)',
      },
      'values-file': {
        type: 'string',
        multiple: true,
        value: 'file',
        description: 'values file to render with instead of ci/*-values.yaml (repeatable)',
      },
      'helm-path': helmPath,
    },
  },
  package: {
    summary: 'build the dependencies and package the chart into a reproducible .tgz (signed when configured)',
    chart: true,
    options: {
      'output-path': { type: 'string', value: 'dir', description: 'folder for the package (default dist/<chart folder>)' },
      'helm-path': helmPath,
    },
  },
  push: {
    summary: 'push the package to the OCI registry; skip a version published with the same content, refuse one with other content',
    chart: true,
    options: PUSH_OPTIONS,
  },
  publish: {
    summary:
      'what `nx release publish` runs (the nx-release-publish target): lint, package and push as those commands do; --dry-run or NX_DRY_RUN=true only says what it would publish',
    chart: true,
    options: {
      ...PUSH_OPTIONS,
      'dry-run': { type: 'boolean', description: 'say what would be published, without packaging or contacting the registry' },
      lint: { type: 'boolean', description: 'lint the chart before packaging it (the target sets it unless lintBeforePush is false)' },
      // nx release publish passes npm's publishing options to every nx-release-publish target.
      tag: { type: 'string', value: 'tag', description: 'npm dist-tag from nx release publish; charts have none (ignored)' },
      otp: { type: 'string', value: 'code', description: 'npm one-time password from nx release publish (ignored)' },
      access: { type: 'string', value: 'level', description: 'npm access level from nx release publish (ignored)' },
      'first-release': { type: 'boolean', description: 'from nx release publish --first-release (nothing differs for charts)' },
    },
  },
  verify: {
    summary: 'pull the pushed chart by its manifest digest and check it against push.json and the local package',
    chart: true,
    options: {
      keyring: { type: 'string', value: 'file', description: 'public keyring to check the provenance signature with' },
      'package-output-path': packageOutputPath,
      ...connection,
      'helm-path': helmPath,
    },
  },
  'release-assets': {
    summary: "write a published chart's release files: package, provenance, lineage.json, CHANGELOG/README/LICENSE and release notes",
    chart: true,
    options: {
      'output-dir': { type: 'string', value: 'dir', description: 'where to write them (default dist/release-assets/<chart folder>)' },
      'ci-run-url': { type: 'string', value: 'url', description: 'the CI run that released it (default from GitHub Actions or GitLab CI)' },
      sign: {
        type: 'string',
        value: 'none|cosign|gpg',
        description: 'how the chart is signed, for the lineage and verify commands (default gpg with a .prov, else none)',
      },
      'package-output-path': packageOutputPath,
    },
  },
  'check-version': {
    summary: 'fail when the chart changed since the base commit without a version bump',
    chart: true,
    options: {
      base: {
        type: 'string',
        value: 'commit',
        description:
          "commit or branch to compare with (default NX_BASE, then nx.json's defaultBase, then ct.yaml's remote/target-branch, then main)",
      },
    },
  },
  diff: {
    summary:
      "render the charts affected since the base commit at the base and in the working tree (from Nx's cache when it has them) and report what changed, object by object: dist/diff/report.md and report.json",
    chart: false,
    options: {
      base: {
        type: 'string',
        value: 'commit',
        description: "commit or branch to compare with (default NX_BASE, then nx.json's defaultBase, then ct.yaml's, then main)",
      },
      'output-dir': { type: 'string', value: 'dir', description: 'folder of the reports (default dist/diff)' },
      'max-length': { type: 'string', value: 'chars', description: 'longest Markdown report (default 60000, for a pull request comment)' },
    },
  },
  'cache stats': {
    summary: 'print how many entries the registry cache (NX_HELM_CACHE_REPOSITORY or the cache option) holds, and their size',
    chart: false,
    options: {},
  },
  'cache prune': {
    summary: 'delete the registry cache entries older than --older-than (where the registry allows deleting)',
    chart: false,
    options: {
      'older-than': { type: 'string', value: 'duration', description: 'age of the entries to delete: 14d, 12h, 30m' },
      'dry-run': { type: 'boolean', description: 'say what would be deleted' },
    },
  },
  'cache serve': {
    summary: 'run a command (after --) with the registry cache server up and Nx pointed at it',
    chart: false,
    options: {},
  },
  summary: {
    summary: "print every chart's last push (version, status, digest) from the push.json files",
    chart: false,
    options: {
      dir: { type: 'string', value: 'dir', description: 'folder holding the packages (default dist)' },
      format: { type: 'string', value: 'text|markdown|json', description: 'output format (default text)' },
      sign: { type: 'string', value: 'none|cosign|gpg', description: 'which verify command the markdown table shows' },
      output: { type: 'string', value: 'file', description: 'append to this file (e.g. $GITHUB_STEP_SUMMARY)' },
    },
  },
  'pr-comment': {
    summary:
      'post the diff report as one comment on the pull request of a GitHub Actions run (updated on later pushes) and add it to the job summary; where the token may not comment (forks), the summary only, and exit 0',
    chart: false,
    options: {
      file: { type: 'string', value: 'file', description: 'the Markdown report (nx-helm diff writes dist/diff/report.md)' },
      'pull-request': { type: 'string', value: 'n', description: "the pull request (default the event's, from GITHUB_EVENT_PATH)" },
      'token-variable': {
        type: 'string',
        value: 'name',
        description: 'environment variable holding the token (default GITHUB_TOKEN); the token is never a flag',
      },
      soft: { type: 'boolean', description: 'print a failure as a warning and exit 0, so that a broken comment fails no check' },
    },
  },
};

export function commandHelp(name: string): string {
  const command = CLI_COMMANDS[name];
  const flags = Object.entries(command.options).map(([flag, spec]) => {
    const left = `--${flag}${spec.type === 'string' ? `=<${spec.value ?? 'value'}>` : ''}`;
    return `  ${left.padEnd(34)} ${spec.description}`;
  });
  return [
    `Usage: nx-helm ${name}${command.chart ? ' [chart folder]' : ''} [flags]`,
    '',
    `${command.summary.charAt(0).toUpperCase()}${command.summary.slice(1)}.`,
    ...(command.chart
      ? ['', 'The chart folder defaults to the current folder. Options not given as flags come from the nx-helm entry in nx.json.']
      : []),
    '',
    'Flags:',
    ...flags,
    `  ${'--help'.padEnd(34)} show this help`,
    '',
    'Flags may also be written in camelCase (--outputPath=dist) and booleans as --flag=true|false, as Nx passes them.',
  ].join('\n');
}

export function usage(): string {
  return [
    'Usage: nx-helm <command> [chart folder] [flags]',
    '',
    'Commands:',
    ...Object.entries(CLI_COMMANDS).map(([name, command]) => `  ${name.padEnd(15)} ${command.summary}`),
    '',
    'Run `nx-helm <command> --help` for its flags, `nx-helm --version` for the version. Exit codes: 0 success, 1 failure, 2 wrong usage.',
    'Time limits (seconds): NX_HELM_CHART_TIMEOUT for a whole command (900), NX_HELM_COMMAND_TIMEOUT for one helm command (300).',
  ].join('\n');
}

/**
 * Rewrites the forms Nx uses when it appends a target's options (`--outputPath=x`, `--dryRun=true`) into the flags
 * parseArgs knows (`--output-path=x`, `--dry-run`, `--no-dry-run`).
 */
export function normalizeArgs(args: string[], command: CliCommand): string[] {
  return args.map((arg) => {
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match) return arg;
    const name = match[1].replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    const spec = command.options[name];
    if (spec?.type === 'boolean' && match[2] !== undefined) {
      if (match[2] === 'true') return `--${name}`;
      if (match[2] === 'false') return `--no-${name}`;
    }
    return match[2] === undefined ? `--${name}` : `--${name}=${match[2]}`;
  });
}
