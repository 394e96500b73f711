export interface ProcessResult {
  command: string;
  args: readonly string[];
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** True when the process could not be started or exited non-zero, was killed, or timed out. */
  failed: boolean;
  timedOut: boolean;
  /** Why the program could not run at all (e.g. "spawn gpg ENOENT"), when it never produced an exit code. */
  startError?: string;
}

export interface ProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then closed. The only way secrets reach a child process. */
  input?: string;
  timeoutMs?: number;
}

/**
 * Runs a program with an argument array (never through a shell) and collects its output.
 * execa is an ES module; a dynamic import keeps this CommonJS package loadable by every Nx version.
 */
export async function runProcess(command: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  const { execa } = await import('execa');
  const result = await execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.env === undefined,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
    timeout: options.timeoutMs,
    reject: false,
    stripFinalNewline: true,
  });
  return {
    command,
    args,
    exitCode: result.exitCode,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    failed: result.failed,
    timedOut: result.timedOut,
    startError: result.failed && result.exitCode === undefined && !result.timedOut ? result.originalMessage || result.shortMessage : undefined,
  };
}
