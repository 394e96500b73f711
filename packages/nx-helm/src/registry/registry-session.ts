import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describeHelmFailure, REGISTRY_COMMAND_TIMEOUT_SETTING, type HelmRunner } from '../helm/helm-runner';
import type { ProcessOptions, ProcessResult } from '../utils/process';
import { NxHelmError } from '../utils/nx-helm-error';
import { classifyRegistryFailure, type RegistryFailure } from './registry-errors';
import { configuredCredentials, connectionFlags, type RegistryCommand, type RegistryHostOptions } from './registry-options';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';

/** A registry command that hangs (a stalled connection) is stopped after this long and counts as a transient failure. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60 * 1000;

export interface RegistrySessionOptions {
  /** Environment variables that hold secrets (of any registry or signing key): none of them reaches helm. */
  secretVariables?: string[];
  retry?: RetryPolicy;
  commandTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /**
   * Log in into this registry config (in a folder the caller owns and removes) instead of one of the session's own,
   * so several registries' logins can serve one helm command.
   */
  registryConfigFile?: string;
}

/**
 * helm commands against one registry host. With credentials configured (names of environment variables), it logs in
 * into a registry config of its own, in a temporary folder, with the password on stdin; `close()` logs out and removes
 * the folder (as does an interrupted process). Without them it uses whatever login the user already has (helm's or
 * docker's config). Secret values never reach a command line, a log line, or a child's environment.
 */
export class RegistrySession {
  private constructor(
    readonly helm: HelmRunner,
    readonly host: string,
    readonly options: RegistryHostOptions,
    private readonly env: NodeJS.ProcessEnv,
    /** This session's own temporary config folder, removed on close (absent when not logged in or given a config). */
    private readonly configDir: string | undefined,
    private readonly commandTimeoutMs: number,
    private readonly loggedIn: boolean,
  ) {}

  static async open(
    helm: HelmRunner,
    host: string,
    options: RegistryHostOptions,
    settings: RegistrySessionOptions = {},
  ): Promise<RegistrySession> {
    const env = settings.env ?? process.env;
    const { usernameEnv, passwordEnv } = options;
    const childEnv = withoutVariables(env, [usernameEnv, passwordEnv, ...(settings.secretVariables ?? [])]);
    const timeout = settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (!usernameEnv && !passwordEnv) {
      return new RegistrySession(helm, host, options, childEnv, undefined, timeout, false);
    }
    const credentials = configuredCredentials(host, options, env)!;
    const sessionEnv: NodeJS.ProcessEnv = { ...childEnv };
    // If the process is interrupted, log out synchronously too: a credential helper may hold the password elsewhere.
    const configDir = settings.registryConfigFile
      ? undefined
      : createTempDir('nx-helm-registry-', () => {
          execFileSync(helm.binary, ['registry', 'logout', host], { env: sessionEnv, stdio: 'ignore', timeout: 10_000 });
        });
    sessionEnv.HELM_REGISTRY_CONFIG = settings.registryConfigFile ?? join(configDir!, 'config.json');
    const session = new RegistrySession(helm, host, options, sessionEnv, configDir, timeout, true);
    let failure: RegistryFailure | undefined;
    const result = await withRetries(
      settings.retry ?? DEFAULT_RETRY_POLICY,
      async () => {
        const attempt = await helm.run(
          [
            'registry',
            'login',
            host,
            '--username',
            credentials.username,
            '--password-stdin',
            ...connectionFlags(options, 'login', helm.majorVersion),
          ],
          { env: sessionEnv, input: credentials.password, timeoutMs: timeout },
        );
        failure = attempt.failed ? classifyRegistryFailure(attempt, host) : undefined;
        return { ok: !attempt.failed, retryable: failure?.retryable ?? false, value: attempt };
      },
      (attemptNumber, delayMs) =>
        settings.log?.(`Attempt ${attemptNumber} of logging in to ${host} failed; retrying in ${(delayMs / 1000).toFixed(1)} s.`),
    );
    if (result.failed) {
      await session.close();
      throw new NxHelmError(
        `Logging in to ${host} as the user from ${usernameEnv} failed.\n${describeHelmFailure(result, REGISTRY_COMMAND_TIMEOUT_SETTING)}\nFix: ${failure?.hint ?? 'see the helm output above.'}`,
      );
    }
    return session;
  }

  /** Runs a helm command with this session's registry config and the connection flags for `command`. */
  run(command: RegistryCommand, args: string[], options: Omit<ProcessOptions, 'env'> = {}): Promise<ProcessResult> {
    return this.helm.run([...args, ...connectionFlags(this.options, command, this.helm.majorVersion)], {
      timeoutMs: this.commandTimeoutMs,
      ...options,
      env: this.env,
    });
  }

  /** Logs out and deletes the temporary registry config (if this session logged in). Never throws. */
  async close(): Promise<void> {
    if (!this.loggedIn) {
      return;
    }
    try {
      await this.helm.run(['registry', 'logout', this.host], { env: this.env, timeoutMs: 30_000 });
    } finally {
      if (this.configDir) {
        removeTempDir(this.configDir);
      }
    }
  }
}

function withoutVariables(env: NodeJS.ProcessEnv, names: Array<string | undefined>): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of names) {
    if (name) delete copy[name];
  }
  return copy;
}
