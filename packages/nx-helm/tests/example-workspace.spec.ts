import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import type { TempWorkspace } from '../src/testing/temp-workspace';

/** How many tasks Nx reports it served from its cache in a run's summary. */
function cachedTasks(output: string): number {
  const match = /Nx read the output from the cache instead of running the command for (\d+) out of \d+ tasks?/.exec(output);
  return match ? Number(match[1]) : 0;
}

/**
 * The example charts of this repository, driven through the real nx CLI with the built plugin and real helm.
 */
describe('example chart workspace (nx + helm)', () => {
  let workspace: TempWorkspace;
  const env = () => ({ HELM_BIN: mainHelm() });
  const nx = (...args: string[]) => runNx(workspace.root, args, env());

  beforeAll(() => {
    workspace = createExampleWorkspace();
  });
  afterAll(() => workspace.dispose());

  it('lists one project per example chart', () => {
    const result = nx('show', 'projects', '--json');
    expect(result.status).toBe(0);
    expect((JSON.parse(result.output.trim().split('\n')[0]) as string[]).sort()).toEqual(['common', 'platform', 'web', 'worker']);
  });

  it('infers batching executors for lint, package and push on this Nx (24), nx:run-commands for the others', () => {
    const result = nx('show', 'project', 'web', '--json');
    expect(result.status).toBe(0);
    const targets = (
      JSON.parse(result.output.trim().split('\n')[0]) as {
        targets: Record<string, { executor: string; options: { command: string }; metadata: { execution?: string } }>;
      }
    ).targets;
    for (const command of ['lint', 'package', 'push']) {
      expect(targets[`${command}-chart`]).toMatchObject({ executor: `nx-helm:${command}`, metadata: { execution: 'batch' } });
    }
    for (const [target, command] of Object.entries({ 'verify-chart': 'verify', 'check-version': 'check-version' })) {
      expect(targets[target]).toMatchObject({ executor: 'nx:run-commands', options: { command: `nx-helm ${command} charts/web` } });
    }
  });

  it('writes a project graph with the edges common <- web, worker <- platform', () => {
    expect(nx('graph', '--file=graph.json').status).toBe(0);
    const graph = JSON.parse(readFileSync(join(workspace.root, 'graph.json'), 'utf8')).graph as {
      dependencies: Record<string, Array<{ target: string; type: string }>>;
    };
    const edges = Object.entries(graph.dependencies)
      .flatMap(([source, targets]) => targets.map((target) => `${source} -> ${target.target} (${target.type})`))
      .sort();
    expect(edges).toEqual([
      'platform -> web (static)',
      'platform -> worker (static)',
      'web -> common (static)',
      'worker -> common (static)',
    ]);
  });

  it('lints and packages every chart, then serves an immediate rerun entirely from the cache', () => {
    const first = nx('run-many', '-t', 'lint-chart', 'package-chart', '--output-style=static');
    expect(first.output).toContain('Successfully ran targets lint-chart, package-chart for 4 projects');
    expect(first.status).toBe(0);
    expect(cachedTasks(first.output)).toBe(0);
    for (const chart of ['common', 'web', 'worker', 'platform']) {
      const archive = join(workspace.root, `dist/charts/${chart}/${chart}-0.1.0.tgz`);
      expect(existsSync(archive)).toBe(true);
      expect(execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' })).toContain(`${chart}/Chart.yaml`);
    }

    const second = nx('run-many', '-t', 'lint-chart', 'package-chart', '--output-style=static');
    expect(second.status).toBe(0);
    expect(second.output).toContain('Nx read the output from the cache instead of running the command for 8 out of 8 tasks.');
  });

  it('re-runs lint and package of a chart and its dependents when a dependency changes', () => {
    workspace.write('charts/common/templates/_extra.tpl', '{{- define "common.extra" -}}extra{{- end }}\n');
    const result = nx('run-many', '-t', 'lint-chart', 'package-chart', '--output-style=static');
    expect(result.status).toBe(0);
    // web, worker and platform all embed common's sources: every task runs again, none comes from the cache.
    for (const project of ['common', 'web', 'worker', 'platform']) {
      for (const target of ['lint-chart', 'package-chart']) {
        expect(result.output).toMatch(new RegExp(`> nx run ${project}:${target}\\s*\\n`));
      }
    }
    expect(cachedTasks(result.output)).toBe(0);
  });

  it('treats the helm version as an input: another helm misses the cache', () => {
    expect(cachedTasks(nx('run', 'common:lint-chart', '--output-style=static').output)).toBe(1);
    const withHelm3 = runNx(workspace.root, ['run', 'common:lint-chart', '--output-style=static'], { HELM_BIN: helm3() });
    expect(withHelm3.status).toBe(0);
    expect(cachedTasks(withHelm3.output)).toBe(0);
    expect(withHelm3.output).toMatch(/helm 3\.\d+\.\d+ lint charts\/common/);
  });

  it('treats the package timestamp as an input: another SOURCE_DATE_EPOCH misses the cache', () => {
    expect(cachedTasks(nx('run', 'common:package-chart', '--output-style=static').output)).toBe(1);
    const other = runNx(workspace.root, ['run', 'common:package-chart', '--output-style=static'], {
      ...env(),
      SOURCE_DATE_EPOCH: '1700000000',
    });
    expect(other.status).toBe(0);
    expect(cachedTasks(other.output)).toBe(0);
    expect(other.output).toContain('timestamp 2023-11-14T22:13:20.000Z from SOURCE_DATE_EPOCH');
  });

  it('treats the plugin options as an input: changing them in nx.json misses the cache', () => {
    expect(cachedTasks(nx('run', 'common:lint-chart', '--output-style=static').output)).toBe(1);
    const nxJson = readFileSync(join(workspace.root, 'nx.json'), 'utf8');
    try {
      const config = JSON.parse(nxJson) as { plugins: Array<{ options: Record<string, unknown> }> };
      config.plugins[0].options = { workspaceRepositories: ['https://charts.example.com'] };
      workspace.write('nx.json', JSON.stringify(config));
      const changed = nx('run', 'common:lint-chart', '--output-style=static');
      expect(changed.status).toBe(0);
      expect(cachedTasks(changed.output)).toBe(0);
    } finally {
      workspace.write('nx.json', nxJson);
    }
  });

  it('keeps the graph working with a broken chart, whose lint-chart explains the problem', () => {
    workspace.write('charts/broken/Chart.yaml', 'apiVersion: v2\nname: broken\nversion: "1.0"\n');
    const projects = nx('show', 'projects', '--json');
    expect(projects.status).toBe(0);
    expect((JSON.parse(projects.output.trim().split('\n')[0]) as string[]).sort()).toEqual([
      'broken',
      'common',
      'platform',
      'web',
      'worker',
    ]);

    const lint = nx('run', 'broken:lint-chart', '--output-style=static');
    expect(lint.status).not.toBe(0);
    expect(lint.output).toContain(
      'charts/broken/Chart.yaml:3 (field version) has the version "1.0", which is not a SemVer 2 version.\n  Fix: Use MAJOR.MINOR.PATCH',
    );
    expect(nx('run', 'web:lint-chart', '--output-style=static').status).toBe(0);
  });

  it('makes charts behind links Nx does not list projects whose lint-chart explains the link', () => {
    const outside = mkdtempSync(join(tmpdir(), 'nx-helm-linked-chart-'));
    try {
      writeFileSync(join(outside, 'Chart.yaml'), 'apiVersion: v2\nname: outside\nversion: 0.1.0\n');
      symlinkSync(outside, join(workspace.root, 'charts/outside'));
      workspace.write('charts/dangling/values.yaml', 'x: 1\n');
      symlinkSync('../gone/Chart.yaml', join(workspace.root, 'charts/dangling/Chart.yaml'));
      execFileSync('sh', ['-c', 'git init -q && git add -A'], { cwd: workspace.root });
      const projects = nx('show', 'projects', '--json');
      expect(JSON.parse(projects.output.trim().split('\n')[0])).toEqual(expect.arrayContaining(['outside', 'dangling', 'web']));
      const lint = nx('run-many', '-t', 'lint-chart', '--projects=outside,dangling,web', '--output-style=static');
      expect(lint.status).not.toBe(0);
      expect(lint.output).toContain(`charts/outside is a symbolic link to ${outside}, a folder outside the workspace.`);
      expect(lint.output).toContain('charts/dangling/Chart.yaml is a symbolic link to ../gone/Chart.yaml, which does not exist.');
      expect(lint.output).toMatch(/Failed tasks:\n\n- (outside|dangling):lint-chart\n- (outside|dangling):lint-chart\n\n/);
    } finally {
      rmSync(join(workspace.root, 'charts/outside'), { force: true });
      rmSync(join(workspace.root, 'charts/dangling'), { recursive: true, force: true });
      rmSync(join(workspace.root, '.git'), { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('fails with both paths when two charts have the same name', () => {
    workspace.write('legacy/web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\n');
    const result = nx('show', 'projects');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('Two or more charts would become the project "web": charts/web/Chart.yaml, legacy/web/Chart.yaml.');
  });
});
