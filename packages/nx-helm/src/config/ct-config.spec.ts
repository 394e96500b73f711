import { createTempWorkspace } from '../testing/temp-workspace';
import { NxHelmError } from '../utils/nx-helm-error';
import { ctExclusion, isInChartDirs, parseCtConfig, readCtConfig } from './ct-config';

describe('chart-testing configuration', () => {
  it("applies ct's defaults to an empty file", () => {
    expect(parseCtConfig('', 'ct.yaml')).toEqual({
      file: 'ct.yaml',
      chartDirs: ['charts'],
      excludedCharts: [],
      excludeDeprecated: false,
      base: undefined,
      chartRepos: {},
      helmLintExtraArgs: [],
      checkVersionIncrement: true,
      validateChartSchema: true,
      chartYamlSchema: undefined,
      validateYaml: true,
      lintConf: undefined,
      validateMaintainers: true,
      additionalCommands: [],
      keysSet: [],
    });
  });

  it('reads the keys large chart repositories set', () => {
    const config = parseCtConfig(
      [
        'remote: upstream',
        'target-branch: develop',
        'chart-dirs:',
        '  - stable/',
        '  - ./incubator',
        'excluded-charts: [legacy]',
        'exclude-deprecated: true',
        'chart-repos:',
        '  - bitnami=https://charts.bitnami.com/bitnami',
        'helm-lint-extra-args: --strict  --kube-version 1.31.0',
        'check-version-increment: false',
        'validate-maintainers: false',
        'lint-conf: .github/lintconf.yaml',
        'additional-commands:',
        '  - helm unittest {{ .Path }}',
      ].join('\n'),
      '.github/ct.yaml',
    );
    expect(config).toMatchObject({
      chartDirs: ['stable', 'incubator'],
      excludedCharts: ['legacy'],
      excludeDeprecated: true,
      base: 'upstream/develop',
      chartRepos: { bitnami: 'https://charts.bitnami.com/bitnami' },
      helmLintExtraArgs: ['--strict', '--kube-version', '1.31.0'],
      checkVersionIncrement: false,
      validateMaintainers: false,
      lintConf: '.github/lintconf.yaml',
      additionalCommands: ['helm unittest {{ .Path }}'],
    });
    expect(parseCtConfig('target-branch: main\n', 'ct.yaml').base).toBe('origin/main');
    expect(parseCtConfig('chart-dirs: charts,addons\n', 'ct.yaml').chartDirs).toEqual(['charts', 'addons']);
  });

  it('names the file, the key and the fix for a wrong value', () => {
    expect(() => parseCtConfig('validate-yaml: "no"\n', 'ct.yaml')).toThrow(
      'ct.yaml: "validate-yaml" must be true or false, as ct reads it; it is "no".',
    );
    expect(() => parseCtConfig('chart-repos: [bitnami]\n', 'ct.yaml')).toThrow(
      'ct.yaml: the chart-repos entry "bitnami" is not of the form name=url.',
    );
    expect(() => parseCtConfig('chart-dirs: [charts\n', 'ct.yaml')).toThrow(/^ct\.yaml:\d+ is not valid YAML/);
  });

  it('finds ct.yaml at the root, the file the option names, or none', () => {
    const workspace = createTempWorkspace();
    try {
      expect(readCtConfig(workspace.root)).toBeUndefined();
      workspace.write('ct.yaml', 'chart-dirs: [stable]\n');
      workspace.write('.github/linters/ct.yaml', 'chart-dirs: [addons]\n');
      expect(readCtConfig(workspace.root)?.chartDirs).toEqual(['stable']);
      expect(readCtConfig(workspace.root, '.github/linters/ct.yaml')?.chartDirs).toEqual(['addons']);
      expect(readCtConfig(workspace.root, false)).toBeUndefined();
      expect(() => readCtConfig(workspace.root, 'ci/ct.yaml')).toThrow(NxHelmError);
      expect(() => readCtConfig(workspace.root, 'ci/ct.yaml')).toThrow(
        'The nx-helm option ctConfig names ci/ct.yaml, which does not exist',
      );
    } finally {
      workspace.dispose();
    }
  });

  it('decides which charts ct tests and which it skips', () => {
    const config = parseCtConfig('chart-dirs: [stable]\nexcluded-charts: [old]\nexclude-deprecated: true\n', 'ct.yaml');
    expect(isInChartDirs(config, 'stable/web')).toBe(true);
    expect(isInChartDirs(config, 'stable-extra/web')).toBe(false);
    expect(isInChartDirs(config, 'examples/web')).toBe(false);
    expect(ctExclusion(config, 'stable/old', false)).toBe('listed in excluded-charts of ct.yaml');
    expect(ctExclusion(config, 'stable/web', true)).toBe('deprecated, and ct.yaml sets exclude-deprecated');
    expect(ctExclusion(config, 'stable/web', false)).toBeUndefined();
  });
});
