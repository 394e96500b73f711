import { createTempWorkspace, writeChart, type TempWorkspace } from '../testing/temp-workspace';
import { NxHelmError } from '../utils/nx-helm-error';
import { loadLocalChartTree } from './local-chart-tree';

describe('loadLocalChartTree', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  const load = (dir: string) => loadLocalChartTree(`${workspace.root}/${dir}`, workspace.root);
  const problemOf = (dir: string): string => {
    try {
      load(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(NxHelmError);
      expect((error as NxHelmError).file).toMatch(/Chart\.yaml$/);
      return (error as Error).message;
    }
    throw new Error('expected an NxHelmError about a Chart.yaml');
  };

  it('lists every chart reached through file:// once, dependencies before dependents', () => {
    writeChart(workspace, 'charts/common', { name: 'common', type: 'library' });
    writeChart(workspace, 'charts/a', { name: 'a', dependencies: [{ name: 'common', repository: 'file://../common' }] });
    writeChart(workspace, 'charts/b', { name: 'b', dependencies: [{ name: 'common', repository: 'file://../common' }] });
    writeChart(workspace, 'charts/top', {
      name: 'top',
      dependencies: [
        { name: 'a', repository: 'file://../a' },
        { name: 'b', repository: 'file://../b' },
        { name: 'redis', version: '1.0.0', repository: 'oci://example.com/charts' },
      ],
    });
    const tree = load('charts/top');
    expect(tree.buildOrder.map((chart) => chart.relativeDir)).toEqual(['charts/common', 'charts/a', 'charts/b', 'charts/top']);
    expect(tree.root.localDependencies.map((entry) => entry.chart.chart.name)).toEqual(['a', 'b']);
  });

  it('names the dependency, the line and the missing folder when a file:// folder does not exist', () => {
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'common', repository: 'file://../commn' }] });
    expect(problemOf('charts/app')).toBe(
      'charts/app/Chart.yaml:6 (field dependencies[0].repository) has the dependency "common" at file://../commn, ' +
        'but the folder charts/commn does not exist.\n' +
        '  Fix: Point the repository at the chart folder, relative to this Chart.yaml (e.g. file://../common), or use the registry the chart is published to.',
    );
  });

  it('reports a file:// folder without a Chart.yaml', () => {
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'common', repository: 'file://../common' }] });
    workspace.write('charts/common/README.md', 'not a chart\n');
    expect(problemOf('charts/app')).toMatch(
      /has the dependency "common" at file:\/\/\.\.\/common, but charts\/common contains no Chart\.yaml/,
    );
  });

  it('reports a dependency cycle with every chart in it', () => {
    writeChart(workspace, 'charts/a', { name: 'a', dependencies: [{ name: 'b', repository: 'file://../b' }] });
    writeChart(workspace, 'charts/b', { name: 'b', dependencies: [{ name: 'c', repository: 'file://../c' }] });
    writeChart(workspace, 'charts/c', { name: 'c', dependencies: [{ name: 'a', repository: 'file://../a' }] });
    expect(problemOf('charts/a')).toMatch(
      /^charts\/c\/Chart\.yaml:6 \(field dependencies\[0\]\.repository\) closes a dependency cycle among local charts: a \(charts\/a\) -> b \(charts\/b\) -> c \(charts\/c\) -> a \(charts\/a\)\.\n {2}Fix: .*library chart/,
    );
  });

  it('reports an invalid Chart.yaml of a dependency', () => {
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'common', repository: 'file://../common' }] });
    workspace.write('charts/common/Chart.yaml', 'apiVersion: v2\nname: common\nversion: one\n');
    expect(problemOf('charts/app')).toMatch(/^charts\/common\/Chart\.yaml:3 \(field version\) has the version "one"/);
  });
});
