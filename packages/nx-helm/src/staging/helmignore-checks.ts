import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalChartTree } from '../chart/local-chart-tree';
import { chartProblemError, type ChartProblem } from '../chart/chart-problem';
import { readHelmignore, type IgnoringRule } from './helmignore';

/**
 * Refuses a chart of the build whose .helmignore ignores its Chart.yaml: helm would leave the file out and fail with
 * "Chart.yaml file is missing", which names neither the .helmignore nor the rule.
 */
export function checkChartYamlKept(tree: LocalChartTree): void {
  for (const chart of tree.buildOrder) {
    const rule = readHelmignore(chart.dir, chart.relativeDir).ignoredBy('Chart.yaml', false);
    // Helm's own rule is for templates/ only: a line of the file ignores Chart.yaml.
    if (rule === undefined || rule === 'helm') continue;
    throw chartProblemError([
      {
        file: helmignoreFile(chart.relativeDir),
        line: rule.line,
        message:
          `has the rule ${JSON.stringify(rule.rule)}, which ignores Chart.yaml: helm leaves the chart's Chart.yaml out, and ` +
          'fails with "Chart.yaml file is missing"',
        fix: 'Remove that line, or narrow the rule so that it does not match Chart.yaml (e.g. `/docs/*.yaml` instead of `*.yaml`): every chart needs its Chart.yaml.',
      },
    ]);
  }
}

/**
 * What leaves a chart's templates/ out of its package, when it has files there and .helmignore ignores them all (the
 * folder, or each of its files); undefined otherwise. `helm lint` of the folder finds templates/ on disk and says
 * nothing, while the chart as packaged has none.
 */
export function ignoredTemplatesProblem(chartDir: string, displayDir: string): ChartProblem | undefined {
  const templates = join(chartDir, 'templates');
  if (!isDirectory(templates)) return undefined;
  const rules = readHelmignore(chartDir, displayDir);
  let rule: IgnoringRule | 'helm' | undefined = rules.ignoredBy('templates', true);
  let what: string;
  if (rule !== undefined) {
    what = 'the templates/ folder';
  } else {
    const files = walkFiles(chartDir, 'templates');
    const deciders = files.map((file) => rules.ignoredBy(file, false));
    if (files.length === 0 || deciders.includes(undefined)) return undefined;
    // The files helm's own rule leaves out (hidden ones) are named only when no line of .helmignore is to blame.
    rule = deciders.find((found) => found !== 'helm') ?? 'helm';
    what = files.length === 1 ? `${files[0]}, the only file in templates/` : `every file in templates/ (${files.length} files)`;
  }
  const outcome = 'so the chart is packaged without templates (helm 4 lints such a package with "templates/: directory does not exist")';
  if (rule === 'helm') {
    return {
      file: `${displayDir === '.' ? '' : `${displayDir}/`}templates`,
      message: `holds only hidden files, which helm leaves out of every chart (its rule templates/.?*), ${outcome}`,
      fix: 'Add the chart’s templates (files whose names do not start with a dot), or remove the folder for a chart without templates.',
    };
  }
  return {
    file: helmignoreFile(displayDir),
    line: rule.line,
    message: `has the rule ${JSON.stringify(rule.rule)}, which ignores ${what}, ${outcome}`,
    fix: 'Remove that line, or narrow it so that it keeps the templates helm should package.',
  };
}

function helmignoreFile(displayDir: string): string {
  return displayDir === '.' ? '.helmignore' : `${displayDir}/.helmignore`;
}

/** The files below `relativeDir` (links followed), relative to the chart and sorted, as helm's loader walks them. */
function walkFiles(chartDir: string, relativeDir: string): string[] {
  return readdirSync(join(chartDir, relativeDir))
    .sort()
    .flatMap((name) => {
      const path = `${relativeDir}/${name}`;
      return isDirectory(join(chartDir, path)) ? walkFiles(chartDir, path) : [path];
    });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
