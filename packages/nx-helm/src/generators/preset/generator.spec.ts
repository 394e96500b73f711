import { logger } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
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
});
