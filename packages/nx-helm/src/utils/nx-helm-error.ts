/** What an error is about, for programs that react to it (and for tests): the message already says all of it. */
export interface NxHelmErrorDetails {
  /** The file the problem is in, relative to the workspace root (e.g. `charts/web/Chart.yaml`). */
  file?: string;
  line?: number;
  /** The registry reference involved (e.g. `oci://ghcr.io/acme/charts/web:1.0.0`). */
  reference?: string;
  /** A manifest digest learnt before the failure (e.g. of the version already published). */
  digest?: string;
  /** The lower-level error this one explains. */
  cause?: unknown;
}

/**
 * The one error type of nx-helm. Its message is complete (what failed, where, what to do), so it is shown as it is;
 * any other error is unexpected and is shown with its stack.
 */
export class NxHelmError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly reference?: string;
  readonly digest?: string;

  constructor(message: string, details: NxHelmErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'NxHelmError';
    this.file = details.file;
    this.line = details.line;
    this.reference = details.reference;
    this.digest = details.digest;
  }
}

/**
 * How a failed command is reported, by executors and the CLI alike: `<what> failed for <subject>:` and the message of
 * our own errors, or the stack of an unexpected one (for a bug report).
 */
export function formatFailure(what: string, subject: string, error: unknown): string {
  const detail = error instanceof NxHelmError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  return `${what} failed for ${subject}:\n${detail}`;
}
