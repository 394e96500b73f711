import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { createPackedWorkspace, NX_VERSIONS, nxJsonWithPlugin, type PackedWorkspace } from '../src/testing/packed-workspace';
import type { TempWorkspace } from '../src/testing/temp-workspace';

/** Apps on the library through file://, an umbrella of two of them. */
const APPS = 8;

/**
 * A workspace of 14 charts: `common` (library), web-1…web-8 on it through file://, an umbrella of web-1 and web-2,
 * `bad-lint` (a template that does not parse: its lint fails, its package does not), `bad-pkg` (a package-chart
 * whose outputPath is the chart's own folder: its package fails, its lint does not), and worker (ci values).
 */
function writeCharts(workspace: TempWorkspace): void {
  const examples = join(REPOSITORY_ROOT, 'charts');
  cpSync(join(examples, 'common'), join(workspace.root, 'charts/common'), { recursive: true });
  cpSync(join(examples, 'worker'), join(workspace.root, 'charts/worker'), { recursive: true });
  for (let index = 1; index <= APPS; index++) {
    const dir = join(workspace.root, `charts/web-${index}`);
    cpSync(join(examples, 'web'), dir, { recursive: true });
    const chartFile = join(dir, 'Chart.yaml');
    workspace.write(`charts/web-${index}/Chart.yaml`, readFileSync(chartFile, 'utf8').replace(/^name: web$/m, `name: web-${index}`));
  }
  workspace.write(
    'charts/platform/Chart.yaml',
    [
      'apiVersion: v2',
      'name: platform',
      'version: 0.1.0',
      'dependencies:',
      '  - name: web-1',
      '    version: ^0.1.0',
      '    repository: file://../web-1',
      '  - name: web-2',
      '    version: ^0.1.0',
      '    repository: file://../web-2',
      '',
    ].join('\n'),
  );
  workspace.write('charts/platform/values.yaml', 'web-1: {}\n');
  workspace.write('charts/platform/templates/NOTES.txt', 'Platform {{ .Chart.Version }}\n');
  workspace.write('charts/bad-lint/Chart.yaml', 'apiVersion: v2\nname: bad-lint\nversion: 0.1.0\n');
  workspace.write('charts/bad-lint/templates/broken.yaml', 'kind: ConfigMap\ndata: {{ .Values.x | nosuchfunction }}\n');
  workspace.write('charts/bad-pkg/Chart.yaml', 'apiVersion: v2\nname: bad-pkg\nversion: 0.1.0\n');
  workspace.write('charts/bad-pkg/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n');
  workspace.write(
    'charts/bad-pkg/project.json',
    JSON.stringify({ name: 'bad-pkg', targets: { 'package-chart': { options: { outputPath: 'charts/bad-pkg' } } } }),
  );
}

const CHARTS = ['common', 'worker', 'platform', 'bad-lint', 'bad-pkg', ...Array.from({ length: APPS }, (_, i) => `web-${i + 1}`)];

/** The tasks Nx reports as failed, sorted. */
function failedTasks(output: string): string[] {
  const section = output.split(/Failed tasks:/)[1] ?? '';
  return [...section.matchAll(/^\s*- (\S+:\S+)/gm)].map((match) => match[1]).sort();
}

/** Each task's own output, as --output-style=static prints it (`> nx run <task>` and what follows). */
function taskOutputs(output: string): Map<string, string> {
  const parts = output.split(/^> nx run (\S+)/m);
  const outputs = new Map<string, string>();
  for (let index = 1; index < parts.length; index += 2) {
    outputs.set(parts[index].replace(/\s.*$/, ''), parts[index + 1].split(/\n(?:\s*NX\s|\s*> {2}NX\s)/)[0]);
  }
  return outputs;
}

/** sha256 of every package under dist/charts, by file name. */
function packageDigests(root: string): Record<string, string> {
  const digests: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.tgz')) digests[entry.name] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(join(root, 'dist/charts'));
  return digests;
}

const EXPECTED_FAILURES = ['bad-lint:lint-chart', 'bad-pkg:package-chart'];
const RUN = ['run-many', '-t', 'lint-chart', 'package-chart', '--output-style=static'];

describe.each(NX_VERSIONS)('batch execution with the packed plugin on Nx $nx', (versions) => {
  let workspace: PackedWorkspace;
  // Nx 22.0.0 batches only when told to (NX_BATCH_MODE=true); Nx 22.6+ by itself (preferBatch).
  const batchEnv: NodeJS.ProcessEnv = versions.nx === '22.0.0' ? { NX_BATCH_MODE: 'true' } : {};
  const nx = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    workspace.nx(args, { NX_CACHE_DIRECTORY: join(workspace.root, '.nx/cache'), ...batchEnv, ...env });
  let batched: { output: string; digests: Record<string, string> };

  beforeAll(() => {
    workspace = createPackedWorkspace(versions, 'nx-helm-batch-', (created) => {
      created.write('nx.json', nxJsonWithPlugin({}));
      writeCharts(created);
    });
  });
  afterAll(() => workspace.dispose());

  it('runs every chart of a target in one batch; exactly the broken tasks fail, each with its own chart in its output', () => {
    const result = nx(RUN);
    expect(result.status).not.toBe(0);
    batched = { output: result.output, digests: packageDigests(workspace.root) };
    expect(result.output).toMatch(new RegExp(`Running ${CHARTS.length} tasks with nx-helm:lint`));
    expect(result.output).toMatch(/Running \d+ tasks with nx-helm:package/);
    expect(failedTasks(result.output)).toEqual(EXPECTED_FAILURES);
    // Every chart but bad-pkg was packaged, the umbrella with its dependencies.
    expect(Object.keys(batched.digests).sort()).toEqual(
      CHARTS.filter((chart) => chart !== 'bad-pkg')
        .map((chart) => `${chart}-0.1.0.tgz`)
        .sort(),
    );
    const outputs = taskOutputs(result.output);
    expect([...outputs.keys()].sort()).toEqual(CHARTS.flatMap((chart) => [`${chart}:lint-chart`, `${chart}:package-chart`]).sort());
    for (const [task, output] of outputs) {
      const [chart, target] = task.split(':');
      const mentioned = [...output.matchAll(/(?:lint charts\/|Packaged |(?:package|lint)-chart failed for )([\w-]+)/g)].map((m) => m[1]);
      expect({ task, mentioned: [...new Set(mentioned)] }).toEqual({ task, mentioned: [chart] });
      if (target === 'lint-chart' && chart !== 'bad-lint') expect(output).toContain(`passed helm lint`);
    }
    expect(outputs.get('bad-lint:lint-chart')).toContain('function "nosuchfunction" not defined');
    expect(outputs.get('bad-lint:lint-chart')).toMatch(/lint-chart failed for bad-lint:\nhelm lint found problems in chart "bad-lint"/);
    expect(outputs.get('bad-pkg:package-chart')).toMatch(
      /package-chart failed for bad-pkg:[\s\S]*The outputPath of bad-pkg:package-chart is charts\/bad-pkg/,
    );
  });

  it('caches each task: a second run is all cache hits for the tasks that succeeded, with identical package bytes', () => {
    rmSync(join(workspace.root, 'dist'), { recursive: true, force: true });
    const result = nx([...RUN, '--exclude', 'bad-lint,bad-pkg']);
    expect(result.status).toBe(0);
    const succeeded = (CHARTS.length - 2) * 2;
    expect(result.output).toContain(
      `Nx read the output from the cache instead of running the command for ${succeeded} out of ${succeeded} tasks`,
    );
    const { 'bad-lint-0.1.0.tgz': _lintFailed, ...expected } = batched.digests;
    expect(packageDigests(workspace.root)).toEqual(expected);
  });

  it('gives the same results without batches: --no-batch (or NX_BATCH_MODE=false) and execution "command"', () => {
    const unbatched = [nx([...RUN, '--skip-nx-cache', ...(versions.nx === '22.0.0' ? [] : ['--no-batch'])], { NX_BATCH_MODE: 'false' })];
    workspace.write('nx.json', nxJsonWithPlugin({ execution: 'command' }));
    try {
      unbatched.push(nx([...RUN, '--skip-nx-cache']));
    } finally {
      workspace.write('nx.json', nxJsonWithPlugin({}));
    }
    for (const result of unbatched) {
      expect(result.output).not.toMatch(/Running \d+ tasks with nx-helm:/);
      expect(failedTasks(result.output)).toEqual(EXPECTED_FAILURES);
      expect(packageDigests(workspace.root)).toEqual(batched.digests);
    }
    expect(unbatched[1].output).toContain('> nx-helm lint charts/web-1');
  });
});
