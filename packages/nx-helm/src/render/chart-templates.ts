import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { readTarEntries } from '../utils/tar-entries';

/**
 * What decides whether a chart renders the same as a subchart of another chart as on its own (see templateCharts):
 * the named templates it defines (helm keeps one set of names for a whole rendering: where two charts define a name
 * differently, one of them would use the other's), and whether anything in it renders differently below a parent
 * (dependency `tags` are read from the top chart's values; a chart's kubeVersion is checked only at the top).
 */
export interface ChartTemplates {
  /** Each named template (`define "name"`) with the digests of the files that define it. */
  defines: Map<string, Set<string>>;
  /** Why the chart must be rendered on its own, when it must. */
  alone?: string;
}

const DEFINE = /\{\{-?\s*define\s+"([^"]+)"/g;

/** The named templates of a staged chart and of every chart inside it (folders and archives under charts/). */
export async function chartTemplates(chartDir: string): Promise<ChartTemplates> {
  const files = new Map<string, Buffer>();
  collectFolder(chartDir, '', files);
  await expandArchives(files);
  const defines = new Map<string, Set<string>>();
  const reasons: string[] = [];
  const definesGlobal = /^global:/m.test(files.get('values.yaml')?.toString('utf8') ?? '');
  for (const [path, data] of files) {
    const segments = path.split('/');
    if (segments.includes('templates')) {
      const text = data.toString('utf8');
      const digest = createHash('sha256').update(data).digest('hex');
      for (const [, name] of text.matchAll(DEFINE)) defines.set(name, new Set([...(defines.get(name) ?? []), digest]));
      // Its subcharts' templates too: a library's helpers run in the context of the chart that includes them.
      const reason = parentSensitive(text, definesGlobal);
      if (reason) reasons.push(`${path}: ${reason}`);
    } else if (segments.at(-1) === 'Chart.yaml' || segments.at(-1) === 'requirements.yaml') {
      const reason = renderedAloneBecause(data.toString('utf8'), path === 'Chart.yaml');
      if (reason) reasons.push(`${path}: ${reason}`);
    }
  }
  return { defines, ...(reasons.length > 0 ? { alone: reasons.join('; ') } : {}) };
}

/**
 * Whether two charts can share a rendering: every named template both define comes from one and the same file. A name
 * one chart defines twice (a chart overriding its library's) is one whose winner in a shared rendering nobody knows.
 */
export function definesAgree(a: Pick<ChartTemplates, 'defines'>, b: Pick<ChartTemplates, 'defines'>): boolean {
  const [small, large] = a.defines.size <= b.defines.size ? [a.defines, b.defines] : [b.defines, a.defines];
  for (const [name, digests] of small) {
    const other = large.get(name);
    if (other === undefined) continue;
    if (digests.size !== 1 || other.size !== 1 || [...digests][0] !== [...other][0]) return false;
  }
  return true;
}

/**
 * What in a template renders differently when its chart is a subchart: `.Template.Name` and `.Template.BasePath`
 * (the parent's path in front; an include of a template by its path, as checksum annotations do, is the same), and
 * `.Chart.IsRoot`; and, unless the chart's values define `global`, `.Values.global` and `.Values` used whole (a
 * subchart always gets `global`).
 */
function parentSensitive(text: string, definesGlobal: boolean): string | undefined {
  const withoutIncludes = text.replace(/\(\s*print\s+\$?\.Template\.BasePath\s/g, '');
  if (/\.Template\.(Name|BasePath)\b/.test(withoutIncludes)) return 'uses .Template.Name or .Template.BasePath';
  if (/\.Chart\.IsRoot\b/.test(text)) return 'uses .Chart.IsRoot';
  if (definesGlobal) return undefined;
  if (/\.Values\.global\b|index\s+\$?\.Values\s+"global"/.test(text)) return 'uses .Values.global without a global in its values';
  for (const match of text.matchAll(/\$?\.Values(?![\w.])/g)) {
    const before = text.slice(Math.max(0, match.index - 12), match.index);
    const after = /^\s+"([^"]+)"/.exec(text.slice(match.index + match[0].length));
    if (!(/index\s+$/.test(before) && after && after[1] !== 'global')) return 'uses .Values whole, without a global in its values';
  }
  return undefined;
}

function renderedAloneBecause(text: string, root: boolean): string | undefined {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch {
    return 'does not parse';
  }
  const chart = (parsed ?? {}) as { kubeVersion?: unknown; dependencies?: Array<{ tags?: unknown }> };
  if (root && chart.kubeVersion !== undefined) return 'kubeVersion is checked only for a top chart';
  if (
    Array.isArray(chart.dependencies) &&
    chart.dependencies.some((dependency) => Array.isArray(dependency?.tags) && dependency.tags.length > 0)
  ) {
    return 'dependency tags are read from the top chart';
  }
  return undefined;
}

/** The files chartTemplates reads: templates, Chart.yaml and requirements.yaml, the top values, and chart archives. */
function isRead(path: string): boolean {
  return (
    path.split('/').includes('templates') ||
    /(^|\/)(Chart|requirements)\.yaml$/.test(path) ||
    path === 'values.yaml' ||
    isChartArchive(path)
  );
}

function isChartArchive(path: string): boolean {
  return /(^|\/)charts\/[^/]+\.tgz$/.test(path);
}

function collectFolder(dir: string, prefix: string, files: Map<string, Buffer>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory()) collectFolder(join(dir, entry.name), `${path}/`, files);
    else if (entry.isFile() && isRead(path)) files.set(path, readFileSync(join(dir, entry.name)));
  }
}

/** Replaces each chart archive (`….tgz` in a charts/ folder) with its files, under the folder it stands in. */
async function expandArchives(files: Map<string, Buffer>): Promise<void> {
  for (const [path, data] of [...files]) {
    if (!isChartArchive(path)) continue;
    files.delete(path);
    const folder = path.slice(0, path.lastIndexOf('/') + 1);
    const inner = new Map<string, Buffer>();
    for (const entry of await readTarEntries(gunzipSync(data))) {
      const name = `${folder}${entry.header.name}`;
      if (entry.header.type === 'file' && isRead(name)) inner.set(name, entry.data);
    }
    await expandArchives(inner);
    for (const [name, content] of inner) files.set(name, content);
  }
}
