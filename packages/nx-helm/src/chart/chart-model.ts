import type { LineCounter, Node, YAMLMap } from 'yaml';
import type { ChartProblem } from './chart-problem';
import { classifyRepository, type DependencySource } from './dependency-source';

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
  const { LineCounter, parseDocument, isMap } = require('yaml') as typeof import('yaml');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
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

  const field = (key: string) => {
    const node = root.get(key, true) as Node | undefined;
    const keyLine = lineOfKey(root, key, lineCounter);
    // The text as written: YAML reads `1.0` as the number 1, and the message must show what the file says.
    const source = node?.range ? text.slice(node.range[0], node.range[1]).trim() : undefined;
    return { value: root.get(key) as unknown, line: lineOf(node) ?? keyLine, source };
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

  const chartDependencies = parseDependencies(root, chartFile, lineCounter, problems);
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
      annotations: isMap(annotations) ? stringValues(annotations.toJSON() as Record<string, unknown>) : {},
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
  const { LineCounter, parseDocument, isMap } = require('yaml') as typeof import('yaml');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
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
  return root.has('dependencies') ? parseDependencies(root, file, lineCounter, problems) : undefined;
}

function parseDependencies(root: YAMLMap, file: string, lineCounter: LineCounter, problems: ChartProblem[]): ChartDependency[] {
  const { isMap, isSeq } = require('yaml') as typeof import('yaml');
  const node = root.get('dependencies', true) as Node | undefined;
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
  node.items.forEach((item, index) => {
    const line = lineOf(item as Node);
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
    const get = (key: string) => {
      const value = item.get(key);
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
    dependencies.push({
      name,
      version: get('version'),
      repository,
      alias: get('alias'),
      condition: get('condition'),
      source: classifyRepository(repository),
      file,
      line,
    });
  });
  return dependencies;
}

function lineOfKey(map: YAMLMap, key: string, lineCounter: LineCounter): number | undefined {
  const pair = map.items.find((item) => (item.key as { value?: unknown } | null)?.value === key);
  const keyNode = pair?.key as Node | undefined;
  return keyNode?.range ? lineCounter.linePos(keyNode.range[0]).line : undefined;
}

/** SemVer 2 exactly as written: no leading "v", no missing parts, build metadata allowed. */
function isStrictSemver(version: string): boolean {
  const parseSemver = require('semver/functions/parse') as typeof import('semver/functions/parse');
  const parsed = parseSemver(version);
  return parsed !== null && `${parsed.version}${parsed.build.length > 0 ? `+${parsed.build.join('.')}` : ''}` === version;
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function firstLine(text: string): string {
  return text.split('\n')[0].trim();
}
