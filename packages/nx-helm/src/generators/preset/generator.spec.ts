import { logger, readNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { parse } from 'yaml';
import { actionlint } from '../../testing/actionlint';
import { ciProvider, presetGenerator } from './generator';

describe('preset generator', () => {
  beforeEach(() => jest.spyOn(logger, 'info').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('takes the CI that create-nx-workspace forwards as `ci` when the workflow generator writes it, else GitHub', () => {
    expect(ciProvider({ ci: 'gitlab' })).toBe('gitlab');
    expect(ciProvider({ ci: 'github' })).toBe('github');
    for (const value of ['skip', 'never', 'yes', 'azure', 'circleci', 'bitbucket-pipelines']) {
      expect({ value, provider: ciProvider({ ci: value }) }).toEqual({ value, provider: 'github' });
    }
    expect(ciProvider({})).toBe('github');
    expect(ciProvider({ ciProvider: 'none', ci: 'gitlab' })).toBe('none');
  });

  it.each([
    [{ ci: 'skip' }, ['.github/workflows/charts.yml'], ['.gitlab-ci.yml']],
    [{ ci: 'gitlab' }, ['.gitlab-ci.yml'], ['.github/workflows/charts.yml']],
    [{ ciProvider: 'none' as const, ci: 'github' }, [], ['.github/workflows/charts.yml', '.gitlab-ci.yml']],
  ])('with %j writes %j and not %j', async (options, written, absent) => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx: '24.0.6' } }));
    await presetGenerator(tree, { ...options, skipInstall: true });
    for (const file of written) expect(tree.exists(file)).toBe(true);
    for (const file of absent) expect(tree.exists(file)).toBe(false);
    expect(tree.exists('charts/app/Chart.yaml')).toBe(true);
  });

  it('publishes to the --registry it writes into nx.json: the workflow logs in to its host and does not override it', async () => {
    for (const ciProvider of ['github', 'gitlab'] as const) {
      const tree = createTreeWithEmptyWorkspace();
      tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx: '24.0.6' } }));
      await presetGenerator(tree, { registry: 'oci://registry.example.com/team/charts', ciProvider, skipInstall: true });
      expect(readNxJson(tree)!.plugins).toEqual([{ plugin: 'nx-helm', options: { registry: 'oci://registry.example.com/team/charts' } }]);
      const text = tree.read(ciProvider === 'github' ? '.github/workflows/charts.yml' : '.gitlab-ci.yml', 'utf8')!;
      expect(text).not.toContain('NX_HELM_REGISTRY');
      expect(text).not.toContain('vars.REGISTRY_HOST');
      const workflow = parse(text);
      // The jobs log in to the registry nx.json names, and keep Nx's cache there.
      const publishing = ciProvider === 'github' ? workflow.jobs.release.env : workflow.publish.variables;
      expect(text).toContain('oci://registry.example.com/team/charts/nx-cache');
      expect(publishing.REGISTRY_HOST).toBe('registry.example.com');
      if (ciProvider === 'github') expect(await actionlint(text)).toEqual([]);
    }
  });
});
