import { logger } from '@nx/devkit';

/** Collects what the executors print through Nx's logger, so tests can assert on the messages users see. */
export function captureLogger(): { output: () => string; restore: () => void } {
  const lines: string[] = [];
  const spies = (['info', 'warn', 'error', 'log'] as const).map((level) =>
    jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    }),
  );
  return { output: () => lines.join('\n'), restore: () => spies.forEach((spy) => spy.mockRestore()) };
}
