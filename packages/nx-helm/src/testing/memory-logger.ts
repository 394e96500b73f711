import type { Logger } from '../utils/logger';

/** A logger that keeps every line (warnings and errors marked), for tests that read what a command said. */
export function memoryLogger(): Logger & { text(): string } {
  const lines: string[] = [];
  return {
    info: (message) => lines.push(message),
    warn: (message) => lines.push(`WARN ${message}`),
    error: (message) => lines.push(`ERROR ${message}`),
    text: () => lines.join('\n'),
  };
}

/** A logger that drops everything, for tests that judge a command by its result alone. */
export const quietLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
