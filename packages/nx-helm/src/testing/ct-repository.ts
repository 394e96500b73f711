import type { TempWorkspace } from './temp-workspace';

/** The registry the fixture's charts are published to (never contacted: lint builds workspace charts from sources). */
export const CT_FIXTURE_REGISTRY = 'oci://registry.example.com/charts';

const configMap = (name: string) =>
  [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    `  name: {{ .Release.Name }}-${name}`,
    'data:',
    '  greeting: {{ .Values.greeting | quote }}',
    '',
  ].join('\n');

const chartYaml = (lines: string[]) => `${lines.join('\n')}\n`;
const MAINTAINERS = ['maintainers:', '  - name: octocat', '    email: octocat@example.com'];

/**
 * A chart repository shaped like the large public ones that run chart-testing, each chart reproducing a case where
 * `ct lint` passes and nx-helm's own stricter defaults do not (or where ct skips a chart):
 * - stable/no-templates: no templates/ folder (a warning with --strict);
 * - stable/engine-field: Chart.yaml with `engine`, which ct's schema allows and Helm 4 warns about;
 * - stable/ci-only: default values that do not render, ci/prod-values.yaml that do;
 * - stable/old-kube: renders only for the Kubernetes version ct.yaml's helm-lint-extra-args names;
 * - stable/lib and two umbrellas on it through the published registry URL, one pinned, one with a range;
 * - stable/legacy-v1: apiVersion v1 with its dependency on stable/lib in requirements.yaml;
 * - stable/broken-legacy (excluded-charts) and incubator/sunset (deprecated, exclude-deprecated): broken, and skipped;
 * - examples/demo: outside chart-dirs: a project that ct does not lint.
 * Every tested chart has a README.md (an additional command checks it) and maintainers (validate-maintainers).
 */
export function writeCtRepository(workspace: TempWorkspace): void {
  workspace.write(
    'ct.yaml',
    [
      'remote: origin',
      'target-branch: main',
      'chart-dirs:',
      '  - stable',
      '  - incubator',
      'excluded-charts:',
      '  - broken-legacy',
      'exclude-deprecated: true',
      'chart-repos:',
      '  - example=https://charts.example.com',
      'helm-lint-extra-args: --kube-version 1.30.0',
      'check-version-increment: false',
      'validate-maintainers: true',
      'additional-commands:',
      '  - test -f {{ .Path }}/README.md',
      '',
    ].join('\n'),
  );
  const write = (dir: string, chart: string[], files: Record<string, string> = {}) => {
    workspace.write(`${dir}/Chart.yaml`, chartYaml(chart));
    workspace.write(`${dir}/README.md`, `# ${dir}\n`);
    for (const [file, content] of Object.entries(files)) workspace.write(`${dir}/${file}`, content);
  };
  write('stable/no-templates', ['apiVersion: v2', 'name: no-templates', 'version: 1.0.0', 'description: values only', ...MAINTAINERS], {
    'values.yaml': 'greeting: hello\n',
  });
  write('stable/engine-field', ['apiVersion: v2', 'name: engine-field', 'version: 1.0.0', 'engine: gotpl', ...MAINTAINERS], {
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml': configMap('engine'),
  });
  write('stable/ci-only', ['apiVersion: v2', 'name: ci-only', 'version: 1.0.0', ...MAINTAINERS], {
    // The defaults leave the database out: each environment's values give it.
    'values.yaml': 'greeting: hello\n',
    'ci/prod-values.yaml': 'database:\n  host: db.example.com\n',
    'templates/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-ci-only',
      'data:',
      '  host: {{ .Values.database.host | quote }}',
      '',
    ].join('\n'),
  });
  write('stable/old-kube', ['apiVersion: v2', 'name: old-kube', 'version: 1.0.0', ...MAINTAINERS], {
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml':
      // Newer Kubernetes versions need a template this chart does not have yet: rendering for them fails.
      '{{- if semverCompare ">=1.33.0-0" .Capabilities.KubeVersion.Version }}{{ include "old-kube.for-1.33" . }}{{- end }}\n' +
      configMap('old-kube'),
  });
  write('stable/lib', ['apiVersion: v2', 'name: lib', 'version: 0.1.0', 'type: library', ...MAINTAINERS], {
    'values.yaml': '{}\n',
    'templates/_helpers.tpl': '{{- define "lib.name" -}}lib{{- end }}\n',
  });
  for (const [name, constraint] of [
    ['umbrella-pinned', '0.1.0'],
    ['umbrella-range', '~0.1.0'],
  ]) {
    write(
      `stable/${name}`,
      [
        'apiVersion: v2',
        `name: ${name}`,
        'version: 1.0.0',
        ...MAINTAINERS,
        'dependencies:',
        '  - name: lib',
        `    version: "${constraint}"`,
        `    repository: ${CT_FIXTURE_REGISTRY}`,
      ],
      { 'values.yaml': 'greeting: hello\n', 'templates/configmap.yaml': configMap(name) },
    );
  }
  // An apiVersion v1 chart (Helm 2's layout): its dependencies are in requirements.yaml.
  write('stable/legacy-v1', ['apiVersion: v1', 'name: legacy-v1', 'version: 2.0.0', 'description: a Helm 2 era chart', ...MAINTAINERS], {
    'requirements.yaml': 'dependencies:\n  - name: lib\n    version: ~0.1.0\n    repository: file://../lib\n',
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml': configMap('legacy-v1'),
  });
  write('stable/broken-legacy', ['apiVersion: v2', 'name: broken-legacy', 'version: 1.0.0'], {
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml': '{{ .Release.Name \n',
  });
  write('incubator/sunset', ['apiVersion: v2', 'name: sunset', 'version: 1.0.0', 'deprecated: true'], {
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml': '{{ .Release.Name \n',
  });
  write('examples/demo', ['apiVersion: v2', 'name: demo', 'version: 0.1.0'], {
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml': configMap('demo'),
  });
}
