import { parseDocument } from 'yaml';
import { helmDependencyList, parseChart } from './chart-model';
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

  // Each case's name and version are what helm 3.17 and 4.1 package the chart as.
  it.each([
    ['a merge key alone', ['base: &base', '  name: merged', '  version: 0.1.0', 'apiVersion: v2', '<<: *base'], '0.1.0'],
    [
      'a merge key after a field: the merge wins',
      ['base: &base', '  name: merged', '  version: 0.1.0', 'apiVersion: v2', 'version: 0.2.0', '<<: *base'],
      '0.1.0',
    ],
    [
      'a field after a merge key: the field wins',
      ['base: &base', '  name: merged', '  version: 0.1.0', 'apiVersion: v2', '<<: *base', 'version: 0.2.0'],
      '0.2.0',
    ],
    [
      'a list of merges: the earlier wins',
      ['a: &a', '  name: merged', '  version: 0.1.0', 'b: &b', '  version: 0.3.0', 'apiVersion: v2', '<<: [*a, *b]'],
      '0.1.0',
    ],
    [
      'two merge keys: the later wins',
      ['a: &a', '  name: merged', '  version: 0.1.0', 'b: &b', '  version: 0.5.0', 'apiVersion: v2', '<<: *a', '<<: *b'],
      '0.5.0',
    ],
    ['an inline mapping', ['apiVersion: v2', '<<: {name: merged, version: 0.4.0}'], '0.4.0'],
  ])('reads fields through %s as helm does', (_, lines, version) => {
    const result = parseChart(`${lines.join('\n')}\n`, FILE);
    expect(result.problems).toEqual([]);
    expect(result.chart).toMatchObject({ name: 'merged', version });
  });

  it('reads dependencies, their fields and annotations through merge keys and aliases', () => {
    const text = [
      'apiVersion: v2',
      'name: app',
      'version: 0.1.0',
      'annotations: &notes',
      '  team: web',
      'common: &common',
      '  dependencies:',
      '    - &lib',
      '      name: lib',
      '      version: 0.1.0',
      '      repository: file://../lib',
      '    - <<: *lib',
      '      name: other',
      '<<: *common',
      '',
    ].join('\n');
    const result = parseChart(text, FILE);
    expect(result.chart?.annotations).toEqual({ team: 'web' });
    expect(result.chart?.dependencies.map(({ name, version, repository, line }) => ({ name, version, repository, line }))).toEqual([
      { name: 'lib', version: '0.1.0', repository: 'file://../lib', line: 9 },
      { name: 'other', version: '0.1.0', repository: 'file://../lib', line: 12 },
    ]);
    expect(helmDependencyList(parseDocument(text, { merge: true }))?.entries).toEqual([
      { name: 'lib', version: '0.1.0', repository: 'file://../lib' },
      { name: 'other', version: '0.1.0', repository: 'file://../lib' },
    ]);
  });

  it('reports a merge key that does not merge a mapping, which helm refuses', () => {
    expect(parseChart('apiVersion: v2\n<<: foo\nname: app\nversion: 0.1.0\n', FILE).problems).toEqual([
      expect.objectContaining({
        line: 2,
        message: 'has a merge key (<<) whose value is not a mapping or a list of mappings, which helm refuses',
      }),
    ]);
  });

  it.each([
    ['a mapping merged into itself', 'x: &a\n  b: 1\n  <<: *a\n<<: *a\n'],
    ['a list that holds itself', 'x: &a\n  - 1\n  - *a\n'],
  ])('reports %s on its line, which helm refuses', (_, yaml) => {
    expect(parseChart(`apiVersion: v2\nname: app\nversion: 0.1.0\n${yaml}`, FILE).problems).toEqual([
      expect.objectContaining({
        line: 6,
        message: 'uses the alias *a inside the value of its own anchor &a, which helm refuses ("anchor \'a\' value contains itself")',
      }),
    ]);
  });

  it('reports a merged version that is wrong on the line it is written', () => {
    expect(parseChart('base: &base\n  version: latest\napiVersion: v2\nname: app\n<<: *base\n', FILE).problems).toEqual([
      expect.objectContaining({ line: 2, field: 'version', message: 'has the version "latest", which is not a SemVer 2 version' }),
    ]);
  });

  it('refuses an oci:// dependency helm cannot download from, on the line of its repository', () => {
    const result = parseChart(
      [
        'apiVersion: v2',
        'name: app',
        'version: 0.1.0',
        'dependencies:',
        '  - name: redis',
        '    version: 1.0.0',
        '    repository: oci://host/charts/redis:1.0.0',
        '',
      ].join('\n'),
      FILE,
    );
    expect(result.problems).toEqual([
      expect.objectContaining({
        line: 7,
        field: 'dependencies[0].repository',
        fix: 'Put the version in `version: 1.0.0` and set `repository: oci://host/charts`.',
      }),
    ]);
    expect(formatChartProblem(result.problems[0])).toMatch(
      /^charts\/app\/Chart\.yaml:7 \(field dependencies\[0\]\.repository\) has the dependency "redis" in the repository "oci:\/\/host\/charts\/redis:1\.0\.0", which contains the tag ":1\.0\.0": an oci:\/\/ repository must not contain a tag/,
    );
  });

  it('accepts the versions helm accepts, up to 64-bit numbers', () => {
    for (const version of [
      '9007199254740993.0.0',
      '18446744073709551615.0.0',
      '1.0.0-18446744073709551616',
      '9007199254740993.0.0-rc.1+b.2',
    ]) {
      expect(parseChart(`apiVersion: v2\nname: app\nversion: ${version}\n`, FILE)).toMatchObject({ problems: [], chart: { version } });
    }
    expect(parseChart('apiVersion: v2\nname: app\nversion: 18446744073709551616.0.0\n', FILE).problems).toEqual([
      expect.objectContaining({
        line: 3,
        message: 'has the version "18446744073709551616.0.0", with a number above 18446744073709551615, the largest helm reads',
      }),
    ]);
    expect(parseChart('apiVersion: v2\nname: app\nversion: 01.9007199254740993.0\n', FILE).problems[0].message).toContain(
      'not a SemVer 2 version',
    );
  });
});
