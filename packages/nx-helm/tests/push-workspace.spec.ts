import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { EXAMPLE_CHART_NAMES } from '../src/testing/push-helpers';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import type { TempWorkspace } from '../src/testing/temp-workspace';
import type { PushRecord } from '../src/registry/chart-publisher';

const USER = 'ci-pusher';
const PASSWORD = 'Leak-Canary-9f8e7d6c5b4a';

/** Every regular file below `dir` (not following links), with its content. */
function filesBelow(dir: string): Array<{ path: string; content: string }> {
  const files: Array<{ path: string; content: string }> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...filesBelow(path));
    else if (entry.isFile() && statSync(path).size < 5_000_000) files.push({ path, content: readFileSync(path, 'latin1') });
  }
  return files;
}

/**
 * `nx run-many -t push-chart` on the example workspace, as CI runs it: credentials from environment variables
 * named in nx.json, a real registry with htpasswd authentication, helm wrapped to record every command line.
 */
describe('push-chart through nx with registry credentials', () => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let argvLog: string;
  let envLog: string;
  /** The temporary folder of the nx runs: a fresh one, so everything left in it is theirs. */
  let runTmp: string;
  const outputs: string[] = [];

  const nx = (...args: string[]) => {
    const result = runNx(workspace.root, args, {
      HELM_BIN: join(workspace.root, 'helm-wrapper'),
      CHARTS_USER: USER,
      CHARTS_PASSWORD: PASSWORD,
      TMPDIR: runTmp,
    });
    outputs.push(result.output);
    return result;
  };
  const record = (chart: string) => JSON.parse(readFileSync(join(workspace.root, `dist/charts/${chart}/push.json`), 'utf8')) as PushRecord;

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: USER, password: PASSWORD } });
    workspace = createExampleWorkspace();
    argvLog = join(workspace.root, 'helm-argv.log');
    envLog = join(workspace.root, 'helm-env.log');
    runTmp = mkdtempSync(join(tmpdir(), 'nx-helm-push-workspace-'));
    workspace.write('helm-wrapper', `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nenv >> '${envLog}'\nexec '${mainHelm()}' "$@"\n`);
    chmodSync(join(workspace.root, 'helm-wrapper'), 0o755);
    const nxJson = JSON.parse(readFileSync(join(workspace.root, 'nx.json'), 'utf8'));
    nxJson.plugins = [
      {
        plugin: 'nx-helm',
        options: {
          registry: `oci://${registry.host}/charts`,
          registries: { [registry.host]: { usernameEnv: 'CHARTS_USER', passwordEnv: 'CHARTS_PASSWORD', plainHttp: true } },
        },
      },
    ];
    workspace.write('nx.json', JSON.stringify(nxJson, null, 2));
  });
  afterAll(async () => {
    await registry.stop();
    workspace.dispose();
    rmSync(runTmp, { recursive: true, force: true });
  });

  it('pushes every example chart, recording the digests the registry serves', async () => {
    const result = nx('run-many', '-t', 'push-chart', '--output-style=static');
    expect(result.status).toBe(0);
    for (const chart of EXAMPLE_CHART_NAMES) {
      expect(record(chart)).toMatchObject({ chart, status: 'pushed', reference: `oci://${registry.host}/charts/${chart}:0.1.0` });
      expect(record(chart).digest).toBe(await registry.manifestDigest(`charts/${chart}`, '0.1.0'));
      expect(result.output).toContain(`${chart} 0.1.0 pushed: oci://${registry.host}/charts/${chart}:0.1.0@sha256:`);
    }
  });

  it('reports every chart skipped on an immediate second run, and summarises the run', () => {
    const callsBefore = readFileSync(argvLog, 'utf8').split('\n').filter(Boolean).length;
    const result = nx('run-many', '-t', 'push-chart', '--output-style=static');
    expect(result.status).toBe(0);
    // Packages come from the cache and the versions are looked up over HTTP: helm runs for Nx's version check of the
    // cache inputs only, never to log in, pull or push.
    const calls = readFileSync(argvLog, 'utf8').split('\n').filter(Boolean).slice(callsBefore);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => call !== 'version --short')).toEqual([]);
    for (const chart of EXAMPLE_CHART_NAMES) {
      expect(record(chart).status).toBe('skipped');
      expect(result.output).toContain(`${chart} 0.1.0 skipped: oci://${registry.host}/charts/${chart}:0.1.0@sha256:`);
      // Once per chart.
      const mentions = result.output.split('\n').filter((line) => line.includes(`/charts/${chart}:0.1.0`));
      expect(mentions).toEqual([expect.stringMatching(/skipped: .* is already published with the same content \(recorded in /)]);
    }
    const summary = execFileSync(process.execPath, [join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js'), 'summary'], {
      cwd: workspace.root,
      encoding: 'utf8',
    });
    expect(summary).toMatch(/^CHART +VERSION +STATUS +REFERENCE\n/);
    expect(summary).toMatch(new RegExp(`\\nweb +0\\.1\\.0 +skipped +oci://${registry.host}/charts/web@sha256:[0-9a-f]{64}\\n`));
    expect(summary).toContain('0 pushed, 4 skipped, 0 failed.');
  });

  it('keeps every push record when the packages are restored from the cache', () => {
    const before = EXAMPLE_CHART_NAMES.map((chart) => record(chart));
    // The packages change on disk (a fresh checkout would have none): Nx restores them from its cache.
    for (const chart of EXAMPLE_CHART_NAMES) rmSync(join(workspace.root, `dist/charts/${chart}/${chart}-0.1.0.tgz`));
    const result = nx('run-many', '-t', 'package-chart', '--output-style=static');
    expect(result.status).toBe(0);
    expect(result.output).toContain('[local cache]');
    expect(EXAMPLE_CHART_NAMES.map((chart) => record(chart))).toEqual(before);
    const summary = execFileSync(process.execPath, [join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js'), 'summary'], {
      cwd: workspace.root,
      encoding: 'utf8',
    });
    for (const chart of EXAMPLE_CHART_NAMES) {
      expect(summary).toMatch(new RegExp(`^${chart} +0\\.1\\.0 +skipped +oci://\\S+/charts/${chart}@sha256:[0-9a-f]{64}$`, 'm'));
    }
  });

  it('skips a package that differs from the published one only in when it was packaged, and verifies it', () => {
    const later = { SOURCE_DATE_EPOCH: '1700000000' };
    const nxLater = (...args: string[]) => {
      const result = runNx(workspace.root, args, {
        ...later,
        HELM_BIN: mainHelm(),
        CHARTS_USER: USER,
        CHARTS_PASSWORD: PASSWORD,
        TMPDIR: runTmp,
      });
      outputs.push(result.output);
      return result;
    };
    const pushed = record('common').chartDigest;
    const result = nxLater('run', 'common:push-chart', '--output-style=static');
    expect(result.status).toBe(0);
    expect(result.output).toContain('is already published with the same content, packaged at another time');
    expect(record('common')).toMatchObject({
      status: 'skipped',
      chartDigest: pushed,
      packagedChartDigest: expect.not.stringMatching(pushed),
    });
    expect(nxLater('run', 'common:verify-chart', '--output-style=static').status).toBe(0);
  });

  it('refuses a chart changed without a version bump, naming the fix', () => {
    workspace.write('charts/web/templates/extra-configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    const result = nx('run', 'web:push-chart', '--output-style=static');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(`oci://${registry.host}/charts/web:0.1.0 is already published with other content`);
    expect(result.output).toContain('bump `version` in charts/web/Chart.yaml');
    expect(record('web')).toMatchObject({ status: 'failed' });
  });

  it('never publishes a chart whose lint fails: push-chart runs lint-chart first', async () => {
    const chartFile = join(workspace.root, 'charts/worker/Chart.yaml');
    workspace.write('charts/worker/Chart.yaml', readFileSync(chartFile, 'utf8').replace('version: 0.1.0', 'version: 0.2.0'));
    workspace.write('charts/worker/templates/broken.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name \n');
    const result = nx('run', 'worker:push-chart', '--output-style=static');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('nx run worker:lint-chart');
    expect(result.output).toContain('helm lint found problems in chart "worker" (charts/worker)');
    expect(result.output).not.toContain('> nx-helm push charts/worker');
    expect(await registry.manifestDigest('charts/worker', '0.2.0')).toBeUndefined();
    rmSync(join(workspace.root, 'charts/worker/templates/broken.yaml'));
  });

  it('never exposes the password: not in output, push.json, files left on disk, helm command lines or helm environments', () => {
    const base64 = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain('registry login');
    expect(argv).toContain('--password-stdin');
    const helmEnvironments = readFileSync(envLog, 'utf8');
    expect(helmEnvironments).toContain('HELM_REGISTRY_CONFIG=');
    expect(helmEnvironments).not.toContain('CHARTS_PASSWORD=');
    expect(helmEnvironments).not.toContain('CHARTS_USER=');
    for (const text of [outputs.join('\n'), argv, helmEnvironments]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(base64);
    }
    const leftFiles = [...filesBelow(join(workspace.root, 'dist')), ...filesBelow(join(workspace.root, '.nx')), ...filesBelow(runTmp)];
    expect(leftFiles.filter((file) => file.content.includes(PASSWORD) || file.content.includes(base64)).map((file) => file.path)).toEqual(
      [],
    );
    expect(readdirSync(runTmp).filter((name) => name.startsWith('nx-helm-registry-'))).toEqual([]);
  });
});
