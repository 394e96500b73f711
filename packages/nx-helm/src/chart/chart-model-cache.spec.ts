import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chartYaml, useGraphWorkspace } from '../testing/temp-workspace';
import { ChartModelCache, parseChartInWorkspace } from './chart-model-cache';

describe('ChartModelCache', () => {
  const graph = useGraphWorkspace();

  const cacheFile = () => {
    const dir = join(graph.workspace.root, '.nx/workspace-data');
    return join(
      dir,
      readdirSync(dir).find((file) => file.startsWith('nx-helm-charts-'))!,
    );
  };

  it('keeps what the graph parsed, by path and content, and serves it to readers', () => {
    const text = chartYaml({ name: 'web', version: '1.2.3' });
    const cache = new ChartModelCache(graph.workspace.root);
    expect(cache.parse(text, 'charts/web/Chart.yaml').chart).toMatchObject({ name: 'web', version: '1.2.3' });
    cache.save();
    // An entry the graph stored is what a task gets (marked here so the test can tell it from a fresh parse).
    const stored = JSON.parse(readFileSync(cacheFile(), 'utf8')) as Record<string, { chart: { description?: string } }>;
    expect(Object.keys(stored)).toHaveLength(1);
    Object.values(stored)[0].chart.description = 'from the cache';
    writeFileSync(cacheFile(), JSON.stringify(stored));
    expect(parseChartInWorkspace(text, 'charts/web/Chart.yaml', graph.workspace.root).chart?.description).toBe('from the cache');
    // Other content, or the same content at another path (messages name the file), is parsed afresh.
    expect(
      parseChartInWorkspace(chartYaml({ name: 'web', version: '1.2.4' }), 'charts/web/Chart.yaml', graph.workspace.root).chart?.version,
    ).toBe('1.2.4');
    expect(parseChartInWorkspace(text, 'other/web/Chart.yaml', graph.workspace.root).chart?.description).toBeUndefined();
  });

  it('drops entries no chart uses any more when it is saved again', () => {
    const first = new ChartModelCache(graph.workspace.root);
    first.parse(chartYaml({ name: 'old' }), 'charts/old/Chart.yaml');
    first.save();
    const second = new ChartModelCache(graph.workspace.root);
    second.parse(chartYaml({ name: 'new' }), 'charts/new/Chart.yaml');
    second.save();
    const entries = Object.values(JSON.parse(readFileSync(cacheFile(), 'utf8')) as Record<string, { chart: { name: string } }>);
    expect(entries.map((entry) => entry.chart.name)).toEqual(['new']);
  });
});
