import { NxHelmError } from '../utils/nx-helm-error';
import { findHelm, type HelmLocation } from './find-helm';
import { cachedHelmVersion } from './helm-version-cache';
import { isSupportedHelmVersion, MINIMUM_HELM_VERSION, parseHelmVersion } from './helm-version';
import { runProcess, type ProcessOptions, type ProcessResult } from '../utils/process';
import { secondsFromEnv } from '../utils/deadline';

/** Seconds a helm command may take unless its caller says otherwise: NX_HELM_COMMAND_TIMEOUT, else 300. */
export const COMMAND_TIMEOUT_VARIABLE = 'NX_HELM_COMMAND_TIMEOUT';
const DEFAULT_COMMAND_TIMEOUT_SECONDS = 300;

/**
 * Runs the real helm CLI. Arguments are always an array; secrets only ever travel through `input` (stdin). Every
 * command is bounded in time: helm has no timeout of its own for a registry that accepts connections and never
 * answers (`helm dependency build` would wait forever).
 */
export class HelmRunner {
  private constructor(
    readonly location: HelmLocation,
    /** Helm's version without the leading "v", e.g. "4.1.4". */
    readonly version: string,
    /** The environment helm runs with: this process's, minus the variables that hold secrets. */
    private readonly env: NodeJS.ProcessEnv,
    /** How long one helm command may take (NX_HELM_COMMAND_TIMEOUT). */
    readonly timeoutMs: number,
  ) {}

  get binary(): string {
    return this.location.path;
  }

  /** The environment helm runs with (secret variables removed), to extend for a single command. */
  get environment(): NodeJS.ProcessEnv {
    return { ...this.env };
  }

  get majorVersion(): number {
    return Number(this.version.split('.')[0]);
  }

  /**
   * Finds helm (helmPath option, HELM_BIN, PATH) and checks that it is recent enough. `hiddenVariables` (credentials,
   * passphrases) are removed from every helm process's environment.
   */
  static async create(
    options: { helmPath?: string; env?: NodeJS.ProcessEnv; cwd?: string; hiddenVariables?: string[] } = {},
  ): Promise<HelmRunner> {
    const location = findHelm(options);
    const env = { ...(options.env ?? process.env) };
    for (const name of options.hiddenVariables ?? []) {
      delete env[name];
    }
    let result: ProcessResult | undefined;
    const version = await cachedHelmVersion(
      location.path,
      async () => {
        result = await runProcess(location.path, ['version', '--template', '{{.Version}}'], { env });
        return result.failed ? undefined : parseHelmVersion(result.stdout);
      },
      env,
    );
    if (version === undefined) {
      throw new NxHelmError(
        `${location.path} (found through ${location.source}) did not report a Helm version: ` +
          `${(result?.stderr || result?.stdout || `exit code ${result?.exitCode}`).trim()}. Point it at a Helm 3.8+ or 4.x binary.`,
      );
    }
    if (!isSupportedHelmVersion(version)) {
      throw new NxHelmError(
        `Helm ${version} at ${location.path} (found through ${location.source}) is too old: nx-helm needs Helm ` +
          `${MINIMUM_HELM_VERSION} or newer (OCI registry support). Install a newer Helm (https://helm.sh/docs/intro/install/) ` +
          'and put it on PATH or set HELM_BIN.',
      );
    }
    return new HelmRunner(location, version, env, commandTimeoutMs(env));
  }

  run(args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
    return runProcess(this.location.path, args, { timeoutMs: this.timeoutMs, ...options, env: options.env ?? this.env });
  }
}

/** What to raise when a registry command (login, push, pull) runs out of time: it has a timeout of its own. */
export const REGISTRY_COMMAND_TIMEOUT_SETTING = 'the commandTimeoutMs option (--command-timeout-ms) to more milliseconds';

/**
 * One-line description of a failed helm call for error messages; never includes stdin. `timeoutSetting` names what to
 * raise when the command ran out of time.
 */
export function describeHelmFailure(result: ProcessResult, timeoutSetting = `${COMMAND_TIMEOUT_VARIABLE} to more seconds`): string {
  const output = [result.stderr, result.stdout]
    .map((text) => text.trim())
    .filter(Boolean)
    .join('\n');
  const status = result.timedOut
    ? `did not finish in time and was stopped (a registry or chart repository that does not answer?); if it needs longer, set ${timeoutSetting}`
    : result.startError
      ? `could not be started (${result.startError})`
      : `exited with code ${result.exitCode ?? 'unknown'}`;
  return `\`helm ${result.args.join(' ')}\` ${status}${output ? `:\n${output}` : ''}`;
}

function commandTimeoutMs(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, COMMAND_TIMEOUT_VARIABLE, DEFAULT_COMMAND_TIMEOUT_SECONDS) * 1000;
}
