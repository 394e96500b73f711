import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mainHelm } from '../src/testing/helm-binaries';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import type { TempWorkspace } from '../src/testing/temp-workspace';

const REGISTRY = 'oci://registry.example.com/charts';

/**
 * An edge to a chart referenced by the workspace's registry URL holds only while the chart's version satisfies the
 * constraint. Bumping that chart (and nothing in the dependent) must move the edge at once, with Nx's graph cache warm
 * and with the daemon, without `nx reset`.
 */
describe.each([
  ['daemon off', 'false'],
  ['daemon on', 'true'],
])('graph edges through the workspace registry follow the dependency’s version (%s)', (_, daemon) => {
  let workspace: TempWorkspace;
  const nx = (...args: string[]) => runNx(workspace.root, args, { HELM_BIN: mainHelm(), NX_DAEMON: daemon });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: workspace.root, stdio: 'pipe' });
  const setWebVersion = (version: string) => {
    const file = join(workspace.root, 'charts/web/Chart.yaml');
    workspace.write('charts/web/Chart.yaml', readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  };

  beforeAll(() => {
    workspace = createExampleWorkspace();
    const nxJson = JSON.parse(readFileSync(join(workspace.root, 'nx.json'), 'utf8')) as { plugins: Array<{ options: object }> };
    nxJson.plugins[0].options = { registry: REGISTRY };
    workspace.write('nx.json', JSON.stringify(nxJson, null, 2));
    workspace.write(
      'charts/stack/Chart.yaml',
      `apiVersion: v2\nname: stack\nversion: 1.0.0\ndependencies:\n  - name: web\n    version: "^0.1.0"\n    repository: ${REGISTRY}\n`,
    );
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'charts');
  });
  afterAll(() => {
    if (daemon === 'true') nx('daemon', '--stop');
    workspace.dispose();
  });

  /** The graph's edges into web, and the projects affected by the uncommitted change; retried briefly for the daemon's watcher. */
  const observe = async (expected: { stackOnWeb: boolean; affected: string[] }) => {
    let seen: { stackOnWeb: boolean; affected: string[] } | undefined;
    for (let attempt = 0; attempt < (daemon === 'true' ? 10 : 1); attempt++) {
      const graph = nx('graph', '--file=graph.json');
      expect(graph.status).toBe(0);
      const dependencies = (
        JSON.parse(readFileSync(join(workspace.root, 'graph.json'), 'utf8')) as {
          graph: { dependencies: Record<string, Array<{ target: string; type: string }>> };
        }
      ).graph.dependencies;
      const affected = nx('show', 'projects', '--affected', '--base=HEAD', '--json');
      seen = {
        stackOnWeb: dependencies.stack.some((edge) => edge.target === 'web'),
        affected: (JSON.parse(affected.output.trim().split('\n')[0]) as string[]).sort(),
      };
      if (JSON.stringify(seen) === JSON.stringify(expected)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(seen).toEqual(expected);
  };

  it('links stack to web while web satisfies ^0.1.0, with an edge Nx recomputes on every graph (implicit)', async () => {
    await observe({ stackOnWeb: true, affected: [] });
    const graph = JSON.parse(readFileSync(join(workspace.root, 'graph.json'), 'utf8')) as {
      graph: { dependencies: Record<string, Array<{ target: string; type: string }>> };
    };
    expect(graph.graph.dependencies.stack).toEqual([{ source: 'stack', target: 'web', type: 'implicit' }]);
  });

  it('drops the edge when web is bumped out of the range, and adds it back when bumped into it', async () => {
    setWebVersion('1.0.0');
    // platform takes web through file://, so it is affected; stack now resolves web from the registry, so it is not.
    await observe({ stackOnWeb: false, affected: ['platform', 'web'] });
    setWebVersion('0.1.5');
    await observe({ stackOnWeb: true, affected: ['platform', 'stack', 'web'] });
    setWebVersion('0.1.0');
    await observe({ stackOnWeb: true, affected: [] });
  });
});
