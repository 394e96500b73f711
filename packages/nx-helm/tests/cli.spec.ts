import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyExampleCharts, REPOSITORY_ROOT } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';
import { TEMP_DIR_HOST } from '../src/utils/temp-dirs';

/** The built `nx-helm` command, as package.json "bin" installs it. */
const CLI = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js');

describe('the nx-helm CLI (built, real helm)', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-cli-');
    copyExampleCharts(workspace);
  });
  afterEach(() => workspace.dispose());

  const run = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? workspace.root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HELM_BIN: mainHelm(), ...options.env },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('lints a chart in a plain folder, without Nx, with its ci values files', () => {
    const result = run(['lint', 'charts/web']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('helm 4.');
    expect(result.stdout).toContain('lint charts/web (ci/ha-values.yaml)');
    expect(result.stdout).toContain('Chart "web" 0.1.0 passed helm lint with 3 value set(s).');
  });

  it('removes the temporary folders a killed nx-helm process left, holding a registry login, and leaves none of its own', () => {
    const tmp = join(workspace.root, 'tmp');
    const deadPid = spawnSync('true').pid!;
    const left = join(tmp, `nx-helm-registry-${TEMP_DIR_HOST}-${deadPid}-aB3dE6`);
    mkdirSync(left, { recursive: true });
    writeFileSync(join(left, 'config.json'), '{"auths":{"ghcr.io":{"auth":"dXNlcjpzZWNyZXQ="}}}');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(left, hourAgo, hourAgo);
    const result = run(['package', 'charts/web'], { env: { TMPDIR: tmp } });
    expect(result.status).toBe(0);
    expect(existsSync(left)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('stops a command that outlasts NX_HELM_CHART_TIMEOUT: its helm, its folders, exit 1 naming the setting', () => {
    const tmp = join(workspace.root, 'tmp');
    mkdirSync(tmp);
    const helmStarted = join(workspace.root, 'helm-started');
    const wentOn = join(workspace.root, 'helm-went-on');
    // helm lint says it started, then hangs for 5 s (each helm command has its own bound, NX_HELM_COMMAND_TIMEOUT,
    // 300 s here by default).
    workspace.write(
      'helm-wrapper',
      `#!/bin/sh\nif [ "$1" = lint ]; then touch '${helmStarted}'; sleep 5; touch '${wentOn}'; fi\nexec '${mainHelm()}' "$@"\n`,
    );
    chmodSync(join(workspace.root, 'helm-wrapper'), 0o755);
    const began = Date.now();
    const result = run(['lint', 'charts/web'], {
      env: { TMPDIR: tmp, HELM_BIN: join(workspace.root, 'helm-wrapper'), NX_HELM_CHART_TIMEOUT: '1.5' },
    });
    expect(Date.now() - began).toBeLessThan(4500);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'nx-helm lint failed for charts/web:\nThe command did not finish within 1.5 s (NX_HELM_CHART_TIMEOUT) and was stopped.',
    );
    expect(result.stderr).toContain('or raise NX_HELM_CHART_TIMEOUT (seconds) for a chart that needs longer.');
    expect(readdirSync(tmp)).toEqual([]);
    // Waited out from when helm lint started, however late that was: a helm still running would have gone on by then.
    expect(existsSync(helmStarted)).toBe(true);
    const wouldHaveGoneOnBy = statSync(helmStarted).mtimeMs + 5000;
    spawnSync('sleep', [String(Math.max(0, wouldHaveGoneOnBy + 1000 - Date.now()) / 1000)]);
    expect(existsSync(wentOn)).toBe(false);
    expect(run(['lint', 'charts/web'], { env: { NX_HELM_CHART_TIMEOUT: 'soon' } }).stderr).toContain(
      'NX_HELM_CHART_TIMEOUT is "soon", which is not a number of seconds. Set it to e.g. 1800, or unset it (900).',
    );
  });

  it('takes the lint settings as flags in the form Nx appends them', () => {
    const result = run(['lint', 'charts/web', '--defaultValues=when-no-ci-values', '--extraArgs=--kube-version 1.30.0', '--strict=false']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('lint charts/web (ci/default-values.yaml) --kube-version 1.30.0\n');
    expect(result.stdout).toContain('lint charts/web (ci/ha-values.yaml) --kube-version 1.30.0\n');
    expect(result.stdout).not.toContain('(default values)');
  });

  it('takes the chart folder from the current folder by default', () => {
    const result = run(['lint'], { cwd: join(workspace.root, 'charts/common') });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Chart "common" 0.1.0 passed helm lint with 1 value set(s).');
  });

  it('exits with 1 and says what failed, where, and what to do', () => {
    workspace.write('charts/web/templates/broken.yaml', '{{ .Release.Name \n');
    const result = run(['lint', 'charts/web']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^nx-helm lint failed for charts\/web:\nhelm lint found problems in chart "web" \(charts\/web\) with 3 of 3 value sets:/,
    );
    expect(result.stderr).toContain('Fix the templates or values reported above.');
  });

  it('checks NX_HELM_OPTIONS as it checks nx.json: any JSON value, misspelled keys, tokens where variable names belong', () => {
    const token = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    const cases: Array<[string, string]> = [
      ['null', 'the NX_HELM_OPTIONS environment variable holds null, not the nx-helm plugin options'],
      ['[]', 'the NX_HELM_OPTIONS environment variable holds a list, not the nx-helm plugin options'],
      ['"oci://x"', 'the NX_HELM_OPTIONS environment variable holds a string, not the nx-helm plugin options'],
      ['{not json', 'the NX_HELM_OPTIONS environment variable is not JSON'],
      [
        '{"registy":"oci://127.0.0.1:1/x"}',
        'in the NX_HELM_OPTIONS environment variable has the unknown key "registy". Did you mean "registry"?',
      ],
      [
        JSON.stringify({ registry: 'oci://127.0.0.1:1/x', registries: { '127.0.0.1:1': { usernameEnv: 'U', passwordEnv: token } } }),
        'in the NX_HELM_OPTIONS environment variable looks like a token, not the name of an environment variable',
      ],
    ];
    for (const [value, message] of cases) {
      const result = run(['push', 'charts/common', '--package-output-path=out/common'], { env: { NX_HELM_OPTIONS: value } });
      expect({ value, status: result.status }).toEqual({ value, status: 1 });
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toMatch(/TypeError| {4}at /);
      expect(`${result.stdout}${result.stderr}`).not.toContain(token);
    }
    expect(existsSync(join(workspace.root, 'out/common/push.json'))).toBe(false);
  });

  it('exits with 2 on wrong usage, and 0 with help for every command', () => {
    expect(run([])).toMatchObject({ status: 2, stdout: expect.stringContaining('Usage: nx-helm <command>') });
    expect(run(['--help']).stdout).toContain('NX_HELM_CHART_TIMEOUT for a whole command (900), NX_HELM_COMMAND_TIMEOUT for one helm');
    expect(run(['deploy'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown command "deploy".\n') });
    expect(run(['lnt'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown command "lnt". Did you mean "lint"?') });
    const { version } = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'packages/nx-helm/package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v', 'version']) expect(run([flag])).toMatchObject({ status: 0, stdout: `${version}\n` });
    expect(run(['lint', '--bogus'])).toMatchObject({ status: 2, stderr: expect.stringContaining("Unknown option '--bogus'") });
    expect(run(['lint', 'a', 'b'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unexpected argument(s) b') });
    expect(run(['lint', 'charts/web', '--default-values=never'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--default-values must be always or when-no-ci-values, not "never".'),
    });
    expect(run(['push', 'charts/web', '--retries=many'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--retries takes a whole number'),
    });
    for (const command of ['lint', 'package', 'push', 'verify', 'check-version', 'summary']) {
      const help = run([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: nx-helm ${command}`);
    }
    expect(run(['push', '--help']).stdout).toMatch(/--allow-overwrite\s+replace a version published with other content/);
  });

  it('accepts options the way Nx appends them: camelCase, --flag=value, booleans as =true/=false', () => {
    const packaged = run(['package', 'charts/common', '--outputPath=out/common']);
    expect(packaged.status).toBe(0);
    expect(existsSync(join(workspace.root, 'out/common/common-0.1.0.tgz'))).toBe(true);
    const dryRun = run(['push', 'charts/common', '--registry=oci://127.0.0.1:1/charts', '--packageOutputPath=out/common', '--dryRun=true']);
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout).toMatch(
      /^Dry run: would push out\/common\/common-0\.1\.0\.tgz \(sha256:[0-9a-f]{64}\) to oci:\/\/127\.0\.0\.1:1\/charts\/common:0\.1\.0, unless it is published already: the registry could not be asked \(.*127\.0\.0\.1:1.*\)\.$/m,
    );
    workspace.write('charts/common/templates/warn.yaml', '');
    expect(run(['lint', 'charts/common', '--strict=false']).status).toBe(0);
  });

  it('reads the plugin options from nx.json when no flag gives them, and the target’s options before nx.json', () => {
    workspace.write(
      'nx.json',
      JSON.stringify({
        plugins: [{ plugin: 'nx-helm', options: { outputPath: 'build/helm', registry: 'oci://127.0.0.1:1/from-nx-json' } }],
      }),
    );
    expect(run(['package', 'charts/common']).status).toBe(0);
    expect(existsSync(join(workspace.root, 'build/helm/charts/common/common-0.1.0.tgz'))).toBe(true);
    expect(run(['push', 'charts/common', '--dry-run']).stdout).toContain('to oci://127.0.0.1:1/from-nx-json/common:0.1.0, unless');
    // From a sub-folder, the workspace is found by its nx.json.
    expect(run(['push', '--dry-run'], { cwd: join(workspace.root, 'charts/common') }).stdout).toContain(
      'build/helm/charts/common/common-0.1.0.tgz',
    );
    // An inferred target passes the options of its plugin entry; a flag still wins.
    const passed = { NX_HELM_OPTIONS: JSON.stringify({ outputPath: 'build/helm', registry: 'oci://127.0.0.1:1/from-target' }) };
    expect(run(['push', 'charts/common', '--dry-run'], { env: passed }).stdout).toContain(
      'to oci://127.0.0.1:1/from-target/common:0.1.0, unless',
    );
    expect(run(['push', 'charts/common', '--dry-run', '--registry=oci://127.0.0.1:1/flag'], { env: passed }).stdout).toContain(
      'to oci://127.0.0.1:1/flag/common:0.1.0, unless',
    );
  });

  it('takes the options of the entry that owns the chart, as the graph does, and refuses a chart entries with other options share', () => {
    const entries = (webEntry: object) =>
      workspace.write(
        'nx.json',
        JSON.stringify({
          plugins: [
            { plugin: 'nx-helm', options: { registry: 'oci://127.0.0.1:1/first' }, ...webEntry },
            { plugin: 'nx-helm', options: { registry: 'oci://127.0.0.1:1/second' }, exclude: ['charts/web/**'] },
          ],
        }),
      );
    expect(run(['package', 'charts/common']).status).toBe(0);
    expect(run(['package', 'charts/web']).status).toBe(0);
    entries({ include: ['charts/web/**'] });
    expect(run(['push', 'charts/web', '--dry-run']).stdout).toContain('to oci://127.0.0.1:1/first/web:0.1.0, unless');
    expect(run(['push', 'charts/common', '--dry-run']).stdout).toContain('to oci://127.0.0.1:1/second/common:0.1.0, unless');
    // Both entries take common: the graph refuses it, and so does the command.
    entries({});
    const refused = run(['push', 'charts/common', '--dry-run']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(
      'charts/common/Chart.yaml is taken by 2 nx-helm entries of nx.json\'s "plugins" with different options (entries 1 and 2)',
    );
    expect(run(['push', 'charts/web', '--dry-run']).stdout).toContain('to oci://127.0.0.1:1/first/web:0.1.0, unless');
  });

  it('finds the workspace above the chart: the nearest nx.json, else the git repository, else the current folder', () => {
    mkdirSync(join(workspace.root, 'tools'));
    // No nx.json, no git: the current folder when it holds the chart (paths are shown from there), else the chart's own.
    expect(run(['lint', 'charts/web']).stdout).toContain('lint charts/web (default values)');
    expect(run(['lint', '../charts/web'], { cwd: join(workspace.root, 'tools') }).stdout).toContain('lint . (default values)');
    spawnSync('git', ['init', '-q'], { cwd: workspace.root });
    expect(run(['lint', 'web'], { cwd: join(workspace.root, 'charts') }).stdout).toContain('lint charts/web (default values)');
    workspace.write('charts/nx.json', '{}');
    expect(run(['lint', 'web'], { cwd: join(workspace.root, 'charts') }).stdout).toContain('lint web (default values)');
  });

  it('fails clearly for a folder without a chart', () => {
    const result = run(['lint', 'docs']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('docs/Chart.yaml does not exist.');
  });

  it('summarises the push records and exits with 1 when one failed', () => {
    workspace.write(
      'dist/charts/web/push.json',
      JSON.stringify({
        chart: 'web',
        version: '1.0.0',
        reference: 'oci://r/web:1.0.0',
        registry: 'oci://r',
        chartDigest: 'sha256:1',
        status: 'failed',
        time: 't',
        helmVersion: '4',
        error: 'denied',
      }),
    );
    const result = run(['summary', '--format=text']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('web 1.0.0 failed: denied');
    expect(run(['summary', '--format=yaml'])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--format must be text, markdown or json'),
    });
    run(['summary', '--format=markdown', '--output=summary.md']);
    expect(readFileSync(join(workspace.root, 'summary.md'), 'utf8')).toContain('| Chart | Version | Status | Digest | Install | Verify |');
  });

  it('loads neither Nx nor other heavy modules to run a command', () => {
    const probe = `
      require(${JSON.stringify(join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/run-cli-command'))});
      for (const command of ['lint', 'package', 'push', 'verify', 'check-version']) {
        require(${JSON.stringify(join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/commands'))} + '/' + command);
      }
      console.log(Object.keys(require.cache).join('\\n'));`;
    const loaded = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' }).stdout.split('\n');
    expect(loaded.length).toBeGreaterThan(10);
    expect(loaded.filter((file) => /node_modules\/(nx|@nx|execa|pako|tar-stream)\//.test(file))).toEqual([]);
  });
});

describe('the nx-helm CLI with a project graph', () => {
  it('reads the charts the graph has parsed from its cache, without loading a YAML parser', () => {
    const workspace = createTempWorkspace('nx-helm-cli-graph-');
    try {
      copyExampleCharts(workspace);
      const dist = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src');
      const node = (script: string) => spawnSync(process.execPath, ['-e', script], { cwd: workspace.root, encoding: 'utf8' });
      const files = ['common', 'web', 'worker', 'platform'].map((chart) => `charts/${chart}/Chart.yaml`);
      // What createNodes does while Nx builds the graph.
      const filled = node(`
        const { ChartModelCache } = require(${JSON.stringify(`${dist}/chart/chart-model-cache`)});
        const cache = new ChartModelCache(process.cwd());
        for (const file of ${JSON.stringify(files)}) cache.parse(require('fs').readFileSync(file, 'utf8'), file);
        cache.save();`);
      expect(filled.status).toBe(0);
      const loaded = (charts: string) =>
        node(`
          const { loadLocalChartTree } = require(${JSON.stringify(`${dist}/chart/local-chart-tree`)});
          const tree = loadLocalChartTree(require('path').resolve(${JSON.stringify(charts)}), process.cwd());
          console.log(tree.buildOrder.map((chart) => chart.chart.name).join(',') + ' ' + Object.keys(require.cache).some((file) => file.includes('node_modules/yaml/')));`).stdout.trim();
      expect(loaded('charts/platform')).toBe('common,web,worker,platform false');
      // A chart changed since the graph was built is parsed again, with the YAML parser.
      workspace.write('charts/common/Chart.yaml', readFileSync(join(workspace.root, 'charts/common/Chart.yaml'), 'utf8') + '# changed\n');
      expect(loaded('charts/platform')).toBe('common,web,worker,platform true');
    } finally {
      workspace.dispose();
    }
  });
});
