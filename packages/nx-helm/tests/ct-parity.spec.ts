import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkChartVersion } from '../src/commands/check-version';
import { lintChart, type LintOptions } from '../src/commands/lint';
import { CT_FIXTURE_REGISTRY, writeCtRepository } from '../src/testing/ct-repository';
import { mainHelm } from '../src/testing/helm-binaries';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';
import { memoryLogger } from '../src/testing/memory-logger';

const TESTED = ['no-templates', 'engine-field', 'ci-only', 'old-kube', 'lib', 'umbrella-pinned', 'umbrella-range', 'legacy-v1'];

/** A repository that runs chart-testing, linted by nx-helm's lint command with the real helm and yamllint. */
describe('lint of a chart-testing repository follows ct.yaml', () => {
  let workspace: TempWorkspace;
  const lint = async (chartRoot: string, options: Partial<LintOptions> = {}) => {
    const log = memoryLogger();
    try {
      await lintChart({
        workspaceRoot: workspace.root,
        chartRoot,
        log,
        env: { ...process.env, HELM_BIN: mainHelm() },
        publishRepositories: [CT_FIXTURE_REGISTRY],
        ...options,
      });
      return { ok: true, output: log.text() };
    } catch (error) {
      return { ok: false, output: `${log.text()}\n${(error as Error).message}` };
    }
  };

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-ct-');
    writeCtRepository(workspace);
  });
  afterEach(() => workspace.dispose());

  it.each(TESTED)('%s passes, as it does with ct lint', async (chart) => {
    const result = await lint(`stable/${chart}`);
    expect(result.output).toContain('and the chart-testing checks of ct.yaml.');
    expect(result.ok).toBe(true);
    // ct's helm lint: no --strict, with helm-lint-extra-args.
    expect(result.output).toMatch(/ lint stable\/\S+ \([^)]*\) --kube-version 1\.30\.0\n/);
    expect(result.output).not.toContain('--strict');
    expect(result.output).toContain(`test -f stable/${chart}/README.md (additional-commands in ct.yaml)`);
  });

  it('lints with the ci values instead of the defaults when a chart has them', async () => {
    const result = await lint('stable/ci-only');
    expect(result.output).toContain('lint stable/ci-only (ci/prod-values.yaml)');
    expect(result.output).not.toContain('(default values)');
    expect(result.output).toContain('passed helm lint with 1 value set(s)');
  });

  it("fails the same charts with nx-helm's stricter defaults when ct.yaml is ignored", async () => {
    const strict = { ctConfig: false as const };
    expect(await lint('stable/no-templates', strict)).toMatchObject({
      ok: false,
      output: expect.stringContaining('templates/: directory does not exist'),
    });
    expect(await lint('stable/engine-field', strict)).toMatchObject({
      ok: false,
      output: expect.stringContaining('unknown field "engine"'),
    });
    expect(await lint('stable/ci-only', strict)).toMatchObject({ ok: false, output: expect.stringContaining('- default values: ') });
    expect(await lint('stable/old-kube', strict)).toMatchObject({
      ok: false,
      output: expect.stringContaining('no template "old-kube.for-1.33"'),
    });
  });

  it('lets the plugin lint option and the flags override ct.yaml', async () => {
    expect(await lint('stable/no-templates', { lint: { strict: true } })).toMatchObject({ ok: false });
    expect(await lint('stable/ci-only', { lint: { defaultValues: 'always' } })).toMatchObject({
      ok: false,
      output: expect.stringContaining('nil pointer evaluating interface {}.host'),
    });
    expect(await lint('stable/old-kube', { lint: { extraArgs: [] } })).toMatchObject({ ok: false });
    expect(await lint('stable/no-templates', { lint: { strict: true }, strict: false })).toMatchObject({ ok: true });
  });

  it('reports yamllint errors with file and line (validate-yaml, ct’s lint rules)', async () => {
    workspace.write('stable/lib/values.yaml', 'greeting: hello   \n');
    const result = await lint('stable/lib');
    expect(result.ok).toBe(false);
    expect(result.output).toContain('chart-testing\'s checks (as ct.yaml sets them) found problems in chart "lib" (stable/lib):');
    expect(result.output).toMatch(
      /yamllint found errors \(validate-yaml in ct\.yaml, ct's default rules\):\n\s+stable\/lib\/values\.yaml:1:16: \[error\] trailing spaces/,
    );
  });

  it('takes yamllint rules from lintconf.yaml at the root when ct.yaml names none, as ct does', async () => {
    workspace.write('stable/lib/values.yaml', 'greeting: hello   \n');
    workspace.write('lintconf.yaml', 'extends: relaxed\nrules:\n  trailing-spaces: disable\n');
    const result = await lint('stable/lib');
    expect(result.output).toContain('passed helm lint');
    expect(result.ok).toBe(true);
  });

  it("reports Chart.yaml fields outside ct's schema and charts without maintainers", async () => {
    workspace.write('stable/lib/Chart.yaml', 'apiVersion: v2\nname: lib\nversion: 0.1.0\ntype: library\ncolour: blue\n');
    const result = await lint('stable/lib');
    expect(result.ok).toBe(false);
    expect(result.output).toContain('stable/lib/Chart.yaml:5: colour: Unexpected element');
    expect(result.output).toContain('stable/lib/Chart.yaml: the chart names no maintainers');
  });

  it('fails when an additional command fails, naming the command', async () => {
    rmSync(join(workspace.root, 'stable/lib/README.md'));
    const result = await lint('stable/lib');
    expect(result.ok).toBe(false);
    expect(result.output).toContain('The additional command `test -f stable/lib/README.md` from ct.yaml exited with code 1.');
  });

  it('says so when yamllint is configured but missing, and only warns when it is just ct’s default', async () => {
    const noTools = mkdtempSync(join(tmpdir(), 'nx-helm-empty-path-'));
    try {
      const env = { ...process.env, HELM_BIN: mainHelm(), PATH: noTools };
      workspace.write('ct.yaml', 'chart-dirs: [stable]\n');
      const defaulted = await lint('stable/lib', { env });
      expect(defaulted.ok).toBe(true);
      expect(defaulted.output).toContain("WARN Skipped yamllint of stable/lib (ct's validate-yaml default): yamllint is not installed");
      workspace.write('ct.yaml', 'chart-dirs: [stable]\nvalidate-yaml: true\n');
      const configured = await lint('stable/lib', { env });
      expect(configured.ok).toBe(false);
      expect(configured.output).toContain(
        'ct.yaml sets validate-yaml, but yamllint is not installed (Debian/Ubuntu: apt-get install yamllint',
      );
    } finally {
      rmSync(noTools, { recursive: true, force: true });
    }
  });

  it('fails with the fix when chart-yaml-schema asks for yamale and it is not installed', async () => {
    const noTools = mkdtempSync(join(tmpdir(), 'nx-helm-empty-path-'));
    try {
      workspace.write('ct.yaml', 'chart-dirs: [stable]\nvalidate-yaml: false\nchart-yaml-schema: etc/chart_schema.yaml\n');
      workspace.write('etc/chart_schema.yaml', 'name: str()\n');
      const result = await lint('stable/lib', { env: { ...process.env, HELM_BIN: mainHelm(), PATH: noTools } });
      expect(result.ok).toBe(false);
      expect(result.output).toContain(
        'ct.yaml sets chart-yaml-schema (etc/chart_schema.yaml), which needs yamale, and yamale is not installed. Install it (pip install yamale)',
      );
    } finally {
      rmSync(noTools, { recursive: true, force: true });
    }
  });

  it('takes check-version’s base from ct.yaml’s remote and target-branch when Nx gives none', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: workspace.root, stdio: 'pipe' });
    git('init', '-q', '-b', 'work');
    git('add', '-A');
    git('commit', '-q', '-m', 'charts');
    git('update-ref', 'refs/remotes/origin/main', 'HEAD');
    workspace.write('stable/lib/values.yaml', 'greeting: changed\n');
    await expect(
      checkChartVersion({ workspaceRoot: workspace.root, chartRoot: 'stable/lib', log: memoryLogger(), env: { PATH: process.env.PATH } }),
    ).rejects.toThrow('Chart "lib" (stable/lib) changed since origin/main (stable/lib/values.yaml), but its version 0.1.0 is not greater');
    const log = memoryLogger();
    workspace.write('stable/lib/Chart.yaml', readFileSync(join(workspace.root, 'stable/lib/Chart.yaml'), 'utf8').replace('0.1.0', '0.1.1'));
    await checkChartVersion({ workspaceRoot: workspace.root, chartRoot: 'stable/lib', log, env: { PATH: process.env.PATH } });
    expect(log.text()).toContain('since origin/main (remote and target-branch in ct.yaml)');
  });
});

/** The same repository as an Nx workspace with the built plugin: discovery, targets and graph follow ct.yaml. */
describe('an Nx workspace made from a chart-testing repository', () => {
  let workspace: TempWorkspace;
  const nx = (...args: string[]) => runNx(workspace.root, args, { HELM_BIN: mainHelm() });
  const setPluginOptions = (options: object) => {
    const nxJson = JSON.parse(readFileSync(join(workspace.root, 'nx.json'), 'utf8')) as { plugins: Array<{ options: object }> };
    nxJson.plugins[0].options = { registry: CT_FIXTURE_REGISTRY, ...options };
    workspace.write('nx.json', JSON.stringify(nxJson, null, 2));
  };
  const projects = () => (JSON.parse(nx('show', 'projects', '--json').output.trim().split('\n')[0]) as string[]).sort();
  const project = (name: string) =>
    JSON.parse(nx('show', 'project', name, '--json').output.trim().split('\n')[0]) as {
      root: string;
      targets: Record<string, { inputs?: unknown[]; dependsOn?: unknown[]; options: { command: string } }>;
    };

  beforeAll(() => {
    workspace = createExampleWorkspace();
    rmSync(join(workspace.root, 'charts'), { recursive: true, force: true });
    writeCtRepository(workspace);
    setPluginOptions({});
  });
  afterAll(() => workspace.dispose());

  it('lints the charts in chart-dirs only, and not the excluded and deprecated ones, which are still projects', () => {
    expect(projects()).toEqual([...TESTED, 'broken-legacy', 'sunset', 'demo'].sort());
    expect(Object.keys(project('demo').targets).sort()).toEqual(['nx-release-publish', 'package-chart', 'push-chart', 'verify-chart']);
    const excluded = project('broken-legacy');
    expect(Object.keys(excluded.targets).sort()).toEqual(['nx-release-publish', 'package-chart', 'push-chart', 'verify-chart']);
    expect(excluded.targets['push-chart'].dependsOn).toEqual(['package-chart']);
    // A chart ct does not lint is published by nx release without lint too.
    expect(excluded.targets['nx-release-publish'].options.command).toBe(`nx-helm publish ${excluded.root}`);
    expect(Object.keys(project('sunset').targets)).not.toContain('lint-chart');
    // check-version-increment: false
    const tested = project('ci-only');
    // Linted charts are rendered with the same values sets; excluded ones are neither.
    expect(Object.keys(tested.targets).sort()).toEqual([
      'lint-chart',
      'nx-release-publish',
      'package-chart',
      'push-chart',
      'render-chart',
      'verify-chart',
    ]);
    expect(tested.targets['render-chart'].inputs).toContainEqual('{workspaceRoot}/ct.yaml');
    expect(tested.targets['nx-release-publish'].options.command).toBe(`nx-helm publish ${tested.root} --lint`);
    expect(tested.targets['lint-chart'].inputs).toContainEqual('{workspaceRoot}/ct.yaml');
    expect(tested.targets['push-chart'].dependsOn).toEqual(['package-chart', 'lint-chart']);
    expect(tested.targets['package-chart'].inputs).toContainEqual('{workspaceRoot}/ct.yaml');
    workspace.write('lintconf.yaml', 'extends: relaxed\n');
    expect(project('ci-only').targets['lint-chart'].inputs).toContainEqual('{workspaceRoot}/lintconf.yaml');
    rmSync(join(workspace.root, 'lintconf.yaml'));
  });

  it('links the umbrellas to the library they pin or take a range of by its published URL, and the v1 chart through requirements.yaml', () => {
    expect(nx('graph', '--file=graph.json').output).not.toMatch(/error/i);
    const { dependencies } = (
      JSON.parse(readFileSync(join(workspace.root, 'graph.json'), 'utf8')) as {
        graph: { dependencies: Record<string, Array<{ target: string }>> };
      }
    ).graph;
    expect(dependencies['umbrella-pinned'].map((edge) => edge.target)).toEqual(['lib']);
    expect(dependencies['umbrella-range'].map((edge) => edge.target)).toEqual(['lib']);
    expect(dependencies['legacy-v1'].map((edge) => edge.target)).toEqual(['lib']);
  });

  it('lints every chart ct lints, green, in one run', () => {
    const result = nx('run-many', '-t', 'lint-chart', '--output-style=static');
    expect(result.output).toContain(`Successfully ran target lint-chart for ${TESTED.length} projects`);
    expect(result.status).toBe(0);
  });

  it('reads ct.yaml from where the ctConfig option says, and ignores it with false', () => {
    workspace.write('.github/linters/ct.yaml', readFileSync(join(workspace.root, 'ct.yaml'), 'utf8'));
    rmSync(join(workspace.root, 'ct.yaml'));
    setPluginOptions({ ctConfig: '.github/linters/ct.yaml' });
    expect(Object.keys(project('demo').targets)).not.toContain('lint-chart');
    expect(project('lib').targets['lint-chart'].inputs).toContainEqual('{workspaceRoot}/.github/linters/ct.yaml');
    setPluginOptions({ ctConfig: false });
    expect(Object.keys(project('demo').targets)).toContain('lint-chart');
    expect(Object.keys(project('lib').targets)).toContain('check-version');
    const strict = nx('run-many', '-t', 'lint-chart', '--projects=no-templates,ci-only', '--output-style=static');
    expect(strict.status).not.toBe(0);
    expect(strict.output).toContain('templates/: directory does not exist');
    expect(strict.output).toContain('nil pointer evaluating interface {}.host');
  });
});
