import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useExampleChartsWorkspace } from '../testing/example-charts';
import { memoryLogger } from '../testing/memory-logger';
import { renderChart } from './render';

describe('renderChart', () => {
  const example = useExampleChartsWorkspace();
  const render = (chartRoot: string, options: Record<string, unknown> = {}) =>
    renderChart({ workspaceRoot: example.workspace.root, chartRoot, log: memoryLogger(), ...options });

  it('writes each values set into its own file and leaves nothing of an earlier rendering', async () => {
    example.workspace.write('dist/rendered/charts/web/ci-gone-values.yaml', 'stale\n');
    example.workspace.write('dist/rendered/charts/web/notes.txt', 'kept\n');
    const result = await render('charts/web');
    expect(result.valuesSets.map((set) => set.valuesSet)).toEqual(['default', 'ci-default-values', 'ci-ha-values']);
    const folder = join(example.workspace.root, 'dist/rendered/charts/web');
    expect(existsSync(join(folder, 'ci-gone-values.yaml'))).toBe(false);
    expect(readFileSync(join(folder, 'notes.txt'), 'utf8')).toBe('kept\n');
  });

  it.each(['.', 'charts', 'charts/web', 'charts/web/out'])('refuses the output folder %s and deletes nothing', async (outputPath) => {
    await expect(render('charts/web', { outputPath })).rejects.toThrow(
      `The outputPath of charts/web:render-chart is ${outputPath}, which contains or lies inside the workspace root or the chart's sources`,
    );
    expect(existsSync(join(example.workspace.root, 'charts/web/values.yaml'))).toBe(true);
  });

  it('refuses an absolute output folder that leads back into the chart through ..', async () => {
    const outputPath = `${example.workspace.root}/charts/worker/../web`;
    await expect(render('charts/web', { outputPath })).rejects.toThrow(
      "The outputPath of charts/web:render-chart is charts/web, which contains or lies inside the workspace root or the chart's sources",
    );
    expect(existsSync(join(example.workspace.root, 'charts/web/values.yaml'))).toBe(true);
  });

  it('refuses two values files that would be rendered to one file, naming both', async () => {
    example.workspace.write('charts/web/ci-a.yaml', 'replicaCount: 1\n');
    example.workspace.write('charts/web/ci/a.yaml', 'replicaCount: 2\n');
    await expect(render('charts/web', { valuesFiles: ['ci-a.yaml', 'ci/a.yaml'] })).rejects.toThrow(
      'The values sets ci-a.yaml and ci/a.yaml of charts/web would both be rendered to ci-a.yaml.',
    );
  });

  it('says a library chart renders nothing on its own', async () => {
    await expect(render('charts/common')).rejects.toThrow('Chart "common" (charts/common) is a library chart');
  });

  it("reports helm's failure with the template's place in the chart folder", async () => {
    example.workspace.write('charts/worker/templates/broken.yaml', '{{ .Values.replicaCount | nosuchfunction }}\n');
    await expect(render('charts/worker')).rejects.toThrow(/charts\/worker\/templates\/broken\.yaml:1/);
  });
});
