import { checkChartSchema } from './chart-schema';

describe("chart-testing's Chart.yaml schema", () => {
  it('accepts a complete chart, fields Helm 4 does not know but ct does (engine), and a numeric appVersion', () => {
    const text = [
      'apiVersion: v2',
      'name: web',
      'version: 1.2.3',
      'appVersion: 1.10',
      'engine: gotpl',
      'deprecated: false',
      'keywords: [web]',
      'annotations:',
      '  category: Web',
      'maintainers:',
      '  - name: octocat',
      '    email: octocat@example.com',
      'dependencies:',
      '  - name: common',
      '    version: ^1.0.0',
      '    repository: file://../common',
      '    import-values:',
      '      - data',
      '      - child: a',
      '        parent: b',
      '',
    ].join('\n');
    expect(checkChartSchema(text)).toEqual([]);
  });

  it('reports each problem with its path and line, as yamale does', () => {
    const text = [
      'apiVersion: v2',
      'name: web',
      'version: 1.0',
      'colour: blue',
      'maintainers:',
      '  - email: someone@example.com',
      'annotations:',
      '  replicas: 3',
      'dependencies:',
      '  - name: common',
      '',
    ].join('\n');
    expect(checkChartSchema(text)).toEqual([
      { path: 'version', line: 3, message: "'1' is not a str." },
      { path: 'colour', line: 4, message: 'Unexpected element' },
      { path: 'maintainers.0.name', line: 6, message: 'Required field missing' },
      { path: 'annotations.replicas', line: 7, message: "'3' is not a str." },
      { path: 'dependencies.0.version', line: 10, message: 'Required field missing' },
    ]);
  });

  it('requires name, version and apiVersion', () => {
    expect(checkChartSchema('description: x\n').map((problem) => problem.path)).toEqual(['name', 'version', 'apiVersion']);
  });
});
