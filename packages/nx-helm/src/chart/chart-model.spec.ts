import { parseChart } from './chart-model';
import { formatChartProblem } from './chart-problem';

const FILE = 'charts/app/Chart.yaml';

describe('parseChart', () => {
  it('reads a valid chart with every kind of dependency', () => {
    const result = parseChart(
      [
        'apiVersion: v2',
        'name: app',
        'description: An app',
        'version: 1.2.3-rc.1+build.5',
        'appVersion: 2.0',
        'dependencies:',
        '  - name: common',
        '    version: 0.1.0',
        '    repository: file://../common',
        '  - name: redis',
        '    version: ">= 18.0.0, < 19.0.0"',
        '    repository: oci://registry-1.docker.io/bitnamicharts',
        '  - name: ingress-nginx',
        '    version: 4.x',
        '    repository: https://kubernetes.github.io/ingress-nginx',
        '  - name: grafana',
        '    repository: "@grafana"',
        '  - name: vendored',
        '    alias: inner',
        '    condition: inner.enabled',
        '',
      ].join('\n'),
      FILE,
    );
    expect(result.problems).toEqual([]);
    expect(result.chart).toMatchObject({
      apiVersion: 'v2',
      name: 'app',
      description: 'An app',
      version: '1.2.3-rc.1+build.5',
      appVersion: '2',
      type: 'application',
    });
    expect(result.chart?.dependencies.map((dependency) => [dependency.name, dependency.source, dependency.line])).toEqual([
      ['common', { kind: 'local-file', path: '../common' }, 7],
      ['redis', { kind: 'oci', url: 'oci://registry-1.docker.io/bitnamicharts' }, 10],
      ['ingress-nginx', { kind: 'http', url: 'https://kubernetes.github.io/ingress-nginx' }, 13],
      ['grafana', { kind: 'repo-alias', alias: 'grafana' }, 16],
      ['vendored', { kind: 'vendored' }, 18],
    ]);
    expect(result.chart?.dependencies[4]).toMatchObject({ alias: 'inner', condition: 'inner.enabled' });
  });

  it('reads a library chart', () => {
    const result = parseChart('apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n', FILE);
    expect(result.chart?.type).toBe('library');
    expect(result.chart?.dependencies).toEqual([]);
  });

  it('reports YAML that does not parse with its line', () => {
    const result = parseChart('apiVersion: v2\nname: app\nversion: [0.1.0\n', FILE);
    expect(result.chart).toBeUndefined();
    expect(result.problems[0]).toMatchObject({ file: FILE, line: expect.any(Number) });
    expect(result.problems[0].message).toMatch(/^is not valid YAML: /);
    expect(formatChartProblem(result.problems[0])).toMatch(
      /^charts\/app\/Chart\.yaml:\d+ is not valid YAML: .*\n {2}Fix: Correct the YAML syntax/,
    );
  });

  it('reports a missing name and a missing version as fields to add', () => {
    const result = parseChart('apiVersion: v2\ndescription: no name, no version\n', FILE);
    expect(result.chart).toBeUndefined();
    expect(result.problems.map((problem) => [problem.field, problem.message])).toEqual([
      ['name', 'has no name'],
      ['version', 'has no version'],
    ]);
    expect(formatChartProblem(result.problems[1])).toBe(
      'charts/app/Chart.yaml (field version) has no version.\n  Fix: Add `version: 0.1.0` (a SemVer 2 version; it becomes the OCI tag).',
    );
  });

  it.each([
    ['1.0', '"1.0"'],
    ['2', '"2"'],
    ['1.10', '"1.10"'],
    ['latest', '"latest"'],
    ['"1.2"', '"1.2"'],
    ['v1.2.3', '"v1.2.3"'],
  ])('rejects the non-SemVer version %s on its line', (version, shown) => {
    const result = parseChart(`apiVersion: v2\nname: app\nversion: ${version}\n`, FILE);
    expect(result.problems).toEqual([
      expect.objectContaining({ line: 3, field: 'version', message: `has the version ${shown}, which is not a SemVer 2 version` }),
    ]);
  });

  it('rejects invalid names, types and api versions', () => {
    const result = parseChart('apiVersion: v3\nname: My_App\nversion: 0.1.0\ntype: service\n', FILE);
    expect(result.problems.map((problem) => [problem.field, problem.line])).toEqual([
      ['apiVersion', 1],
      ['name', 2],
      ['type', 4],
    ]);
  });

  it('rejects dependencies that are not a list of named entries', () => {
    expect(parseChart('apiVersion: v2\nname: a\nversion: 0.1.0\ndependencies: common\n', FILE).problems).toEqual([
      expect.objectContaining({ field: 'dependencies', line: 4 }),
    ]);
    expect(parseChart('apiVersion: v2\nname: a\nversion: 0.1.0\ndependencies:\n  - version: 1.0.0\n', FILE).problems).toEqual([
      expect.objectContaining({ field: 'dependencies[0].name', line: 5 }),
    ]);
  });

  it('reports a file that is not a mapping', () => {
    expect(parseChart('- just\n- a list\n', FILE).problems[0].message).toBe('does not contain a YAML mapping of chart fields');
    expect(parseChart('', FILE).problems[0].message).toBe('does not contain a YAML mapping of chart fields');
  });
});
