import { describeHelmFailure, REGISTRY_COMMAND_TIMEOUT_SETTING } from '../helm/helm-runner';
import type { ProcessResult } from '../utils/process';
import { NxHelmError } from '../utils/nx-helm-error';
import { classifyRegistryFailure, type RegistryFailure } from './registry-errors';
import type { RegistryCommand } from './registry-options';
import type { RegistrySession } from './registry-session';
import { withRetries, type RetryPolicy } from './retry';

/** The digest helm reports after a push or pull ("Digest: sha256:…"): on stderr up to Helm 4.2.0, on stdout later. */
export function reportedDigest(result: ProcessResult): string | undefined {
  return /Digest:\s*(sha256:[0-9a-f]{64})/.exec(`${result.stdout}\n${result.stderr}`)?.[1];
}

export interface RegistryCommandRequest {
  command: RegistryCommand;
  args: string[];
  /** What the command does, for messages: "pushing oci://…/web:1.0.0". */
  what: string;
  retry: RetryPolicy;
  log: (line: string) => void;
  /** A failure to return as a result instead of an error (e.g. not-found when looking a version up). */
  accept?: (failure: RegistryFailure) => boolean;
}

/**
 * Runs a registry command in a session, retrying transient failures. A failure `accept` recognises is returned as a
 * result; any other becomes a RegistryCommandError that says what failed, after how many attempts, and the fix.
 */
export async function runRegistryCommand(session: RegistrySession, request: RegistryCommandRequest): Promise<ProcessResult> {
  let failure: RegistryFailure | undefined;
  let attempts = 0;
  const result = await withRetries(
    request.retry,
    async () => {
      attempts++;
      const attempt = await session.run(request.command, request.args);
      failure = attempt.failed ? classifyRegistryFailure(attempt, session.host) : undefined;
      return { ok: !attempt.failed, retryable: failure?.retryable ?? false, value: attempt };
    },
    (attemptNumber, delayMs, last) =>
      request.log(
        `Attempt ${attemptNumber} of ${request.what} failed (${firstErrorLine(last)}); retrying in ${(delayMs / 1000).toFixed(1)} s.`,
      ),
  );
  if (result.failed && failure && !request.accept?.(failure)) {
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    throw new NxHelmError(
      `${capitalize(request.what)} failed${tries}.\n${describeHelmFailure(result, REGISTRY_COMMAND_TIMEOUT_SETTING)}\nFix: ${failure.hint}`,
    );
  }
  return result;
}

function firstErrorLine(result: ProcessResult): string {
  return (
    (result.stderr || result.stdout)
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? `exit code ${result.exitCode}`
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
