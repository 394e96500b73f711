import { parseAllDocuments, stringify } from 'yaml';

/** One Kubernetes object of a chart's rendering. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The template that made it, relative to the chart folder (helm's `# Source:` without the chart's name). */
  source?: string;
  /** The object as rendered, keys in a stable order (see normaliseObject). */
  object: Record<string, unknown>;
}

/** The name of the values set a values file (relative to the chart folder) makes; `default` for none. */
export function valuesSetName(valuesFile?: string): string {
  if (!valuesFile) return 'default';
  return valuesFile.replace(/\.ya?ml$/, '').replace(/[\\/]+/g, '-');
}

/** Which object of the cluster it is: API group, kind, namespace and name (a new apiVersion of a kind is a change). */
export function objectKey(object: Pick<RenderedObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  return [group, object.kind, object.namespace ?? '', object.name].join('/');
}

/** How messages and reports name an object: `Deployment/web`, `Deployment/prod/web` with a namespace. */
export function objectLabel(object: Pick<RenderedObject, 'kind' | 'namespace' | 'name'>): string {
  return [object.kind, ...(object.namespace ? [object.namespace] : []), object.name || '(no name)'].join('/');
}

/** A document of the rendering that is not a Kubernetes object or not valid YAML, with the template it came from. */
export interface RenderProblem {
  source?: string;
  message: string;
}

export interface ParsedRendering {
  objects: RenderedObject[];
  problems: RenderProblem[];
}

const SOURCE_PREFIX = '# Source: ';

/**
 * The objects of `helm template` output, sorted by apiVersion, kind, namespace and name with their keys in a stable
 * order. `chartPath` is how helm names the chart in `# Source:` lines (`web`, or `parent/charts/web` for a subchart),
 * stripped so that sources are relative to the chart. Empty documents (a template that rendered nothing) are left out;
 * YAML is read as Kubernetes reads it (YAML 1.1: `yes` is a boolean).
 */
export function parseHelmTemplateOutput(stdout: string, chartPath: string): ParsedRendering {
  const objects: RenderedObject[] = [];
  const problems: RenderProblem[] = [];
  for (const chunk of splitDocuments(stdout)) {
    const source = chunk.source?.startsWith(`${chartPath}/`) ? chunk.source.slice(chartPath.length + 1) : chunk.source;
    const documents = parseAllDocuments(chunk.text, { version: '1.1', merge: true });
    for (const document of Array.isArray(documents) ? documents : [documents]) {
      if (document.errors.length > 0) {
        problems.push({ source, message: `renders invalid YAML: ${document.errors[0].message.split('\n')[0].replace(/:$/, '')}` });
        continue;
      }
      const value: unknown = document.toJS({ maxAliasCount: 1000 });
      if (value === null || value === undefined) continue;
      const object = toRenderedObject(value, source);
      if ('message' in object) problems.push(object);
      else objects.push(object);
    }
  }
  return { objects: sortObjects(objects), problems };
}

function toRenderedObject(value: unknown, source: string | undefined): RenderedObject | RenderProblem {
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { source, message: `renders a document that is not a Kubernetes object (a ${Array.isArray(value) ? 'list' : typeof value})` };
  }
  const object = value as Record<string, unknown>;
  const metadata = (typeof object.metadata === 'object' && object.metadata !== null ? object.metadata : {}) as Record<string, unknown>;
  const missing = ['apiVersion', 'kind'].filter((field) => typeof object[field] !== 'string' || object[field] === '');
  if (missing.length > 0) {
    return { source, message: `renders an object without ${missing.join(' and ')}` };
  }
  return {
    apiVersion: object.apiVersion as string,
    kind: object.kind as string,
    ...(typeof metadata.namespace === 'string' && metadata.namespace !== '' ? { namespace: metadata.namespace } : {}),
    name: typeof metadata.name === 'string' ? metadata.name : '',
    ...(source ? { source } : {}),
    object: normaliseObject(object),
  };
}

/** helm's output split at its `---` lines, each part with the template its `# Source:` comment names. */
function splitDocuments(stdout: string): Array<{ source?: string; text: string }> {
  const parts: Array<{ source?: string; text: string }> = [];
  let current: string[] = [];
  const flush = () => {
    const text = current.join('\n');
    const sourceLine = current.find((line) => line.startsWith(SOURCE_PREFIX));
    if (text.trim() !== '') parts.push({ source: sourceLine?.slice(SOURCE_PREFIX.length).trim(), text });
    current = [];
  };
  for (const line of stdout.split('\n')) {
    if (line === '---' || line.startsWith('--- ')) flush();
    else current.push(line);
  }
  flush();
  return parts;
}

const TOP_LEVEL_ORDER = ['apiVersion', 'kind', 'metadata'];
const METADATA_ORDER = ['name', 'namespace'];

/**
 * The object with its keys in a stable order: apiVersion, kind and metadata first (name and namespace first in it),
 * every other key alphabetically, at every level; lists keep their order (it is meaningful).
 */
export function normaliseObject(object: Record<string, unknown>): Record<string, unknown> {
  return ordered(object, TOP_LEVEL_ORDER, (key, value) => (key === 'metadata' ? orderedValue(value, METADATA_ORDER) : orderedValue(value)));
}

function orderedValue(value: unknown, first: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => orderedValue(item));
  if (value !== null && typeof value === 'object')
    return ordered(value as Record<string, unknown>, first, (_key, inner) => orderedValue(inner));
  return value;
}

function ordered(
  object: Record<string, unknown>,
  first: readonly string[],
  map: (key: string, value: unknown) => unknown,
): Record<string, unknown> {
  const keys = Object.keys(object).sort((a, b) => {
    const rankA = first.indexOf(a);
    const rankB = first.indexOf(b);
    if (rankA !== -1 || rankB !== -1) return (rankA === -1 ? first.length : rankA) - (rankB === -1 ? first.length : rankB);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return Object.fromEntries(keys.map((key) => [key, map(key, object[key])]));
}

/** Objects in the order the rendered files keep them: apiVersion, kind, namespace, name (then source). */
export function sortObjects(objects: readonly RenderedObject[]): RenderedObject[] {
  const sortKey = (object: RenderedObject) => [object.apiVersion, object.kind, object.namespace ?? '', object.name, object.source ?? ''];
  return [...objects].sort((a, b) => {
    const keyA = sortKey(a);
    const keyB = sortKey(b);
    for (let index = 0; index < keyA.length; index++) {
      if (keyA[index] !== keyB[index]) return keyA[index] < keyB[index] ? -1 : 1;
    }
    return 0;
  });
}

/** One object as the rendered file holds it: its `# Source:` comment, then its YAML. */
export function objectYaml(object: RenderedObject): string {
  return `${object.source ? `${SOURCE_PREFIX}${object.source}\n` : ''}${stringify(object.object, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** The rendered file of a values set: every object as objectYaml writes it, separated by `---`. */
export function serializeRendering(objects: readonly RenderedObject[]): string {
  return objects.map((object) => `---\n${objectYaml(object)}`).join('');
}

/** The objects of a file serializeRendering wrote (a rendered file kept in dist or in Nx's cache). */
export function parseRenderedFile(text: string): RenderedObject[] {
  const { objects, problems } = parseHelmTemplateOutput(text, '');
  if (problems.length > 0) throw new Error(`not a rendered manifest file: ${problems[0].message}`);
  return objects;
}
