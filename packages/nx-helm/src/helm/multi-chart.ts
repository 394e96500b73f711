import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ProcessOptions, ProcessResult } from '../utils/process';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
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

async function inHalves<T>(items: readonly T[], run: (items: readonly T[]) => Promise<ProcessResult[]>): Promise<ProcessResult[]> {
  const middle = Math.ceil(items.length / 2);
  return [...(await run(items.slice(0, middle))), ...(await run(items.slice(middle)))];
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

/** A chart for templateCharts: its staged folder, its name, and its values file (the same content for every member). */
export interface TemplateMember {
  dir: string;
  name: string;
  valuesFile?: string;
}

/** The arguments of a chart's own command: `template <release> <dir> <flags> [--values <file>]`. */
export function templateArgs(member: Omit<TemplateMember, 'name'>, releaseName: string, flags: readonly string[]): string[] {
  return ['template', releaseName, member.dir, ...flags, ...(member.valuesFile ? ['--values', member.valuesFile] : [])];
}

/** The parent chart templateCharts renders its members under; helm names their templates `<it>/charts/<name>/…`. */
const GROUP_CHART = 'nx-helm-render';

/**
 * `helm template` of several charts in one command: the charts become the subcharts of a parent chart that has nothing
 * else, and each gets the output (the documents whose `# Source:` is in it, named as its own command names them) its
 * own `helm template <release> <dir> <flags> [--values <file>]` would have given. The charts' names must differ, no
 * two may define a named template differently, and none may use what helm treats differently below a parent
 * (chartTemplates says which); their values go under their names, as a parent passes them. When the group's command
 * fails, or its output cannot be told apart, each half is tried again, down to single charts.
 */
export async function templateCharts(
  helm: HelmRunner,
  members: readonly TemplateMember[],
  releaseName: string,
  flags: readonly string[],
  options: GroupOptions,
): Promise<ProcessResult[]> {
  const argsFor = (member: TemplateMember) => templateArgs(member, releaseName, flags);
  if (members.length === 1) return [await run(helm, argsFor(members[0]), options)];
  const parent = createTempDir('nx-helm-render-');
  let group: ProcessResult;
  try {
    const chartsDir = join(parent, GROUP_CHART, 'charts');
    mkdirSync(chartsDir, { recursive: true });
    writeFileSync(join(parent, GROUP_CHART, 'Chart.yaml'), `apiVersion: v2\nname: ${GROUP_CHART}\nversion: 0.0.0\n`);
    // Linked, not copied: several groups may render one staged chart at once (with different values).
    for (const member of members) symlinkSync(member.dir, join(chartsDir, member.name), 'dir');
    const valuesArgs: string[] = [];
    if (members[0].valuesFile) {
      const text = readFileSync(members[0].valuesFile, 'utf8');
      const file = join(parent, 'values.yaml');
      writeFileSync(file, members.map((member) => nestedValues(member.name, text)).join(''));
      valuesArgs.push('--values', file);
    }
    group = await run(helm, ['template', releaseName, join(parent, GROUP_CHART), ...flags, ...valuesArgs], options);
  } finally {
    removeTempDir(parent);
  }
  const sections = group.failed || withoutLinkNotices(group.stderr) !== '' ? undefined : templateSections(group.stdout, members);
  if (!sections) return inHalves(members, (half) => templateCharts(helm, half, releaseName, flags, options));
  return members.map((member, index) => ({ ...group, args: argsFor(member), stderr: '', stdout: sections[index] }));
}

/** helm's stderr without the notice it gives for each linked subchart (helm 4 logs it; helm 3 prints it from walk.go). */
function withoutLinkNotices(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => !line.includes('found symbolic link in path'))
    .join('\n')
    .trim();
}

/**
 * A values file's text as the values of a subchart: under its name, every line indented (comments, anchors and block
 * scalars keep their meaning). Nothing for a file with no values, which would otherwise set the key to null.
 */
function nestedValues(name: string, text: string): string {
  if (!/^[ \t]*[^#\s]/m.test(text)) return '';
  return `${JSON.stringify(name)}:\n${text
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n')}\n`;
}

/**
 * Whether a values file gives a subchart what it gives a chart on its own when nested under the chart's name as text:
 * no document markers or directives (they must start a line), no tabs, and no null (helm removes a key a user's null
 * names at the top, but not always below a parent: helm#12637).
 */
export function nestableValues(text: string): boolean {
  if (/^(---|\.\.\.)([ \t]|$)|^%/m.test(text) || text.includes('\t')) return false;
  try {
    const values: unknown = parse(text, { version: '1.1', merge: true });
    // An empty file gives no values either way.
    return values === null || values === undefined || !hasNull(values);
  } catch {
    return false;
  }
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  if (typeof value === 'object') return Object.values(value as object).some(hasNull);
  return false;
}

/** Each member's documents of a group's output, their sources named as the member's own command names them. */
function templateSections(stdout: string, members: readonly TemplateMember[]): string[] | undefined {
  const byName = new Map(members.map((member, index) => [member.name, index]));
  const sections: string[][] = members.map(() => []);
  for (const document of stdout.split(/^---$/m)) {
    if (document.trim() === '') continue;
    const source = /^# Source: (\S+)/m.exec(document);
    const match = source ? new RegExp(`^${GROUP_CHART}/charts/([^/]+)/`).exec(source[1]) : null;
    const index = match ? byName.get(match[1]) : undefined;
    if (index === undefined) return undefined;
    sections[index].push(`---${document.replace(`# Source: ${GROUP_CHART}/charts/`, '# Source: ')}`);
  }
  return sections.map((documents) => documents.join('').replace(/\n+$/, ''));
}
