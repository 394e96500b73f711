import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalChartTree } from '../chart/local-chart-tree';
import { formatChartProblem } from '../chart/chart-problem';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../testing/temp-workspace';
import { checkChartYamlKept, ignoredTemplatesProblem } from './helmignore-checks';

describe('.helmignore rules that leave out what a chart needs', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-helmignore-checks-');
    writeChart(workspace, 'charts/app', { name: 'app' });
  });
  afterEach(() => workspace.dispose());
  const chartDir = () => join(workspace.root, 'charts/app');
  const treeOf = (): LocalChartTree => {
    const chart = {
      dir: chartDir(),
      relativeDir: 'charts/app',
      chart: { apiVersion: 'v2', name: 'app', version: '0.1.0', type: 'application' as const, annotations: {}, dependencies: [] },
      localDependencies: [],
      workspaceDependencies: [],
    };
    return { root: chart, buildOrder: [chart] };
  };

  it('names the line of .helmignore that ignores Chart.yaml', () => {
    workspace.write('charts/app/.helmignore', '# build files\n*.tgz\n\n*.yaml\n');
    expect(() => checkChartYamlKept(treeOf())).toThrow(
      'charts/app/.helmignore:4 has the rule "*.yaml", which ignores Chart.yaml: helm leaves the chart\'s Chart.yaml out, and fails ' +
        'with "Chart.yaml file is missing".\n  Fix: Remove that line',
    );
  });

  it('finds a rule that ignores Chart.yaml by negation, after a byte-order mark', () => {
    workspace.write('charts/app/.helmignore', '\uFEFF!templates/\n');
    expect(() => checkChartYamlKept(treeOf())).toThrow('charts/app/.helmignore:1 has the rule "!templates/", which ignores Chart.yaml');
  });

  it('lets a chart whose .helmignore keeps Chart.yaml and templates through', () => {
    workspace.write('charts/app/.helmignore', '*.tgz\n/docs/*.yaml\n');
    expect(() => checkChartYamlKept(treeOf())).not.toThrow();
    expect(ignoredTemplatesProblem(chartDir(), 'charts/app')).toBeUndefined();
  });

  it('names the line that ignores the templates/ folder', () => {
    workspace.write('charts/app/.helmignore', '# comment\ntemplates/\n');
    expect(formatChartProblem(ignoredTemplatesProblem(chartDir(), 'charts/app')!)).toBe(
      'charts/app/.helmignore:2 has the rule "templates/", which ignores the templates/ folder, so the chart is packaged without ' +
        'templates (helm 4 lints such a package with "templates/: directory does not exist").\n  Fix: Remove that line, or narrow ' +
        'it so that it keeps the templates helm should package.',
    );
  });

  it('names the line that ignores every file in templates/', () => {
    workspace.write('charts/app/templates/nested/service.yaml', 'kind: Service\n');
    workspace.write('charts/app/.helmignore', '*.tpl\n*.yaml\n');
    expect(ignoredTemplatesProblem(chartDir(), 'charts/app')).toMatchObject({
      file: 'charts/app/.helmignore',
      line: 2,
      message: expect.stringContaining('has the rule "*.yaml", which ignores every file in templates/ (2 files)'),
    });
  });

  it('names the line that ignores the templates helm would package, beside hidden ones', () => {
    workspace.write('charts/app/templates/.hidden.yaml', 'kind: Secret\n');
    workspace.write('charts/app/.helmignore', 'configmap.yaml\n');
    expect(ignoredTemplatesProblem(chartDir(), 'charts/app')).toMatchObject({ file: 'charts/app/.helmignore', line: 1 });
  });

  it('says when templates/ holds only hidden files, which helm’s own rule leaves out', () => {
    rmSync(join(chartDir(), 'templates/configmap.yaml'));
    workspace.write('charts/app/templates/.hidden.yaml', 'kind: Secret\n');
    expect(formatChartProblem(ignoredTemplatesProblem(chartDir(), 'charts/app')!)).toMatch(
      /^charts\/app\/templates holds only hidden files, which helm leaves out of every chart \(its rule templates\/\.\?\*\)/,
    );
  });
});
