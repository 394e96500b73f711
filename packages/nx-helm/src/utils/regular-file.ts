import { realpathSync, statSync, type Stats } from 'node:fs';
import { NxHelmError } from './nx-helm-error';

/** What a path is when it is neither a file nor a folder, in words; undefined for files, folders and missing paths. */
export function specialFileKind(stats: Stats): string | undefined {
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return undefined;
}

/**
 * Refuses a path that, links followed, is a device, a named pipe or a socket: reading /dev/zero or /dev/urandom never
 * ends (memory fills up) and a pipe without a writer never answers. `shown` names the path in the message.
 */
export function checkRegularFile(path: string, shown: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return; // missing or dangling: the reader reports it
  }
  const kind = specialFileKind(stats);
  if (!kind) return;
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // shown as it is
  }
  throw new NxHelmError(
    `${shown} is ${kind}${target !== path ? ` (a link to ${target})` : ''}, not a file: reading it would never end. ` +
      "Fix: remove it from the chart, or list it in the chart's .helmignore.",
    { file: shown },
  );
}
