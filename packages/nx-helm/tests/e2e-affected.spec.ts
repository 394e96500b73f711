import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mainHelm } from '../src/testing/helm-binaries';
import { runNx } from '../src/testing/nx-workspace';
import { createPackedWorkspace, NX_VERSIONS, nxJsonWithPlugin, type PackedWorkspace } from '../src/testing/packed-workspace';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { writeChart } from '../src/testing/temp-workspace';
import type { PushRecord } from '../src/registry/chart-publisher';

const TARGETS = ['lint-chart', 'package-chart', 'push-chart'];

/** Asserts that an nx run succeeded, showing its output when it did not. */
function succeeded(result: { status: number | null; output: string }): void {
  expect({ status: result.status, output: result.status === 0 ? '' : result.output }).toEqual({ status: 0, output: '' });
}

/** The tasks a run executed (or restored from the cache), as "project:target". */
function executedTasks(output: string): string[] {
  // Nx names a batch of one task before running it, then prints its output under the same header.
  return [...new Set([...output.matchAll(/^> nx run (\S+:\S+)/gm)].map((match) => match[1]))].sort();
}

function tasksOf(projects: string[], targets = TARGETS): string[] {
  return projects.flatMap((project) => targets.map((target) => `${project}:${target}`)).sort();
}

/**
 * The promise of nx-helm, the way a user meets it: the packed package installed in a fresh workspace with a real git
 * history, a real registry, and `nx affected -t lint-chart package-chart push-chart` running exactly the changed
 * charts and their dependents.
 */
describe.each(NX_VERSIONS)('nx affected end to end with Nx $nx', (versions) => {
  let registry: RegistryServer;
  let workspace: PackedWorkspace;
  const commits: string[] = [];

  const commit = (message: string) => commits.push(workspace.commit(message));
  const nx = (...args: string[]) => workspace.nx(args);
  const affected = (base: string) => nx('affected', '-t', ...TARGETS, `--base=${base}`, '--head=HEAD', '--output-style=static');
  const bump = (chart: string, version: string) => {
    const file = join(workspace.root, `charts/${chart}/Chart.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  };
  const pushRecord = (chart: string) =>
    JSON.parse(readFileSync(join(workspace.root, `dist/charts/${chart}/push.json`), 'utf8')) as PushRecord;

  beforeAll(async () => {
    registry = await startRegistry();
    const registryUrl = `oci://${registry.host}/charts`;
    workspace = createPackedWorkspace(versions, `nx-helm-e2e-${versions.nx}-`, (files) => {
      files.write('nx.json', nxJsonWithPlugin({ registry: registryUrl }));
      files.write('docs/notes.md', '# Notes\n');
      writeChart(files, 'charts/lib', { name: 'lib', type: 'library' });
      writeChart(files, 'charts/app-a', {
        name: 'app-a',
        dependencies: [{ name: 'lib', version: '~0.1.0', repository: 'file://../lib' }],
      });
      writeChart(files, 'charts/app-b', {
        name: 'app-b',
        dependencies: [{ name: 'lib', version: '~0.1.0', repository: 'file://../lib' }],
      });
      // The umbrella references its siblings by the registry they are published to, as real chart repositories do.
      writeChart(files, 'charts/stack', {
        name: 'stack',
        dependencies: [
          { name: 'app-a', version: '^0.1.0', repository: registryUrl },
          { name: 'app-b', version: '^0.1.0', repository: registryUrl },
        ],
      });
      writeChart(files, 'charts/tools', { name: 'tools' });
    });
    commits.push(workspace.git('rev-parse', 'HEAD'));
  });
  afterAll(async () => {
    await registry.stop();
    workspace.dispose();
  });

  it('installs the packed plugin and builds the graph, including the edges to siblings referenced by registry URL', () => {
    expect(readdirSync(join(workspace.root, 'node_modules/nx-helm/dist')).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(workspace.root, 'node_modules/nx/package.json'), 'utf8')).version).toBe(versions.nx);
    succeeded(nx('graph', '--file=graph.json'));
    const graph = JSON.parse(readFileSync(join(workspace.root, 'graph.json'), 'utf8')).graph.dependencies as Record<
      string,
      Array<{ target: string }>
    >;
    expect(
      Object.fromEntries(Object.entries(graph).map(([source, targets]) => [source, targets.map((edge) => edge.target).sort()])),
    ).toEqual({
      lib: [],
      'app-a': ['lib'],
      'app-b': ['lib'],
      stack: ['app-a', 'app-b'],
      tools: [],
    });
  });

  it('publishes every chart once, the umbrella packaged with its siblings built from source', async () => {
    const result = nx('run-many', '-t', 'push-chart', '--output-style=static');
    succeeded(result);
    for (const chart of ['lib', 'app-a', 'app-b', 'stack', 'tools']) {
      expect(pushRecord(chart)).toMatchObject({ status: 'pushed', digest: await registry.manifestDigest(`charts/${chart}`, '0.1.0') });
    }
  });

  it('runs only the changed leaf chart when its template changes', () => {
    workspace.write('charts/tools/templates/extra.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\n');
    bump('tools', '0.1.1');
    commit('tools: extra config map');
    const result = affected(commits.at(-2)!);
    succeeded(result);
    expect(executedTasks(result.output)).toEqual(tasksOf(['tools']));
  });

  it('runs the library and every direct and transitive dependent, including the umbrella, when the library changes', async () => {
    workspace.write('charts/lib/templates/_more.tpl', '{{- define "lib.more" -}}more{{- end }}\n');
    for (const chart of ['lib', 'app-a', 'app-b', 'stack']) bump(chart, '0.1.1');
    commit('lib: more helpers');
    // As in CI, where nrwl/nx-set-shas exports NX_BASE and NX_HEAD for both nx affected and check-version.
    const checked = runNx(workspace.root, ['affected', '-t', 'check-version', '--output-style=static'], {
      HELM_BIN: mainHelm(),
      NX_BASE: commits.at(-2),
      NX_HEAD: 'HEAD',
    });
    succeeded(checked);
    expect(executedTasks(checked.output)).toEqual(tasksOf(['lib', 'app-a', 'app-b', 'stack'], ['check-version']));
    expect(checked.output).toContain('Chart "stack" changed since');
    const result = affected(commits.at(-2)!);
    succeeded(result);
    expect(executedTasks(result.output)).toEqual(tasksOf(['lib', 'app-a', 'app-b', 'stack']));
    // The umbrella was packaged with its siblings built from the changed sources, not downloaded.
    const stackArchive = join(workspace.root, 'dist/charts/stack/stack-0.1.1.tgz');
    expect(execFileSync('tar', ['-xzOf', stackArchive, 'stack/charts/app-a/Chart.yaml'], { encoding: 'utf8' })).toContain('version: 0.1.1');
    expect(execFileSync('tar', ['-tzf', stackArchive], { encoding: 'utf8' })).toContain(
      'stack/charts/app-a/charts/lib/templates/_more.tpl',
    );
    for (const chart of ['lib', 'app-a', 'app-b', 'stack']) {
      const record = pushRecord(chart);
      expect(record).toMatchObject({ status: 'pushed', version: '0.1.1' });
      expect(record.digest).toBe(await registry.manifestDigest(`charts/${chart}`, '0.1.1'));
    }
  });

  it('serves lint and package from the cache and skips every push when the same command runs again', () => {
    const result = affected(commits.at(-2)!);
    succeeded(result);
    const lines = result.output.split('\n').filter((line) => /^> nx run \S+:(lint|package)-chart/.test(line));
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      expect(line).toMatch(/\[(local cache|existing outputs match the cache, left as is)\]/);
    }
    for (const chart of ['lib', 'app-a', 'app-b', 'stack']) {
      expect(pushRecord(chart).status).toBe('skipped');
    }
  });

  it('runs no chart task when only a file outside every chart changes', () => {
    workspace.write('docs/notes.md', '# Notes\n\nMore.\n');
    commit('docs');
    const result = affected(commits.at(-2)!);
    succeeded(result);
    expect(executedTasks(result.output)).toEqual([]);
  });
});
