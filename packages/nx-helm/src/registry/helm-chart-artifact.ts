import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GoStruct, goJson, type GoJsonValue } from '../utils/go-json';
import { readTarEntries } from '../utils/tar-entries';
import { NxHelmError } from '../utils/nx-helm-error';
import { CHART_CONFIG_MEDIA_TYPE, CHART_LAYER_MEDIA_TYPE, CHART_PROVENANCE_MEDIA_TYPE } from './oci/oci-client';
import { yaml } from '../utils/lazy-modules';

/** Chart.yaml's fields as helm's loader holds them (helm's `chart.Metadata`), after its sanitising. */
export interface HelmChartMetadata {
  name: string;
  home: string;
  sources: string[];
  version: string;
  description: string;
  keywords: string[];
  maintainers: Array<{ name: string; email: string; url: string }>;
  icon: string;
  apiVersion: string;
  condition: string;
  tags: string;
  appVersion: string;
  deprecated: boolean;
  annotations: Record<string, string>;
  kubeVersion: string;
  dependencies: Array<{
    name: string;
    version: string;
    repository: string;
    condition: string;
    tags: string[];
    enabled: boolean;
    importValues: GoJsonValue[];
    alias: string;
  }>;
  type: string;
}

/** An OCI artifact as `helm push` builds it: the blobs to upload and the manifest that names them. */
export interface HelmChartArtifact {
  metadata: HelmChartMetadata;
  /** Config blob, chart archive, then the provenance file when there is one. */
  blobs: Buffer[];
  manifest: Buffer;
  /** `sha256:…` of the manifest bytes: the digest the registry will report. */
  digest: string;
}

/**
 * Builds the artifact `helm push` would push for this archive, byte for byte (Helm 3.17 and 4.1 agree): the config is
 * the chart's metadata as Go's encoding/json writes helm's Metadata struct, the layers are the archive and the
 * provenance file (if any) in digest order, and the manifest's annotations are helm's (title, version, description, url, source, authors,
 * created) plus the chart's own annotations. `created` is the archive's modification time, as helm takes it.
 */
export async function helmChartArtifact(
  archive: Buffer,
  options: { provenance?: Buffer; created: Date; origin: string; utcOffsetMinutes?: number },
): Promise<HelmChartArtifact> {
  const metadata = await readArchiveMetadata(archive, options.origin);
  const config = Buffer.from(helmConfigJson(metadata));
  const blobs = [config, archive, ...(options.provenance ? [options.provenance] : [])];
  // helm sorts the layers by digest.
  const layers = [
    [sha256(archive), descriptor(CHART_LAYER_MEDIA_TYPE, archive)] as const,
    ...(options.provenance ? [[sha256(options.provenance), descriptor(CHART_PROVENANCE_MEDIA_TYPE, options.provenance)] as const] : []),
  ]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, layer]) => layer);
  const manifest = Buffer.from(
    goJson(
      new GoStruct([
        ['schemaVersion', 2],
        ['config', descriptor(CHART_CONFIG_MEDIA_TYPE, config)],
        ['layers', layers],
        ['annotations', manifestAnnotations(metadata, goRfc3339(options.created, options.utcOffsetMinutes))],
      ]),
    ),
  );
  return { metadata, blobs, manifest, digest: sha256(manifest) };
}

/** Reads Chart.yaml (and requirements.yaml, whose dependencies helm's loader takes over) from the archive's top folder. */
export async function readArchiveMetadata(archive: Buffer, origin: string): Promise<HelmChartMetadata> {
  let entries;
  try {
    entries = await readTarEntries(gunzipSync(archive));
  } catch (error) {
    throw new NxHelmError(`${origin} is not a chart archive (a gzipped tar): ${(error as Error).message}. Package the chart again.`, {
      file: origin,
    });
  }
  const topLevel = (name: string) =>
    entries.find((entry) => entry.header.type === 'file' && new RegExp(`^[^/]+/${name}$`).test(entry.header.name));
  const chartYaml = topLevel('Chart\\.yaml');
  if (!chartYaml) {
    throw new NxHelmError(`${origin} has no Chart.yaml in its top folder, so it is not a chart package. Package the chart again.`, {
      file: origin,
    });
  }
  const requirements = topLevel('requirements\\.yaml');
  return helmMetadata(
    parseYamlMap(chartYaml.data, `${origin}: Chart.yaml`),
    requirements && parseYamlMap(requirements.data, `${origin}: requirements.yaml`),
  );
}

/** The metadata as helm's loader builds it: requirements.yaml is read after Chart.yaml and its fields win. */
export function helmMetadata(chart: Record<string, unknown>, requirements?: Record<string, unknown>): HelmChartMetadata {
  const raw = { ...chart, ...requirements };
  const maintainers = list(raw.maintainers).map((entry) => {
    const maintainer = map(entry);
    return { name: clean(maintainer.name), email: clean(maintainer.email), url: clean(maintainer.url) };
  });
  const dependencies = list(raw.dependencies).map((entry) => {
    const dependency = map(entry);
    return {
      name: clean(dependency.name),
      version: clean(dependency.version),
      repository: clean(dependency.repository),
      condition: clean(dependency.condition),
      tags: list(dependency.tags).map(clean),
      enabled: dependency.enabled === true,
      importValues: list(dependency['import-values']).map(jsonValue),
      alias: text(dependency.alias),
    };
  });
  return {
    name: clean(raw.name),
    home: clean(raw.home),
    sources: list(raw.sources).map(clean),
    version: text(raw.version),
    description: clean(raw.description),
    keywords: list(raw.keywords).map(clean),
    maintainers,
    icon: clean(raw.icon),
    // helm's loader reads a Chart.yaml without apiVersion as a v1 chart.
    apiVersion: text(raw.apiVersion) || 'v1',
    condition: clean(raw.condition),
    tags: clean(raw.tags),
    appVersion: clean(raw.appVersion),
    deprecated: raw.deprecated === true,
    annotations: Object.fromEntries(Object.entries(map(raw.annotations)).map(([key, value]) => [key, text(value)])),
    kubeVersion: clean(raw.kubeVersion),
    dependencies,
    type: text(raw.type),
  };
}

/** helm's Metadata struct through encoding/json: declared field order, empty fields left out (`omitempty`). */
export function helmConfigJson(metadata: HelmChartMetadata): string {
  const dependency = (entry: HelmChartMetadata['dependencies'][number]) =>
    new GoStruct(
      omitEmpty([
        // name and repository have no omitempty in helm's Dependency struct.
        ['name', entry.name, true],
        ['version', entry.version],
        ['repository', entry.repository, true],
        ['condition', entry.condition],
        ['tags', entry.tags],
        ['enabled', entry.enabled],
        ['import-values', entry.importValues],
        ['alias', entry.alias],
      ]),
    );
  return goJson(
    new GoStruct(
      omitEmpty([
        ['name', metadata.name],
        ['home', metadata.home],
        ['sources', metadata.sources],
        ['version', metadata.version],
        ['description', metadata.description],
        ['keywords', metadata.keywords],
        [
          'maintainers',
          metadata.maintainers.map(
            (maintainer) =>
              new GoStruct(
                omitEmpty([
                  ['name', maintainer.name],
                  ['email', maintainer.email],
                  ['url', maintainer.url],
                ]),
              ),
          ),
        ],
        ['icon', metadata.icon],
        ['apiVersion', metadata.apiVersion],
        ['condition', metadata.condition],
        ['tags', metadata.tags],
        ['appVersion', metadata.appVersion],
        ['deprecated', metadata.deprecated],
        ['annotations', metadata.annotations],
        ['kubeVersion', metadata.kubeVersion],
        ['dependencies', metadata.dependencies.map(dependency)],
        ['type', metadata.type],
      ]),
    ),
  );
}

/** helm's OCI annotations: its own from the metadata (non-blank values only), then the chart's, except title and version. */
function manifestAnnotations(metadata: HelmChartMetadata, created: string): Record<string, string> {
  const annotations: Record<string, string> = {};
  const add = (key: string, value: string | undefined) => {
    if (value !== undefined && value.trim() !== '') annotations[key] = value;
  };
  add('org.opencontainers.image.description', metadata.description);
  add('org.opencontainers.image.title', metadata.name);
  add('org.opencontainers.image.version', metadata.version);
  add('org.opencontainers.image.url', metadata.home);
  add('org.opencontainers.image.created', created);
  add('org.opencontainers.image.source', metadata.sources[0]);
  if (metadata.maintainers.length > 0) {
    add(
      'org.opencontainers.image.authors',
      metadata.maintainers.map((maintainer) => `${maintainer.name}${maintainer.email ? ` (${maintainer.email})` : ''}`).join(', '),
    );
  }
  for (const [key, value] of Object.entries(metadata.annotations)) {
    if (key !== 'org.opencontainers.image.title' && key !== 'org.opencontainers.image.version') annotations[key] = value;
  }
  return annotations;
}

/** Go's time.Format(time.RFC3339) of a local time (TZ, as Go reads it too): seconds, and `Z` or the zone's offset. */
export function goRfc3339(date: Date, offsetMinutes = -date.getTimezoneOffset()): string {
  const local = new Date(Math.floor(date.getTime() / 1000) * 1000 + offsetMinutes * 60_000);
  const stamp = local.toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${stamp}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${stamp}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function descriptor(mediaType: string, data: Buffer): GoStruct {
  return new GoStruct([
    ['mediaType', mediaType],
    ['digest', sha256(data)],
    ['size', data.length],
  ]);
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

type Field = [string, GoJsonValue | GoStruct[], boolean?];

function omitEmpty(fields: Field[]): Array<[string, GoJsonValue]> {
  return fields
    .filter(([, value, always]) => {
      if (always) return true;
      if (value === '' || value === false) return false;
      if (Array.isArray(value)) return value.length > 0;
      if (value && typeof value === 'object' && !(value instanceof GoStruct)) return Object.keys(value).length > 0;
      return true;
    })
    .map(([key, value]) => [key, value as GoJsonValue]);
}

/**
 * helm reads YAML through sigs.k8s.io/yaml, which turns a number or boolean into text where the field is a string,
 * and YAML 1.1 (go-yaml), so `yes` is a boolean there; the archive's Chart.yaml was written by helm and quotes such
 * strings anyway.
 */
function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

/** helm's sanitizeString: white space becomes a space, characters that are not printable are dropped. */
function clean(value: unknown): string {
  return text(value)
    .replace(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/gu, ' ')
    .replace(/[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/gu, '');
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function map(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function jsonValue(value: unknown): GoJsonValue {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, jsonValue(entry)]));
  }
  return value as GoJsonValue;
}

function parseYamlMap(data: Buffer, origin: string): Record<string, unknown> {
  const { parse } = yaml();
  try {
    // go-yaml takes U+2028 and U+2029 for line breaks (YAML 1.1) and indents the line after them when it writes
    // Chart.yaml into the archive; reading it back, that indentation is not part of the value.
    const text = data.toString('utf8').replace(/([\u2028\u2029])[ \t]+/g, '$1');
    return map(parse(text, { version: '1.1' }));
  } catch (error) {
    throw new NxHelmError(`${origin} cannot be read: ${(error as Error).message}. Package the chart again.`, { file: origin });
  }
}
