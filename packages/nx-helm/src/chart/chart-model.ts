import type { Document, LineCounter, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import type { ChartProblem } from './chart-problem';
import { classifyRepository, ociRepositoryProblem, type DependencySource } from './dependency-source';
import { MAX_HELM_VERSION_NUMBER, withSmallVersionNumbers } from './version-numbers';
import { semverParse, yaml } from '../utils/lazy-modules';

export type ChartType = 'application' | 'library';

/** The file beside Chart.yaml that holds the dependencies of apiVersion v1 charts (Helm 2's layout). */
export const REQUIREMENTS_FILE = 'requirements.yaml';

export interface ChartDependency {
  name: string;
  /** Version constraint as written (Masterminds/semver syntax), if any. */
  version?: string;
  repository?: string;
  alias?: string;
  condition?: string;
  source: DependencySource;
  /**
   * The file that declares the dependency (its Chart.yaml or requirements.yaml), as named to parseChart: messages
   * about the dependency point there, and so does its graph edge. Absent only on dependencies made by hand.
   */
  file?: string;
  /** 1-based line of the dependency entry in `file`, for error messages. */
  line?: number;
}

export interface Chart {
  apiVersion: string;
  name: string;
  version: string;
  type: ChartType;
  appVersion?: string;
  description?: string;
  /** Chart.yaml `annotations` (string values only, as Helm reads them). */
  annotations: Record<string, string>;
  /** Chart.yaml `deprecated: true`. */
  deprecated?: boolean;
  dependencies: ChartDependency[];
}

export type ChartParseResult = { chart: Chart; problems: [] } | { chart?: undefined; problems: ChartProblem[] };

/** The text of a chart's requirements.yaml, and its path as messages should name it. */
export interface ChartRequirements {
  text: string;
  file: string;
}

const CHART_NAME_PATTERN = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;

/**
 * Parses and validates the text of a Chart.yaml, with the chart's requirements.yaml when it has one. Never throws:
 * every defect becomes a ChartProblem that names the file, the line or field, and the fix, so one broken chart cannot
 * take the rest of the workspace down.
 *
 * Helm's chart loader unmarshals requirements.yaml onto the chart's metadata whatever the apiVersion (for v2 it only
 * logs that dependencies belong in Chart.yaml), so a `dependencies` key there, even an empty one, replaces Chart.yaml's
 * list; without that key Chart.yaml's list stands. Only the dependencies are read from it: nothing else belongs there.
 */
export function parseChart(text: string, chartFile: string, requirements?: ChartRequirements): ChartParseResult {
  // Loaded on first use: tasks usually get their charts from the graph's cache and never need a YAML parser.
  const { LineCounter, parseDocument, isMap } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const problems: ChartProblem[] = [];
  const lineOf = (node: Node | null | undefined): number | undefined => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined);

  if (document.errors.length > 0) {
    return {
      problems: document.errors.map((error) => ({
        file: chartFile,
        line: lineCounter.linePos(error.pos[0]).line,
        message: `is not valid YAML: ${firstLine(error.message)}`,
        fix: 'Correct the YAML syntax (indentation, quoting, a missing ":") so that the file parses.',
      })),
    };
  }

  const selfContained = selfContainedAnchors(document, chartFile, lineCounter);
  if (selfContained.length > 0) return { problems: selfContained };

  const root = document.contents;
  if (!isMap(root)) {
    return {
      problems: [
        {
          file: chartFile,
          line: lineOf(root as Node | null),
          message: 'does not contain a YAML mapping of chart fields',
          fix: 'Write Chart.yaml as a mapping with at least apiVersion, name and version (see `helm create`).',
        },
      ],
    };
  }

  const fields = fieldsAsHelmReads(root, document, chartFile, lineCounter, problems);
  const field = (key: string) => {
    const entry = fields.get(key);
    const node = entry?.value ?? undefined;
    // The text as written: YAML reads `1.0` as the number 1, and the message must show what the file says.
    const source = node?.range ? text.slice(node.range[0], node.range[1]).trim() : undefined;
    return { value: valueOf(entry), line: lineOf(node) ?? lineOf(entry?.key), source };
  };

  const apiVersion = field('apiVersion');
  if (apiVersion.value !== 'v2' && apiVersion.value !== 'v1') {
    problems.push({
      file: chartFile,
      line: apiVersion.line,
      field: 'apiVersion',
      message:
        apiVersion.value === undefined
          ? 'has no apiVersion'
          : `has apiVersion ${JSON.stringify(apiVersion.value)}, which Helm does not know`,
      fix: 'Set `apiVersion: v2` (Helm 3 and 4 charts).',
    });
  }

  const name = field('name');
  if (typeof name.value !== 'string' || name.value.trim() === '') {
    problems.push({
      file: chartFile,
      line: name.line,
      field: 'name',
      message: name.value === undefined ? 'has no name' : 'has a name that is not a non-empty string',
      fix: 'Add `name: <chart-name>` (lower case letters, digits and dashes), usually the folder name.',
    });
  } else if (!CHART_NAME_PATTERN.test(name.value)) {
    problems.push({
      file: chartFile,
      line: name.line,
      field: 'name',
      message: `has the name ${JSON.stringify(name.value)}, which is not a valid chart name`,
      fix: 'Use lower case letters, digits and dashes only; OCI registries reject upper case and other characters.',
    });
  }

  const version = field('version');
  const versionText = typeof version.value === 'number' ? (version.source ?? String(version.value)) : version.value;
  if (versionText === undefined || versionText === null || versionText === '') {
    problems.push({
      file: chartFile,
      line: version.line,
      field: 'version',
      message: 'has no version',
      fix: 'Add `version: 0.1.0` (a SemVer 2 version; it becomes the OCI tag).',
    });
  } else if (typeof versionText === 'string' && withSmallVersionNumbers([versionText]) === undefined) {
    problems.push({
      file: chartFile,
      line: version.line,
      field: 'version',
      message: `has the version ${JSON.stringify(versionText)}, with a number above ${MAX_HELM_VERSION_NUMBER}, the largest helm reads`,
      fix: `Use numbers up to ${MAX_HELM_VERSION_NUMBER} (helm reads MAJOR, MINOR and PATCH as 64-bit unsigned integers).`,
    });
  } else if (typeof versionText !== 'string' || !isStrictSemver(versionText)) {
    problems.push({
      file: chartFile,
      line: version.line,
      field: 'version',
      message: `has the version ${JSON.stringify(versionText)}, which is not a SemVer 2 version`,
      fix: 'Use MAJOR.MINOR.PATCH with an optional -prerelease or +build suffix, e.g. `version: 1.4.0`, quoted if YAML would read it as a number.',
    });
  }

  const type = field('type');
  if (type.value !== undefined && type.value !== 'application' && type.value !== 'library') {
    problems.push({
      file: chartFile,
      line: type.line,
      field: 'type',
      message: `has the type ${JSON.stringify(type.value)}`,
      fix: 'Set `type: application` or `type: library`, or remove the field (application is the default).',
    });
  }

  const chartDependencies = parseDependencies(fields, document, chartFile, lineCounter, problems);
  const dependencies = (requirements ? parseRequirements(requirements, problems) : undefined) ?? chartDependencies;

  if (problems.length > 0) {
    return { problems };
  }
  const appVersion = field('appVersion').value;
  const description = field('description').value;
  const annotations = field('annotations').value;
  return {
    chart: {
      apiVersion: apiVersion.value as string,
      name: name.value as string,
      version: versionText as string,
      type: (type.value as ChartType | undefined) ?? 'application',
      appVersion: appVersion === undefined || appVersion === null ? undefined : String(appVersion),
      description: typeof description === 'string' ? description : undefined,
      annotations: isMap(annotations) ? stringValues(annotations, document, chartFile, lineCounter) : {},
      ...(field('deprecated').value === true ? { deprecated: true } : {}),
      dependencies,
    },
    problems: [],
  };
}

/**
 * The dependencies of a requirements.yaml, or undefined when it has no `dependencies` key (Chart.yaml's then apply).
 * Helm fails to load a chart whose requirements.yaml is not a mapping; an empty file changes nothing.
 */
function parseRequirements({ text, file }: ChartRequirements, problems: ChartProblem[]): ChartDependency[] | undefined {
  const { LineCounter, parseDocument, isMap } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (document.errors.length > 0) {
    problems.push(
      ...document.errors.map((error) => ({
        file,
        line: lineCounter.linePos(error.pos[0]).line,
        message: `is not valid YAML: ${firstLine(error.message)}`,
        fix: 'Correct the YAML syntax (indentation, quoting, a missing ":") so that the file parses.',
      })),
    );
    return [];
  }
  const root = document.contents as Node | null;
  if (root === null || (root as { value?: unknown }).value === null) {
    return undefined;
  }
  if (!isMap(root)) {
    problems.push({
      file,
      line: root.range ? lineCounter.linePos(root.range[0]).line : undefined,
      message: 'does not contain a YAML mapping with a dependencies list',
      fix: 'Write requirements.yaml as `dependencies:` followed by a list of entries with name, version and repository.',
    });
    return [];
  }
  const fields = fieldsAsHelmReads(root, document, file, lineCounter, problems);
  return fields.has('dependencies') ? parseDependencies(fields, document, file, lineCounter, problems) : undefined;
}

function parseDependencies(
  fields: ReadonlyMap<string, Field>,
  document: Document,
  file: string,
  lineCounter: LineCounter,
  problems: ChartProblem[],
): ChartDependency[] {
  const { isMap, isSeq } = yaml();
  const node = fields.get('dependencies')?.value;
  if (node === undefined || node === null || (node as { value?: unknown }).value === null) {
    return [];
  }
  const lineOf = (n: Node | undefined) => (n?.range ? lineCounter.linePos(n.range[0]).line : undefined);
  if (!isSeq(node)) {
    problems.push({
      file,
      line: lineOf(node),
      field: 'dependencies',
      message: 'has a dependencies field that is not a list',
      fix: 'Write dependencies as a YAML list of entries with name, version and repository.',
    });
    return [];
  }
  const dependencies: ChartDependency[] = [];
  node.items.forEach((written, index) => {
    const item = resolveAlias(written as Node | null, document);
    const line = lineOf(item ?? undefined);
    const where = `dependencies[${index}]`;
    if (!isMap(item)) {
      problems.push({
        file,
        line,
        field: where,
        message: `has an entry ${where} that is not a mapping`,
        fix: 'Give each dependency `name`, `version` and `repository` fields.',
      });
      return;
    }
    const entries = fieldsAsHelmReads(item, document, file, lineCounter, problems);
    const get = (key: string) => {
      const value = valueOf(entries.get(key));
      return value === undefined || value === null ? undefined : String(value);
    };
    const name = get('name');
    if (!name) {
      problems.push({
        file,
        line,
        field: `${where}.name`,
        message: `has a dependency (${where}) without a name`,
        fix: 'Add the `name` of the chart this dependency refers to.',
      });
      return;
    }
    const repository = get('repository');
    const source = classifyRepository(repository);
    const ociProblem = source.kind === 'oci' ? ociRepositoryProblem(source.url, name) : undefined;
    if (ociProblem) {
      const written = entries.get('repository');
      problems.push({ file, line: lineOf(written?.value ?? written?.key) ?? line, field: `${where}.repository`, ...ociProblem });
    }
    dependencies.push({
      name,
      version: get('version'),
      repository,
      alias: get('alias'),
      condition: get('condition'),
      source,
      file,
      line,
    });
  });
  return dependencies;
}

/**
 * The dependencies list of a parsed Chart.yaml or requirements.yaml (parsed with `merge: true`) as helm reads it: the
 * list node, which may come through an alias or a merge key, and its entries as plain data, in the order of the chart
 * model's dependencies. Undefined when the file has no list.
 */
export function helmDependencyList(document: Document): { node: YAMLSeq; entries: unknown[] } | undefined {
  const { isMap, isSeq } = yaml();
  if (!isMap(document.contents)) return undefined;
  const node = fieldsAsHelmReads(document.contents, document, '', undefined, []).get('dependencies')?.value;
  if (!isSeq(node)) return undefined;
  const entries = node.items.map((written) => {
    const item = resolveAlias(written as Node | null, document);
    if (!isMap(item)) return item?.toJS(document);
    const fields = fieldsAsHelmReads(item, document, '', undefined, []);
    return Object.fromEntries([...fields].map(([key, field]) => [key, field.value?.toJS(document) ?? null]));
  });
  return { node, entries };
}

/** A field of a mapping: its key as written, and its value with aliases resolved (null for `key:` without one). */
interface Field {
  key: Node;
  value: Node | null;
}

/**
 * The fields of a mapping as helm reads them (go-yaml v2, under sigs.k8s.io/yaml), which is not how the YAML merge
 * spec (and the yaml package's toJS) has it: keys take effect in the order written, so a merge key (`<<: *base`)
 * overrides the fields before it and the fields after it override it; of a list of mappings (`<<: [*a, *b]`) the
 * earlier one wins. A merge value that is not a mapping or a list of them is a problem, as helm fails on it.
 */
function fieldsAsHelmReads(
  map: YAMLMap,
  document: Document,
  file: string,
  lineCounter: LineCounter | undefined,
  problems: ChartProblem[],
  fields = new Map<string, Field>(),
  merging = new Set<YAMLMap>(),
): Map<string, Field> {
  const { isMap, isScalar, isSeq } = yaml();
  merging.add(map);
  for (const pair of map.items as Array<Pair<Node | null, Node | null>>) {
    const key = pair.key;
    const value = resolveAlias(pair.value, document);
    if (isScalar(key) && typeof key.value === 'symbol') {
      const sources = isSeq(value) ? [...value.items].reverse().map((item) => resolveAlias(item as Node | null, document)) : [value];
      const line = pair.value?.range && lineCounter ? lineCounter.linePos(pair.value.range[0]).line : undefined;
      if (!sources.every(isMap)) {
        problems.push({
          file,
          line,
          message: 'has a merge key (<<) whose value is not a mapping or a list of mappings, which helm refuses',
          fix: 'Merge a mapping (`<<: *base`, where `base: &base` is a mapping) or a list of them (`<<: [*a, *b]`), or write the fields out.',
        });
        continue;
      }
      // A mapping merged into itself, which selfContainedAnchors reports: merging it would never end.
      if (sources.some((source) => merging.has(source as YAMLMap))) continue;
      for (const source of sources) fieldsAsHelmReads(source as YAMLMap, document, file, lineCounter, problems, fields, merging);
    } else if (isScalar(key) && key.value !== null && key.value !== undefined) {
      // Set anew, not updated: a Map keeps the first insertion's position, and the latest setting must be the one read.
      fields.delete(String(key.value));
      fields.set(String(key.value), { key, value });
    }
  }
  merging.delete(map);
  return fields;
}

/**
 * The aliases inside the very node their anchor names (`x: &a [1, *a]`, `x: &a {<<: *a}`): the yaml package reads
 * them, helm refuses the whole file ("anchor 'a' value contains itself").
 */
function selfContainedAnchors(document: Document, file: string, lineCounter: LineCounter): ChartProblem[] {
  const { visit } = yaml();
  const problems: ChartProblem[] = [];
  visit(document, {
    Alias(_, alias, path) {
      const target = alias.resolve(document);
      if (target === undefined || !(path as readonly unknown[]).includes(target)) return;
      problems.push({
        file,
        line: alias.range ? lineCounter.linePos(alias.range[0]).line : undefined,
        message: `uses the alias *${alias.source} inside the value of its own anchor &${alias.source}, which helm refuses ("anchor '${alias.source}' value contains itself")`,
        fix: `Move *${alias.source} out of the value it names, or merge (\`<<: *${alias.source}\`) a mapping defined elsewhere.`,
      });
    },
  });
  return problems;
}

function resolveAlias(node: Node | null, document: Document): Node | null {
  const { isAlias } = yaml();
  return isAlias(node) ? ((node.resolve(document) as Node | undefined) ?? null) : node;
}

/** A field's value as parseChart checks it: a scalar's value, a collection's node, null without a value. */
function valueOf(field: Field | undefined): unknown {
  const { isScalar } = yaml();
  if (field === undefined) return undefined;
  return isScalar(field.value) ? field.value.value : field.value;
}

/**
 * SemVer 2 exactly as written: no leading "v", no missing parts, build metadata allowed; numbers up to what helm reads
 * (see withSmallVersionNumbers).
 */
function isStrictSemver(version: string): boolean {
  const parseSemver = semverParse();
  const [comparable] = withSmallVersionNumbers([version]) ?? [];
  const parsed = comparable === undefined ? null : parseSemver(comparable);
  return parsed !== null && `${parsed.version}${parsed.build.length > 0 ? `+${parsed.build.join('.')}` : ''}` === comparable;
}

/** The string fields of a mapping (Helm's annotations are a map of strings), merge keys read as helm reads them. */
function stringValues(map: YAMLMap, document: Document, file: string, lineCounter: LineCounter): Record<string, string> {
  const fields = fieldsAsHelmReads(map, document, file, lineCounter, []);
  return Object.fromEntries(
    [...fields].map(([key, field]) => [key, valueOf(field)]).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
