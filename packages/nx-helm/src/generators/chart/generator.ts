import { generateFiles, glob, joinPathFragments, type Tree } from '@nx/devkit';
import { join, posix } from 'node:path';
import { parseChart, type Chart } from '../../chart/chart-model';
import { selectChartFiles } from '../../chart/chart-files';
import { NxHelmError } from '../../utils/nx-helm-error';
import type { ChartGeneratorSchema } from './schema';

const CHART_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface FileDependency {
  name: string;
  version: string;
  repository: string;
}

/**
 * `nx g nx-helm:chart <name>`: a new chart that lints cleanly (helm lint --strict) as generated. Files are not run
 * through the workspace formatter: Helm templates are not YAML a formatter understands.
 */
export async function chartGenerator(tree: Tree, options: ChartGeneratorSchema): Promise<void> {
  const name = options.name;
  if (!CHART_NAME.test(name ?? '')) {
    throw new NxHelmError(
      `"${name}" is not a valid chart name: use lower case letters, digits and dashes, starting and ending with a letter or digit (e.g. "payments-api").`,
    );
  }
  const type = options.type ?? 'application';
  if (type !== 'application' && type !== 'library') {
    throw new NxHelmError(`--type must be application or library, not "${type}".`);
  }
  const chartRoot = joinPathFragments(options.directory ?? 'charts', name);
  if (tree.exists(chartRoot) && tree.children(chartRoot).length > 0) {
    throw new NxHelmError(`${chartRoot} already exists and is not empty. Choose another name or --directory.`);
  }
  const dependencies = (options.dependsOn ?? []).map((dependency) => fileDependency(tree, chartRoot, dependency));
  const substitutions = {
    name,
    type,
    projectName: name,
    description:
      options.description ?? (type === 'library' ? `Shared templates for the charts of this workspace.` : `A Helm chart for ${name}.`),
    dependencies,
    tmpl: '',
  };
  tree.write(joinPathFragments(chartRoot, 'Chart.yaml'), chartYaml(name, type, substitutions.description, dependencies));
  generateFiles(tree, join(__dirname, 'files', 'common'), chartRoot, substitutions);
  generateFiles(tree, join(__dirname, 'files', type), chartRoot, substitutions);
}

function chartYaml(name: string, type: string, description: string, dependencies: FileDependency[]): string {
  const lines = ['apiVersion: v2', `name: ${name}`, `description: ${JSON.stringify(description)}`, `type: ${type}`, 'version: 0.1.0'];
  if (type === 'application') {
    lines.push('appVersion: "1.0.0"');
  }
  if (dependencies.length > 0) {
    lines.push('dependencies:');
    for (const dependency of dependencies) {
      lines.push(`  - name: ${dependency.name}`, `    version: "${dependency.version}"`, `    repository: ${dependency.repository}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A file:// dependency on the workspace chart named `chartName`, pinned to its current version. */
function fileDependency(tree: Tree, chartRoot: string, chartName: string): FileDependency {
  const charts = workspaceCharts(tree);
  const found = charts.find(({ chart }) => chart.name === chartName);
  if (!found) {
    throw new NxHelmError(
      `--dependsOn names "${chartName}", which is not a chart of this workspace. ` +
        (charts.length > 0
          ? `Charts: ${charts
              .map(({ chart }) => chart.name)
              .sort()
              .join(', ')}.`
          : 'There are no charts yet: create the dependency first.'),
    );
  }
  // A caret range keeps the dependent building when the dependency gets the version bumps check-version asks for.
  return { name: found.chart.name, version: `^${found.chart.version}`, repository: `file://${posix.relative(chartRoot, found.root)}` };
}

/** The valid charts in the tree (the same files the plugin turns into projects). */
function workspaceCharts(tree: Tree): Array<{ root: string; chart: Chart }> {
  return selectChartFiles(glob(tree, ['**/Chart.yaml'])).flatMap((file) => {
    const parsed = parseChart(tree.read(file, 'utf-8') ?? '', file);
    return parsed.chart ? [{ root: posix.dirname(file), chart: parsed.chart }] : [];
  });
}

export default chartGenerator;
