import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throw-away folder with helpers to write files into it; `dispose` removes it. */
export interface TempWorkspace {
  root: string;
  write(path: string, content: string): string;
  dispose(): void;
}

export function createTempWorkspace(prefix = 'nx-helm-test-'): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return {
    root,
    write(path, content) {
      const file = join(root, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
      return file;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * A fresh temporary workspace for each test, with Nx's workspace data folder (where the plugin keeps its caches)
 * inside it; read `.workspace` in a test.
 */
export function useGraphWorkspace(prefix?: string): { readonly workspace: TempWorkspace } {
  let current: TempWorkspace | undefined;
  beforeEach(() => {
    current = createTempWorkspace(prefix);
    process.env.NX_WORKSPACE_DATA_DIRECTORY = join(current.root, '.nx/workspace-data');
  });
  afterEach(() => {
    delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    current?.dispose();
  });
  return {
    get workspace() {
      if (!current) throw new Error('useGraphWorkspace: the workspace exists only inside a test');
      return current;
    },
  };
}

export interface TestChart {
  name: string;
  version?: string;
  type?: 'application' | 'library';
  dependencies?: Array<{ name: string; version?: string; repository?: string }>;
}

/** Chart.yaml text for a minimal chart. */
export function chartYaml(chart: TestChart): string {
  const lines = ['apiVersion: v2', `name: ${chart.name}`, `version: ${chart.version ?? '0.1.0'}`, `type: ${chart.type ?? 'application'}`];
  if (chart.dependencies?.length) {
    lines.push('dependencies:');
    for (const dependency of chart.dependencies) {
      lines.push(`  - name: ${dependency.name}`);
      if (dependency.version !== undefined) lines.push(`    version: "${dependency.version}"`);
      if (dependency.repository !== undefined) lines.push(`    repository: ${dependency.repository}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes a small chart that lints cleanly with `helm lint --strict` (a ConfigMap, or only a helper for libraries). */
export function writeChart(workspace: TempWorkspace, dir: string, chart: TestChart): void {
  workspace.write(`${dir}/Chart.yaml`, chartYaml(chart));
  workspace.write(`${dir}/values.yaml`, 'greeting: hello\n');
  if (chart.type === 'library') {
    workspace.write(`${dir}/templates/_helpers.tpl`, `{{- define "${chart.name}.label" -}}${chart.name}{{- end }}\n`);
  } else {
    workspace.write(
      `${dir}/templates/configmap.yaml`,
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: {{ .Release.Name }}-{{ .Chart.Name }}',
        'data:',
        '  greeting: {{ .Values.greeting | quote }}',
        '',
      ].join('\n'),
    );
  }
}
