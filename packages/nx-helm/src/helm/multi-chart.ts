import type { ProcessOptions, ProcessResult } from '../utils/process';
import type { HelmRunner } from './helm-runner';

/** Process options, and when the group must be done by (ms since the epoch): every command of it stops by then. */
export interface GroupOptions extends Omit<ProcessOptions, 'timeoutMs'> {
  deadline?: number;
}

/**
 * `helm lint` and `helm package` take several chart folders at once, and a helm process costs far more than linting or
 * packaging a small chart: one command for many charts is several times cheaper than one each. These run one command
 * for a group and give every chart the result its own command would have given. When the group's command fails, or
 * its output cannot be told apart per chart, each half of the group is tried again the same way, down to single
 * charts: a result (and its output) is always exactly that chart's, and one failing chart among many costs a few
 * more commands, not one per chart.
 */

/**
 * `helm lint <dir>… <flags>`: one result per folder, as `helm lint <dir> <flags>` would give it. With `valuesFiles`
 * (one per folder, all of the same content), each chart is linted with its values file: the group's command passes the
 * first, a chart's own command its own.
 */
export async function lintCharts(
  helm: HelmRunner,
  dirs: readonly string[],
  flags: readonly string[],
  options: GroupOptions & { valuesFiles?: readonly string[] } = {},
): Promise<ProcessResult[]> {
  const { valuesFiles, ...processOptions } = options;
  const argsFor = (folders: readonly string[], index: number) => [
    'lint',
    ...folders,
    ...flags,
    ...(valuesFiles ? ['--values', valuesFiles[index]] : []),
  ];
  if (dirs.length === 1) return [await run(helm, argsFor(dirs, 0), processOptions)];
  const group = await run(helm, argsFor(dirs, 0), processOptions);
  const sections = group.failed || group.stderr.trim() !== '' ? undefined : lintSections(group.stdout, dirs);
  if (!sections) {
    const middle = Math.ceil(dirs.length / 2);
    const half = (from: number, to?: number) =>
      lintCharts(helm, dirs.slice(from, to), flags, { ...options, valuesFiles: valuesFiles?.slice(from, to) });
    return [...(await half(0, middle)), ...(await half(middle))];
  }
  return dirs.map((dir, index) => ({
    ...group,
    args: argsFor([dir], index),
    // What helm prints for one chart: its section, then the count.
    stdout: `${sections[index]}\n\n1 chart(s) linted, 0 chart(s) failed`,
  }));
}

/**
 * The part of a multi-chart `helm lint` output that belongs to each folder: helm prints `==> Linting <dir>` before
 * each chart's messages, in the order given, and a count at the end. Undefined when the output is not of that shape.
 */
export function lintSections(stdout: string, dirs: readonly string[]): string[] | undefined {
  const starts: number[] = [];
  let from = 0;
  for (const dir of dirs) {
    const start = stdout.indexOf(`==> Linting ${dir}\n`, from);
    if (start === -1) return undefined;
    starts.push(start);
    from = start + 1;
  }
  const summary = stdout.lastIndexOf(`\n${dirs.length} chart(s) linted, 0 chart(s) failed`);
  if (summary === -1 || summary < starts[starts.length - 1]) return undefined;
  return starts.map((start, index) => stdout.slice(start, index + 1 < starts.length ? starts[index + 1] : summary).trimEnd());
}

/**
 * `helm package <dir>… --destination <destination>`: one result per folder, as `helm package <dir> --destination
 * <destination>` would give it. The charts' archive names (`<name>-<version>.tgz`) must differ.
 */
export async function packageCharts(
  helm: HelmRunner,
  dirs: readonly string[],
  destination: string,
  options: GroupOptions = {},
): Promise<ProcessResult[]> {
  if (dirs.length === 1) return [await run(helm, ['package', dirs[0], '--destination', destination], options)];
  const group = await run(helm, ['package', ...dirs, '--destination', destination], options);
  // helm prints one line per packaged chart, in order.
  const lines = group.stdout.split('\n').filter((line) => line.startsWith('Successfully packaged chart'));
  if (group.failed || group.stderr.trim() !== '' || lines.length !== dirs.length) {
    return inHalves(dirs, (half) => packageCharts(helm, half, destination, options));
  }
  return dirs.map((dir, index) => ({ ...group, args: ['package', dir, '--destination', destination], stdout: lines[index] }));
}

async function inHalves(dirs: readonly string[], run: (dirs: readonly string[]) => Promise<ProcessResult[]>): Promise<ProcessResult[]> {
  const middle = Math.ceil(dirs.length / 2);
  return [...(await run(dirs.slice(0, middle))), ...(await run(dirs.slice(middle)))];
}

/** One helm command, stopped at the group's deadline; none is started after it. */
function run(helm: HelmRunner, args: string[], { deadline, ...options }: GroupOptions): Promise<ProcessResult> {
  if (deadline === undefined) return helm.run(args, options);
  const left = deadline - Date.now();
  if (left <= 0) {
    return Promise.resolve({ command: helm.binary, args, exitCode: undefined, stdout: '', stderr: '', failed: true, timedOut: true });
  }
  return helm.run(args, { ...options, timeoutMs: Math.min(left, helm.timeoutMs) });
}
