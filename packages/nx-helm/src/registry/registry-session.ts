import { join } from 'node:path';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import type { ProcessOptions, ProcessResult } from '../helm/process';
import { NxHelmError } from '../utils/nx-helm-error';
import { classifyRegistryFailure } from './registry-errors';
import { connectionFlags, type RegistryCommand, type RegistryHostOptions } from './registry-options';
import { createSecretTempDir, removeSecretTempDir } from './temp-dirs';

export class RegistryAuthError extends NxHelmError {}

/**
 * helm commands against one registry host. With credentials configured (names of environment variables), it logs in
 * into a registry config of its own, in a temporary folder, with the password on stdin; `close()` logs out and removes
 * the folder. Without them it uses whatever login the user already has (helm's or docker's config).
 * Secret values never reach a command line, a log line, or a child's environment.
 */
export class RegistrySession {
  private constructor(
    readonly helm: HelmRunner,
    readonly host: string,
    readonly options: RegistryHostOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly configDir: string | undefined,
    readonly authenticated: boolean,
  ) {}

  static async open(helm: HelmRunner, host: string, options: RegistryHostOptions, env: NodeJS.ProcessEnv = process.env): Promise<RegistrySession> {
    const { usernameEnv, passwordEnv } = options;
    const childEnv = withoutVariables(env, [usernameEnv, passwordEnv]);
    if (!usernameEnv && !passwordEnv) {
      return new RegistrySession(helm, host, options, childEnv, undefined, false);
    }
    const missing = [usernameEnv, passwordEnv].filter((name): name is string => !name || !env[name]);
    if (!usernameEnv || !passwordEnv || missing.length > 0) {
      throw new RegistryAuthError(
        `Credentials for ${host} are configured in the nx-helm "registries" option, but ` +
          (!usernameEnv || !passwordEnv
            ? 'only one of usernameEnv and passwordEnv is set. Set both to the names of environment variables.'
            : `the environment variable(s) ${missing.join(', ')} are not set. Export them (e.g. from CI secrets) before running.`),
      );
    }
    const configDir = createSecretTempDir('nx-helm-registry-');
    const sessionEnv = { ...childEnv, HELM_REGISTRY_CONFIG: join(configDir, 'config.json') };
    const session = new RegistrySession(helm, host, options, sessionEnv, configDir, true);
    const result = await helm.run(
      ['registry', 'login', host, '--username', env[usernameEnv]!, '--password-stdin', ...connectionFlags(options, 'login', helm.majorVersion)],
      { env: sessionEnv, input: env[passwordEnv]! },
    );
    if (result.failed) {
      await session.close();
      const failure = classifyRegistryFailure(result, host);
      throw new RegistryAuthError(
        `Logging in to ${host} as the user from ${usernameEnv} failed.\n${describeHelmFailure(result)}\nFix: ${failure.hint}`,
      );
    }
    return session;
  }

  /** Runs a helm command with this session's registry config and the connection flags for `command`. */
  run(command: RegistryCommand, args: string[], options: Omit<ProcessOptions, 'env'> = {}): Promise<ProcessResult> {
    return this.helm.run([...args, ...connectionFlags(this.options, command, this.helm.majorVersion)], { ...options, env: this.env });
  }

  /** Logs out and deletes the temporary registry config (if this session logged in). Never throws. */
  async close(): Promise<void> {
    if (!this.configDir) {
      return;
    }
    try {
      await this.helm.run(['registry', 'logout', this.host], { env: this.env });
    } finally {
      removeSecretTempDir(this.configDir);
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
