import { selectChartFiles } from './chart-files';

describe('selectChartFiles', () => {
  it('keeps workspace charts and drops vendored subcharts and ignored folders', () => {
    expect(
      selectChartFiles([
        'charts/app/Chart.yaml',
        'charts/app/charts/vendored/Chart.yaml',
        'charts/app/charts/vendored/charts/deeper/Chart.yaml',
        'charts/lib/Chart.yaml',
        'node_modules/some-pkg/chart/Chart.yaml',
        'dist/charts/app/Chart.yaml',
        'tmp/scratch/Chart.yaml',
        'services/api/deploy/Chart.yaml',
      ]),
    ).toEqual(['charts/app/Chart.yaml', 'charts/lib/Chart.yaml', 'services/api/deploy/Chart.yaml']);
  });

  it('treats a charts/ folder under a root chart as that chart’s subcharts', () => {
    expect(selectChartFiles(['Chart.yaml', 'charts/sub/Chart.yaml'])).toEqual(['Chart.yaml']);
  });
});
