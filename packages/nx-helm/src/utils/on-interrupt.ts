/**
 * Work that must happen when the process ends before it could clean up after itself: on exit, and on SIGINT, SIGTERM
 * or SIGHUP (a cancelled CI job, Ctrl-C). One set of handlers for the whole process, so that a signal runs every
 * clean-up once and then ends the process as the signal would have without them.
 */
const cleanUps: Array<() => void> = [];
let installed = false;

/**
 * Runs `cleanUp` (synchronously, errors ignored) when the process exits or is interrupted, in the order registered;
 * `first` puts it before the others (stopping child processes comes before removing the files they use).
 */
export function onInterrupt(cleanUp: () => void, first = false): void {
  if (first) cleanUps.unshift(cleanUp);
  else cleanUps.push(cleanUp);
  if (installed) return;
  installed = true;
  process.once('exit', runAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runAll();
      process.kill(process.pid, signal);
    });
  }
}

function runAll(): void {
  for (const cleanUp of cleanUps.splice(0)) {
    try {
      cleanUp();
    } catch {
      // best effort: the other clean-ups still run
    }
  }
}
