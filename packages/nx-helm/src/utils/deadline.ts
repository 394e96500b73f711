import { NxHelmError } from './nx-helm-error';

/** Seconds one nx-helm command may take for its chart, all helm commands and registry requests together. */
export const CHART_TIMEOUT_VARIABLE = 'NX_HELM_CHART_TIMEOUT';
const DEFAULT_CHART_TIMEOUT_SECONDS = 900;

/** A number of seconds from an environment variable, else the default; anything but a positive number is refused. */
export function secondsFromEnv(env: NodeJS.ProcessEnv, variable: string, defaultSeconds: number): number {
  const value = env[variable]?.trim();
  if (!value) return defaultSeconds;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new NxHelmError(
      `${variable} is ${JSON.stringify(value)}, which is not a number of seconds. Set it to e.g. ${defaultSeconds * 2}, or unset it (${defaultSeconds}).`,
    );
  }
  return seconds;
}

export function chartTimeoutSeconds(env: NodeJS.ProcessEnv): number {
  return secondsFromEnv(env, CHART_TIMEOUT_VARIABLE, DEFAULT_CHART_TIMEOUT_SECONDS);
}

/**
 * Calls `expire` once `seconds` have passed, unless the returned function is called first. The timer does not keep
 * the process alive.
 */
export function startDeadline(seconds: number, expire: () => void): () => void {
  const timer = setTimeout(expire, seconds * 1000);
  timer.unref();
  return () => clearTimeout(timer);
}

/** What a chart that ran out of its NX_HELM_CHART_TIMEOUT is told. */
export function chartTimeoutError(seconds: number): NxHelmError {
  return new NxHelmError(
    `The command did not finish within ${seconds} s (${CHART_TIMEOUT_VARIABLE}) and was stopped. Look above for the step that hung ` +
      `(each helm command and registry request has its own, shorter bound), or raise ${CHART_TIMEOUT_VARIABLE} (seconds) for a chart that needs longer.`,
  );
}
