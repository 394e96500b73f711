import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mainHelm } from '../testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { chartTemplates, definesAgree } from './chart-templates';

describe('chartTemplates', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace('nx-helm-templates-')));
  afterEach(() => workspace.dispose());

  const chart = (name: string, helpers: string, chartYaml = '') => {
    workspace.write(`${name}/Chart.yaml`, `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n${chartYaml}`);
    workspace.write(`${name}/templates/_helpers.tpl`, helpers);
    return join(workspace.root, name);
  };

  it('lists the named templates of a chart and of the charts in it, folders and archives', async () => {
    const lib = chart('lib', '{{- define "lib.name" -}}lib{{- end }}\n');
    execFileSync(mainHelm(), ['package', lib, '--destination', join(workspace.root, 'app/charts')], { stdio: 'ignore' });
    chart('app', '{{ define "app.name" }}app{{ end }}\n{{- define "app.full" -}}x{{- end }}\n');
    workspace.write('app/charts/vendored/Chart.yaml', 'apiVersion: v2\nname: vendored\nversion: 1.0.0\n');
    workspace.write('app/charts/vendored/templates/_x.tpl', '{{- define "vendored.x" -}}x{{- end }}\n');
    const templates = await chartTemplates(join(workspace.root, 'app'));
    expect([...templates.defines.keys()].sort()).toEqual(['app.full', 'app.name', 'lib.name', 'vendored.x']);
    expect(templates.alone).toBeUndefined();
  });

  it('tells charts that define a name differently apart from charts that share it', async () => {
    const a = await chartTemplates(chart('a', '{{- define "common.name" -}}a{{- end }}\n'));
    // A chart that defines a name twice (overriding its library's) agrees with no chart that defines it.
    workspace.write('d/templates/_override.tpl', '{{- define "common.name" -}}d{{- end }}\n');
    const twice = await chartTemplates(chart('d', '{{- define "common.name" -}}a{{- end }}\n'));
    expect(definesAgree(a, twice)).toBe(false);
    const b = await chartTemplates(chart('b', '{{- define "common.name" -}}b{{- end }}\n'));
    const c = await chartTemplates(chart('c', '{{- define "common.name" -}}a{{- end }}\n'));
    expect(definesAgree(a, b)).toBe(false);
    expect(definesAgree(a, c)).toBe(true);
  });

  it('keeps alone a chart with a kubeVersion, or with dependency tags (helm reads both only at the top)', async () => {
    expect((await chartTemplates(chart('k', '', 'kubeVersion: ">=1.30.0"\n'))).alone).toContain('kubeVersion');
    const tagged = chart('t', '', 'dependencies:\n  - name: lib\n    version: 1.0.0\n    tags: [extras]\n');
    expect((await chartTemplates(tagged)).alone).toContain('tags');
  });
});

describe('chartTemplates: what renders differently below a parent', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace('nx-helm-templates-')));
  afterEach(() => workspace.dispose());

  const aloneBecause = async (template: string, values = 'x: 1\n') => {
    workspace.write('c/Chart.yaml', 'apiVersion: v2\nname: c\nversion: 1.0.0\n');
    workspace.write('c/values.yaml', values);
    workspace.write('c/templates/cm.yaml', template);
    return (await chartTemplates(join(workspace.root, 'c'))).alone;
  };

  it.each([
    ['{{ .Template.Name }}', '.Template.Name'],
    ['{{ .Chart.IsRoot }}', '.Chart.IsRoot'],
    ['{{ .Values.global.registry }}', '.Values.global'],
    ['{{ toYaml .Values }}', '.Values whole'],
    ['{{ include "x" .Values }}', '.Values whole'],
    ['{{ index .Values "global" }}', '.Values.global'],
  ])('keeps alone a chart whose templates use %s', async (template, reason) => {
    expect(await aloneBecause(template)).toContain(reason);
  });

  it.each([
    ['{{ include (print $.Template.BasePath "/cm.yaml") . | sha256sum }}'],
    ['{{ (index .Values "web-1").enabled }}'],
    ['{{ .Values.x }} {{ $.Values.x }}'],
  ])('groups a chart whose templates use %s', async (template) => {
    expect(await aloneBecause(template)).toBeUndefined();
  });

  it('groups a chart that uses .Values whole when its values define global (a parent adds nothing then)', async () => {
    expect(await aloneBecause('{{ toYaml .Values }}', 'global: {}\nx: 1\n')).toBeUndefined();
  });
});
