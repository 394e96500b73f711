import { join } from 'node:path';
import { useGraphWorkspace } from '../testing/temp-workspace';
import { parseChart } from './chart-model';
import { ChartModelCache, parseChartInWorkspace } from './chart-model-cache';
import { formatChartProblem } from './chart-problem';
import { readChartFile } from './read-chart';

const CHART_FILE = 'charts/legacy/Chart.yaml';
const REQUIREMENTS_FILE = 'charts/legacy/requirements.yaml';
const V1_CHART = 'apiVersion: v1\nname: legacy\nversion: 1.0.0\n';
const requirements = (text: string) => ({ text, file: REQUIREMENTS_FILE });

describe('charts with a requirements.yaml (apiVersion v1 layout)', () => {
  it('takes the dependencies of requirements.yaml, each naming that file and its line', () => {
    const result = parseChart(
      V1_CHART,
      CHART_FILE,
      requirements(
        [
          '# Helm 2 layout',
          'dependencies:',
          '  - name: common',
          '    version: ^0.1.0',
          '    repository: file://../common',
          '  - name: redis',
          '    version: 18.x',
          '    repository: https://charts.example.com',
          '    alias: cache',
          '',
        ].join('\n'),
      ),
    );
    expect(result.problems).toEqual([]);
    expect(result.chart?.apiVersion).toBe('v1');
    expect(result.chart?.dependencies.map(({ name, source, file, line, alias }) => ({ name, source, file, line, alias }))).toEqual([
      { name: 'common', source: { kind: 'local-file', path: '../common' }, file: REQUIREMENTS_FILE, line: 3, alias: undefined },
      { name: 'redis', source: { kind: 'http', url: 'https://charts.example.com' }, file: REQUIREMENTS_FILE, line: 6, alias: 'cache' },
    ]);
  });

  it('marks the dependencies of a Chart.yaml with that file', () => {
    const result = parseChart(
      'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: common\n    repository: file://../common\n',
      'charts/app/Chart.yaml',
    );
    expect(result.chart?.dependencies).toEqual([expect.objectContaining({ file: 'charts/app/Chart.yaml', line: 5 })]);
  });

  it('lets a v2 chart’s requirements.yaml replace Chart.yaml’s list, as helm’s loader does, only when it has the key', () => {
    const v2 = 'apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: common\n    repository: file://../common\n';
    const names = (text: string) =>
      parseChart(v2, CHART_FILE, requirements(text)).chart?.dependencies.map(({ name, file }) => `${name} ${file}`);
    expect(names('dependencies:\n  - name: other\n    repository: file://../other\n')).toEqual([`other ${REQUIREMENTS_FILE}`]);
    expect(names('dependencies: []\n')).toEqual([]);
    expect(names('dependencies:\n')).toEqual([]);
    expect(names('# nothing here\n')).toEqual([`common ${CHART_FILE}`]);
    expect(names('other: field\n')).toEqual([`common ${CHART_FILE}`]);
  });

  it('validates requirements.yaml like Chart.yaml, with the same messages about requirements.yaml and its lines', () => {
    const problems = (text: string) => parseChart(V1_CHART, CHART_FILE, requirements(text)).problems;
    expect(problems('dependencies: common\n')).toEqual([
      {
        file: REQUIREMENTS_FILE,
        line: 1,
        field: 'dependencies',
        message: 'has a dependencies field that is not a list',
        fix: 'Write dependencies as a YAML list of entries with name, version and repository.',
      },
    ]);
    const unnamed = problems('dependencies:\n  - name: ok\n  - version: 1.0.0\n');
    expect(unnamed).toEqual([expect.objectContaining({ file: REQUIREMENTS_FILE, line: 3, field: 'dependencies[1].name' })]);
    expect(formatChartProblem(unnamed[0])).toBe(
      'charts/legacy/requirements.yaml:3 (field dependencies[1].name) has a dependency (dependencies[1]) without a name.\n' +
        '  Fix: Add the `name` of the chart this dependency refers to.',
    );
    expect(problems('dependencies:\n  - [a\n')).toEqual([
      expect.objectContaining({
        file: REQUIREMENTS_FILE,
        line: expect.any(Number),
        message: expect.stringMatching(/^is not valid YAML: /),
      }),
    ]);
    expect(problems('- name: common\n')).toEqual([
      expect.objectContaining({ file: REQUIREMENTS_FILE, line: 1, message: 'does not contain a YAML mapping with a dependencies list' }),
    ]);
  });

  it('reports problems of Chart.yaml and requirements.yaml together', () => {
    const result = parseChart('apiVersion: v1\nname: legacy\n', CHART_FILE, requirements('dependencies: common\n'));
    expect(result.problems.map((problem) => `${problem.file}:${problem.line} ${problem.field}`)).toEqual([
      `${CHART_FILE}:undefined version`,
      `${REQUIREMENTS_FILE}:1 dependencies`,
    ]);
  });

  describe('on disk', () => {
    const graph = useGraphWorkspace();

    const read = () => readChartFile(join(graph.workspace.root, CHART_FILE), CHART_FILE, graph.workspace.root);
    const dependencyNames = () => read().chart?.dependencies.map((dependency) => dependency.name);

    it('reads the requirements.yaml beside Chart.yaml, naming it as a workspace path', () => {
      graph.workspace.write(CHART_FILE, V1_CHART);
      expect(dependencyNames()).toEqual([]);
      graph.workspace.write(REQUIREMENTS_FILE, 'dependencies:\n  - name: common\n    repository: file://../common\n');
      expect(read().chart?.dependencies).toEqual([expect.objectContaining({ name: 'common', file: REQUIREMENTS_FILE, line: 2 })]);
    });

    it('never serves a cached chart for an edited requirements.yaml', () => {
      graph.workspace.write(CHART_FILE, V1_CHART);
      const cache = new ChartModelCache(graph.workspace.root);
      const first = { text: 'dependencies:\n  - name: common\n    repository: file://../common\n', file: REQUIREMENTS_FILE };
      expect(cache.parse(V1_CHART, CHART_FILE, first).chart?.dependencies).toHaveLength(1);
      cache.save();
      graph.workspace.write(REQUIREMENTS_FILE, first.text);
      expect(dependencyNames()).toEqual(['common']);
      graph.workspace.write(REQUIREMENTS_FILE, 'dependencies: []\n');
      expect(dependencyNames()).toEqual([]);
      expect(parseChartInWorkspace(V1_CHART, CHART_FILE, graph.workspace.root).chart?.dependencies).toEqual([]);
    });
  });
});
