import { parseChart, type Chart } from './chart-model';
import { findWorkspaceDependencies, indexWorkspaceCharts, resolveLocalDependencyRoot } from './workspace-dependencies';

const index = indexWorkspaceCharts([
  { root: 'charts/common', projectName: 'common', chartName: 'common', chartVersion: '1.2.0' },
  { root: 'charts/web', projectName: 'web', chartName: 'web', chartVersion: '0.3.0' },
  { root: 'charts/not-a-chart-dir/x', projectName: 'x', chartName: 'x', chartVersion: '0.1.0' },
]);

function chart(dependencies: string): Chart {
  const result = parseChart(`apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n${dependencies}`, 'Chart.yaml');
  if (!result.chart) throw new Error(JSON.stringify(result.problems));
  return result.chart;
}

const REPOSITORIES = ['oci://ghcr.io/acme/charts', 'https://acme.github.io/charts'];

function targets(dependencies: string): Array<[string, string]> {
  return findWorkspaceDependencies('charts/app', chart(dependencies), index, REPOSITORIES, '/ws').map((found) => [
    found.target.projectName,
    found.via,
  ]);
}

describe('findWorkspaceDependencies', () => {
  it('links file:// dependencies to the chart in that folder, whatever their version constraint', () => {
    expect(targets('  - name: common\n    version: 9.9.9\n    repository: file://../common\n')).toEqual([['common', 'file']]);
    expect(targets('  - name: common\n    repository: file:///ws/charts/common/\n')).toEqual([['common', 'file']]);
  });

  it('ignores file:// dependencies that point at no workspace chart', () => {
    expect(targets('  - name: common\n    repository: file://../elsewhere\n')).toEqual([]);
  });

  it('links dependencies fetched from a workspace repository when the local version satisfies the constraint', () => {
    expect(targets('  - name: common\n    version: ^1.0.0\n    repository: oci://ghcr.io/acme/charts\n')).toEqual([
      ['common', 'repository'],
    ]);
    expect(targets('  - name: web\n    version: ">= 0.2, < 1"\n    repository: https://acme.github.io/charts/\n')).toEqual([
      ['web', 'repository'],
    ]);
  });

  it('does not link a workspace repository dependency whose constraint excludes the local version', () => {
    expect(targets('  - name: common\n    version: ^2.0.0\n    repository: oci://ghcr.io/acme/charts\n')).toEqual([]);
    expect(targets('  - name: common\n    version: 1.1.0\n    repository: oci://ghcr.io/acme/charts\n')).toEqual([]);
  });

  it('does not link external repositories, repository aliases or vendored subcharts', () => {
    expect(
      targets(
        [
          '  - name: common',
          '    version: ^1.0.0',
          '    repository: oci://ghcr.io/someone-else/charts',
          '  - name: common',
          '    repository: "@acme"',
          '  - name: common',
          '',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});

describe('resolveLocalDependencyRoot', () => {
  it('resolves relative and absolute paths to workspace-relative roots', () => {
    expect(resolveLocalDependencyRoot('charts/app', '../common', '/ws')).toBe('charts/common');
    expect(resolveLocalDependencyRoot('charts/app', './charts/sub/', '/ws')).toBe('charts/app/charts/sub');
    expect(resolveLocalDependencyRoot('charts/app', '/ws/libs/common', '/ws')).toBe('libs/common');
    expect(resolveLocalDependencyRoot('charts/app', '../../../outside', '/ws')).toBe('../outside');
  });
});
