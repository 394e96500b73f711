import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalChartTree } from '../chart/local-chart-tree';
import { chartProblemError, type ChartProblem } from '../chart/chart-problem';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { readHelmignore, type HelmignoreRules } from './helmignore';

/** The rule that ignores a path: a line of the chart's .helmignore, or helm's own rule for hidden templates. */
type IgnoringRule = { line: number; rule: string } | 'helm';

/**
 * Refuses a chart of the build whose .helmignore ignores its Chart.yaml: helm would leave the file out and fail with
 * "Chart.yaml file is missing", which names neither the .helmignore nor the rule.
 */
export function checkChartYamlKept(tree: LocalChartTree): void {
  for (const chart of tree.buildOrder) {
    if (!readHelmignore(chart.dir, chart.relativeDir).ignores('Chart.yaml', false)) continue;
    // Helm's own rule is for templates/ only: a line of the file ignores Chart.yaml.
    const rule = ignoringRule(chart.dir, chart.relativeDir, 'Chart.yaml', false) as { line: number; rule: string };
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
  let rule: IgnoringRule | undefined;
  let what: string;
  if (rules.ignores('templates', true)) {
    rule = ignoringRule(chartDir, displayDir, 'templates', true);
    what = 'the templates/ folder';
  } else {
    const files = walkFiles(chartDir, 'templates');
    if (files.length === 0 || files.some((file) => !ignoredWithFolders(rules, file, false))) return undefined;
    // The files helm's own rule leaves out (hidden ones) are named only when no line of .helmignore is to blame.
    for (const file of files) {
      rule = ignoringRule(chartDir, displayDir, file, false);
      if (rule !== 'helm') break;
    }
    what = files.length === 1 ? `${files[0]}, the only file in templates/` : `every file in templates/ (${files.length} files)`;
  }
  const outcome = 'so the chart is packaged without templates (helm 4 lints such a package with "templates/: directory does not exist")';
  if (rule === 'helm' || rule === undefined) {
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

/**
 * The first rule that ignores `path` or a folder it is in (helm does not enter an ignored folder). A path is ignored
 * when any one rule ignores it, so each line of .helmignore is tried alone, written where its reading is the same: a
 * byte-order mark is dropped from the first line only, so the others come after an empty line.
 */
function ignoringRule(chartDir: string, displayDir: string, path: string, isDir: boolean): IgnoringRule | undefined {
  const file = join(chartDir, '.helmignore');
  const scratch = createTempDir('nx-helm-helmignore-');
  try {
    if (ignoredWithFolders(readHelmignore(scratch, displayDir), path, isDir)) return 'helm';
    if (!existsSync(file)) return undefined;
    const lines = splitLines(readFileSync(file));
    for (const [index, line] of lines.entries()) {
      writeFileSync(join(scratch, '.helmignore'), index === 0 ? line : Buffer.concat([Buffer.from('\n'), line]));
      if (ignoredWithFolders(readHelmignore(scratch, displayDir), path, isDir)) {
        return { line: index + 1, rule: line.toString('utf8').trim() };
      }
    }
    return undefined;
  } finally {
    removeTempDir(scratch);
  }
}

function ignoredWithFolders(rules: HelmignoreRules, path: string, isDir: boolean): boolean {
  const parts = path.split('/');
  return parts.some((_, index) => rules.ignores(parts.slice(0, index + 1).join('/'), index < parts.length - 1 || isDir));
}

/** Lines as helm's reader cuts them: at `\n`, without an empty last line. */
function splitLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0; start < content.length;) {
    const newline = content.indexOf(0x0a, start);
    const end = newline < 0 ? content.length : newline;
    lines.push(content.subarray(start, end));
    start = end + 1;
  }
  return lines;
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
