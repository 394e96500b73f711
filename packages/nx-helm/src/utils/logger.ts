/** Where commands report progress: Nx's logger in executors, the terminal in the CLI, a buffer in tests. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Writes info to stdout and warnings and errors to stderr, as a command-line tool should. */
export const consoleLogger: Logger = {
  info: (message) => process.stdout.write(`${message}\n`),
  warn: (message) => process.stderr.write(`${message}\n`),
  error: (message) => process.stderr.write(`${message}\n`),
};
