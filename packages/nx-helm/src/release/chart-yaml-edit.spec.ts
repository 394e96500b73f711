import { readDependencyEntries, readTopLevelField, setDependencyVersion, setTopLevelField } from './chart-yaml-edit';

const CHART = `# The web front end.
apiVersion: v2
name: web   # the chart's name
description: "Web: the front end"
type: application

# Bump on every change (ct checks it).
version: 0.1.0 # chart version
appVersion: '1.16.0'
dependencies:
  - name: lib
    version: ~0.1.0    # library helpers
    repository: file://../lib
  - {name: app, version: "^0.1.0", repository: "oci://registry.example.com/charts", alias: backend}
`;

describe('Chart.yaml edits', () => {
  it('reads top-level values and dependency entries', () => {
    expect(readTopLevelField(CHART, 'version')).toBe('0.1.0');
    expect(readTopLevelField(CHART, 'appVersion')).toBe('1.16.0');
    expect(readTopLevelField(CHART, 'missing')).toBeUndefined();
    expect(readDependencyEntries(CHART, 'Chart.yaml')).toEqual([
      { index: 0, name: 'lib', version: '~0.1.0', repository: 'file://../lib', alias: undefined },
      { index: 1, name: 'app', version: '^0.1.0', repository: 'oci://registry.example.com/charts', alias: 'backend' },
    ]);
  });

  it('changes only the version characters, keeping comments, order, spacing and quoting', () => {
    const updated = setTopLevelField(CHART, 'version', '0.2.0', 'charts/web/Chart.yaml');
    expect(updated).toBe(CHART.replace('version: 0.1.0 # chart version', 'version: 0.2.0 # chart version'));
    const app = setTopLevelField(CHART, 'appVersion', '2.0.0', 'charts/web/Chart.yaml');
    expect(app).toBe(CHART.replace("appVersion: '1.16.0'", "appVersion: '2.0.0'"));
  });

  it('rewrites a dependency constraint in block and flow style, keeping its quotes and comment', () => {
    let updated = setDependencyVersion(CHART, 0, '~0.2.0', 'Chart.yaml');
    updated = setDependencyVersion(updated, 1, '^0.2.0', 'Chart.yaml');
    expect(updated).toBe(
      CHART.replace('version: ~0.1.0    # library helpers', 'version: ~0.2.0    # library helpers').replace(
        'version: "^0.1.0"',
        'version: "^0.2.0"',
      ),
    );
  });

  it('quotes a plain value that YAML would not read back as the same string', () => {
    const text = 'name: a\nversion: 1.0.0\ndependencies:\n  - name: b\n    version: 1.0.0\n    repository: file://../b\n';
    expect(setDependencyVersion(text, 0, '>=2.0.0 <3.0.0', 'Chart.yaml')).toContain('    version: ">=2.0.0 <3.0.0"\n');
  });

  it('says which file lacks the value to update', () => {
    expect(() => setTopLevelField('name: a\n', 'version', '1.0.0', 'charts/a/Chart.yaml')).toThrow(
      'charts/a/Chart.yaml has no `version` value to update: add `version: <version>` to it.',
    );
    expect(() => setTopLevelField('name: [a\n', 'version', '1.0.0', 'charts/a/Chart.yaml')).toThrow(
      /charts\/a\/Chart.yaml is not valid YAML .*: fix it before releasing\./,
    );
  });
});
