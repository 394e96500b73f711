import { spawn, type ChildProcess } from 'node:child_process';
import { onInterrupt } from './on-interrupt';
import { watchResource } from './watchdog';

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

/** A child that ignores SIGTERM after a timeout is killed outright this much later. */
const KILL_GRACE_MS = 2000;

/** Children still running, stopped when this process is interrupted: a helm push must not go on without its login. */
const running = new Set<ChildProcess>();
let stopOnInterrupt = false;

/**
 * Runs a program with an argument array (never through a shell) and collects its output. Built on node:child_process
 * rather than execa: the CLI starts a process per task, and loading execa alone takes longer than its whole start-up
 * budget.
 */
export function runProcess(command: string, args: readonly string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (exitCode: number | undefined, startError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({
        command,
        args,
        exitCode,
        stdout: Buffer.concat(stdout)
          .toString('utf8')
          .replace(/\r?\n$/, ''),
        stderr: Buffer.concat(stderr)
          .toString('utf8')
          .replace(/\r?\n$/, ''),
        failed: startError !== undefined || timedOut || exitCode !== 0,
        timedOut,
        startError,
      });
    };
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    const unwatch = child.pid === undefined ? () => undefined : watchResource('pid', child.pid);
    child.once('exit', () => {
      running.delete(child);
      unwatch();
    });
    if (!stopOnInterrupt) {
      stopOnInterrupt = true;
      // First: children stop before the temporary folders with their configs go.
      onInterrupt(() => running.forEach((child) => child.kill('SIGTERM')), true);
    }
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
          }, options.timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => finish(undefined, error.message));
    child.on('close', (code) => finish(code ?? undefined));
    if (options.input !== undefined) {
      // A child that exits without reading its input closes the pipe: that is not an error of ours.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(options.input);
    }
  });
}
