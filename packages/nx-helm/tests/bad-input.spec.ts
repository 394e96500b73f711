import { AggregateCreateNodesError, type CreateNodesResult } from '@nx/devkit';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { lintChart } from '../src/commands/lint';
import { packageChart } from '../src/commands/package';
import { resolveSettings } from '../src/config/nx-json-settings';
import type { NxHelmPluginOptions } from '../src/config/plugin-options';
import { createNodes } from '../src/plugins/plugin';
import { subchartArchive } from '../src/staging/subchart-archive';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { quietLogger } from '../src/testing/memory-logger';
import { readTarEntries } from '../src/utils/tar-entries';

const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n';

interface ChartCase {
  /** Writes the bad chart (and whatever else the case needs) beside the good one. */
  setup(workspace: TempWorkspace, outside: string): void;
  /** The bad chart's folder. */
  chart: string;
  /** Its project name in the graph. */
  project: string;
  /** What lint-chart says; package-chart says the same unless `package` tells otherwise. */
  lint: string | RegExp;
  /** What package-chart says, or `ok` where only lint can tell (templates are not rendered by helm package). */
  package?: string | RegExp | 'ok';
}

/** Commits the workspace's files: some checks look at what git tracks. */
const commitAll = (workspace: TempWorkspace) => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace.root, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
};
const chartYaml = (lines: string[]) => `${lines.join('\n')}\n`;
const badChart = (text: string) => (workspace: TempWorkspace) => {
  workspace.write('charts/bad/Chart.yaml', text);
  workspace.write('charts/bad/templates/configmap.yaml', CONFIGMAP);
};
const withDependency = (dependency: string[], extra?: (workspace: TempWorkspace) => void) => (workspace: TempWorkspace) => {
  badChart(chartYaml(['apiVersion: v2', 'name: bad', 'version: 0.1.0', 'dependencies:', ...dependency]))(workspace);
  extra?.(workspace);
};

/**
 * Each case: a workspace with one good chart and one bad input. The bad chart's lint and package fail with a message
 * that names the file (and line or field) and the fix, while the graph still lists both charts and the good one still
 * lints and packages.
 */
const CHART_CASES: Record<string, ChartCase> = {
  'YAML that does not parse': {
    setup: badChart('apiVersion: v2\nname: bad\nversion: [1\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: /charts\/bad\/Chart\.yaml:\d+ is not valid YAML: .*\n {2}Fix: Correct the YAML syntax/,
  },
  'a Chart.yaml that is a list': {
    setup: badChart('- name: bad\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:1 does not contain a YAML mapping of chart fields',
  },
  'no name': {
    setup: badChart('apiVersion: v2\nversion: 0.1.0\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml (field name) has no name',
  },
  'no version': {
    setup: badChart('apiVersion: v2\nname: bad\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml (field version) has no version',
  },
  'version 1.0 (a YAML number)': {
    setup: badChart('apiVersion: v2\nname: bad\nversion: 1.0\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:3 (field version) has the version "1.0", which is not a SemVer 2 version',
  },
  'version latest': {
    setup: badChart('apiVersion: v2\nname: bad\nversion: latest\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:3 (field version) has the version "latest"',
  },
  'an unknown apiVersion': {
    setup: badChart('apiVersion: v3\nname: bad\nversion: 0.1.0\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:1 (field apiVersion) has apiVersion "v3", which Helm does not know',
  },
  'an unknown type': {
    setup: badChart('apiVersion: v2\nname: bad\nversion: 0.1.0\ntype: service\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:4 (field type) has the type "service"',
  },
  'an upper-case name': {
    setup: badChart('apiVersion: v2\nname: Bad\nversion: 0.1.0\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:2 (field name) has the name "Bad", which is not a valid chart name',
  },
  'a name OCI registries refuse (my..chart)': {
    setup: badChart('apiVersion: v2\nname: my..chart\nversion: 0.1.0\n'),
    chart: 'charts/bad',
    project: 'my..chart',
    lint: 'charts/bad/Chart.yaml (field name): the chart name "my..chart" cannot be published to an OCI registry',
    package: 'ok',
  },
  'a name OCI registries refuse (my_-chart)': {
    setup: badChart('apiVersion: v2\nname: my_-chart\nversion: 0.1.0\n'),
    chart: 'charts/bad',
    project: 'my_-chart',
    lint: 'Fix: rename the chart, e.g. to "my-chart"',
    package: 'ok',
  },
  'dependencies that are not a list': {
    setup: badChart('apiVersion: v2\nname: bad\nversion: 0.1.0\ndependencies: common\n'),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:4 (field dependencies) has a dependencies field that is not a list',
  },
  'a dependency without a name': {
    setup: withDependency(['  - version: 0.1.0', '    repository: file://../good']),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:5 (field dependencies[0].name) has a dependency (dependencies[0]) without a name',
  },
  'a file:// dependency whose folder is missing': {
    setup: withDependency(['  - name: gone', '    version: 0.1.0', '    repository: file://../gone']),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'has the dependency "gone" at file://../gone, but the folder charts/gone does not exist',
  },
  'a file:// dependency whose name is another chart’s': {
    setup: withDependency(['  - name: common', '    version: 0.1.0', '    repository: file://../good']),
    chart: 'charts/bad',
    project: 'bad',
    lint: /charts\/bad\/Chart\.yaml:5: the dependency "common" .*file:\/\/\.\.\/good.* "good"/,
  },
  'a file:// dependency in a version the chart there is not': {
    setup: withDependency(['  - name: good', '    version: 9.9.9', '    repository: file://../good']),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:5: the dependency "good" asks for version "9.9.9", but the chart at file://../good (charts/good) is 0.1.0',
  },
  'a file:// dependency without a version': {
    setup: withDependency(['  - name: good', '    repository: file://../good']),
    chart: 'charts/bad',
    project: 'bad',
    lint: /charts\/bad\/Chart\.yaml:5: the dependency "good" .*no version/,
  },
  'a downloaded dependency without a version': {
    setup: withDependency(['  - name: redis', '    repository: https://charts.example.invalid/stable']),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:5: the dependency "redis" from https://charts.example.invalid/stable has no version',
  },
  'a dependency cycle': {
    setup: (workspace) => {
      withDependency(['  - name: loop', '    version: 0.1.0', '    repository: file://../loop'])(workspace);
      writeChart(workspace, 'charts/loop', {
        name: 'loop',
        dependencies: [{ name: 'bad', version: '0.1.0', repository: 'file://../bad' }],
      });
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: /cycle/i,
  },
  'an @name repository nobody defined': {
    setup: withDependency(['  - name: redis', '    version: 1.0.0', '    repository: "@nowhere"']),
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml:5: the dependency "redis" uses the repository "@nowhere", which is not defined',
  },
  'a requirements.yaml that does not parse': {
    setup: (workspace) => {
      badChart('apiVersion: v1\nname: bad\nversion: 0.1.0\n')(workspace);
      workspace.write('charts/bad/requirements.yaml', 'dependencies:\n  - name: [x\n');
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: /charts\/bad\/requirements\.yaml:\d+ is not valid YAML/,
  },
  'a requirements.yaml entry without a name': {
    setup: (workspace) => {
      badChart('apiVersion: v1\nname: bad\nversion: 0.1.0\n')(workspace);
      workspace.write('charts/bad/requirements.yaml', 'dependencies:\n  - version: 1.0.0\n');
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/requirements.yaml:2 (field dependencies[0].name) has a dependency (dependencies[0]) without a name',
  },
  'a values.schema.json that is not JSON': {
    setup: (workspace) => {
      writeChart(workspace, 'charts/bad', { name: 'bad' });
      workspace.write('charts/bad/values.schema.json', '{ "type": "object", ');
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/values.schema.json is not valid JSON',
  },
  'a template with an unclosed action': {
    setup: (workspace) => {
      writeChart(workspace, 'charts/bad', { name: 'bad' });
      workspace.write('charts/bad/templates/broken.yaml', 'name: {{ .Release.Name \n');
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'helm lint found problems in chart "bad" (charts/bad) with 1 of 1 value sets',
    package: 'ok',
  },
  'ci values that break a template': {
    setup: (workspace) => {
      writeChart(workspace, 'charts/bad', { name: 'bad' });
      // A value that renders into YAML that does not parse: only that value set breaks the chart.
      workspace.write('charts/bad/templates/text.yaml', `${CONFIGMAP}data:\n  text: {{ .Values.text }}\n`);
      workspace.write('charts/bad/values.yaml', 'text: hello\n');
      workspace.write('charts/bad/ci/broken-values.yaml', 'text: "a: [b"\n');
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: /with 1 of 2 value sets:\n {2}- ci\/broken-values\.yaml: /,
    package: 'ok',
  },
  'a link to a file outside the chart': {
    setup: (workspace, outside) => {
      writeChart(workspace, 'charts/bad', { name: 'bad' });
      symlinkSync(join(outside, 'secret.txt'), join(workspace.root, 'charts/bad/secret.txt'));
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: /charts\/bad\/secret\.txt is a symbolic link to \S+secret\.txt, outside the chart "bad"/,
  },
  'a link to /etc/passwd': {
    setup: (workspace) => {
      writeChart(workspace, 'charts/bad', { name: 'bad' });
      symlinkSync('/etc/passwd', join(workspace.root, 'charts/bad/passwd'));
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/passwd is a symbolic link to /etc/passwd, outside the chart "bad"',
  },
  'a linked folder outside the chart': {
    setup: (workspace, outside) => {
      writeChart(workspace, 'charts/bad', { name: 'bad' });
      symlinkSync(outside, join(workspace.root, 'charts/bad/files'));
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/files is a symbolic link to',
  },
  'a file:// dependency outside the workspace': {
    setup: (workspace, outside) => {
      execFileSync('mkdir', ['-p', join(outside, 'lib/templates')]);
      execFileSync('sh', [
        '-c',
        `printf 'apiVersion: v2\\nname: lib\\nversion: 0.1.0\\ntype: library\\n' > '${join(outside, 'lib/Chart.yaml')}'`,
      ]);
      withDependency(['  - name: lib', '    version: 0.1.0', `    repository: file://${join(outside, 'lib')}`])(workspace);
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'is built into charts/bad (a file:// dependency) but lies outside the workspace',
  },
  'a Chart.yaml that is a link to nothing': {
    setup: (workspace) => {
      workspace.write('charts/bad/values.yaml', 'greeting: hello\n');
      symlinkSync('../missing/Chart.yaml', join(workspace.root, 'charts/bad/Chart.yaml'));
      // Nx leaves such links out of its file list; nx-helm finds them among the files git tracks.
      commitAll(workspace);
    },
    chart: 'charts/bad',
    project: 'bad',
    lint: 'charts/bad/Chart.yaml is a symbolic link to ../missing/Chart.yaml, which does not exist.\n  Fix: Point the link at an existing Chart.yaml',
  },
  'a link to a chart folder outside the workspace': {
    setup: (workspace, outside) => {
      execFileSync('mkdir', ['-p', join(outside, 'linked/templates')]);
      execFileSync('sh', ['-c', `printf 'apiVersion: v2\\nname: linked\\nversion: 0.1.0\\n' > '${join(outside, 'linked/Chart.yaml')}'`]);
      symlinkSync(join(outside, 'linked'), join(workspace.root, 'charts/linked'));
      commitAll(workspace);
    },
    chart: 'charts/linked',
    project: 'linked',
    lint: /charts\/linked is a symbolic link to \S+\/linked, a folder outside the workspace\. Nx does not look into linked folders.*\n {2}Fix: Move the chart into the workspace/,
  },
  'two broken charts in folders of one name': {
    setup: (workspace) => {
      workspace.write('services/api/chart/Chart.yaml', 'apiVersion: v2\nname: api\nversion: [1\n');
      workspace.write('services/jobs/chart/Chart.yaml', 'apiVersion: v2\nversion: 0.1.0\n');
    },
    chart: 'services/jobs/chart',
    project: 'services-jobs-chart',
    lint: 'services/jobs/chart/Chart.yaml (field name) has no name',
  },
  'a broken chart in a folder named like a good chart': {
    setup: (workspace) => {
      workspace.write('legacy/good/Chart.yaml', 'apiVersion: v2\nname: good\nversion: "1.0"\n');
    },
    chart: 'legacy/good',
    project: 'legacy-good',
    lint: 'legacy/good/Chart.yaml:3 (field version) has the version "1.0"',
  },
};

interface OptionsCase {
  options: unknown;
  message: string | RegExp;
  /** A secret the message must not show. */
  secret?: string;
  /** Found only when the graph is built (it depends on the workspace's files), not by the options check alone. */
  graphOnly?: boolean;
}

const OPTION_CASES: Record<string, OptionsCase> = {
  'a misspelled option': { options: { registy: 'oci://ghcr.io/acme' }, message: 'unknown key "registy". Did you mean "registry"?' },
  'options given as a string': { options: 'Hunter2-Pa55', message: 'must be an object', secret: 'Hunter2-Pa55' },
  'a misspelled lint option': { options: { lint: { strikt: true } }, message: 'Did you mean "strict"?' },
  'a wrong lint.defaultValues': {
    options: { lint: { defaultValues: 'never' } },
    message: '"defaultValues" must be "always" or "when-no-ci-values"',
  },
  'a registries entry that is a string': {
    options: { registries: { 'ghcr.io': 'ghp_0123456789abcdefABCDEF0123456789abcd' } },
    message: 'registries["ghcr.io"] in nx.json must be an object',
    secret: 'ghp_0123456789abcdefABCDEF0123456789abcd',
  },
  'a token as passwordEnv': {
    options: { registries: { 'ghcr.io': { passwordEnv: 'ghp_0123456789abcdefABCDEF0123456789abcd' } } },
    message: 'looks like a token, not the name of an environment variable',
    secret: 'ghp_0123456789abcdefABCDEF0123456789abcd',
  },
  'a password as passwordEnv': {
    options: { registries: { 'ghcr.io': { passwordEnv: 'my secret!' } } },
    message: 'must be the name of an environment variable',
    secret: 'my secret!',
  },
  'a token as sign.passphraseEnv': {
    options: { sign: { key: 'k', passphraseEnv: 'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789' } },
    message: 'sign.passphraseEnv in nx.json looks like a token',
    secret: 'npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
  },
  'a misspelled registries key': {
    options: { registries: { 'ghcr.io': { passwordENV: 'GHCR_TOKEN' } } },
    message: 'Did you mean "passwordEnv"?',
  },
  'credentials in the registry URL': {
    options: { registry: 'oci://robot:Pa55-Word@harbor.example.com/charts' },
    message: 'oci://***@harbor.example.com/charts, which holds credentials',
    secret: 'Pa55-Word',
  },
  'credentials in a workspace repository URL': {
    options: { workspaceRepositories: ['https://me:Pa55-Word@acme.github.io/charts'] },
    message: 'https://***@acme.github.io/charts',
    secret: 'Pa55-Word',
  },
  'credentials in a registries host': {
    options: { registries: { 'me:Pa55-Word@ghcr.io': {} } },
    message: '***@ghcr.io',
    secret: 'Pa55-Word',
  },
  'a registry that is not an OCI reference': { options: { registry: 'ghcr.io/acme' }, message: 'which is not an OCI registry reference' },
  'a negative repositoryIndexTtl': { options: { repositoryIndexTtl: -1 }, message: 'is -1, which is not a number of seconds' },
  'lintBeforePush that is not a boolean': {
    options: { lintBeforePush: 'yes' },
    message: '"lintBeforePush" in nx.json must be true or false',
  },
  'a ctConfig that does not exist': {
    options: { ctConfig: '.github/linters/ct.yaml' },
    message: 'The nx-helm option ctConfig names .github/linters/ct.yaml, which does not exist in the workspace',
    graphOnly: true,
  },
};

describe('bad input: each mistake is named with its file and fix, and the good charts are unaffected (real helm)', () => {
  let workspace: TempWorkspace;
  let outside: string;
  const command = (chartRoot: string) => ({
    workspaceRoot: workspace.root,
    chartRoot,
    log: quietLogger,
    env: { ...process.env, HELM_BIN: mainHelm(), HELM_REPOSITORY_CONFIG: join(outside, 'no-repositories.yaml') },
  });
  const failure = async (run: Promise<unknown>) =>
    run.then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
  const chartFiles = () =>
    // As Nx lists them: files and links to files, not links to nothing, and nothing inside linked folders.
    execFileSync('find', ['.', '-name', 'Chart.yaml', '(', '-type', 'f', '-o', '-xtype', 'f', ')', '-not', '-path', './.nx/*'], {
      cwd: workspace.root,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map((file) => file.slice(2))
      .sort();
  const listProjects = async (options?: NxHelmPluginOptions) => {
    const results = await createNodes[1](chartFiles(), options, { workspaceRoot: workspace.root, nxJsonConfiguration: {} });
    return results.flatMap(([, result]: readonly [string, CreateNodesResult]) =>
      Object.values(result.projects ?? {}).map((project) => project.name!),
    );
  };

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-bad-input-');
    process.env.NX_WORKSPACE_DATA_DIRECTORY = join(workspace.root, '.nx/workspace-data');
    outside = mkdtempSync(join(tmpdir(), 'nx-helm-bad-input-outside-'));
    execFileSync('sh', ['-c', `echo 'not a chart file' > '${join(outside, 'secret.txt')}'`]);
    workspace.write('nx.json', '{}');
    writeChart(workspace, 'charts/good', { name: 'good' });
  });
  afterEach(() => {
    delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    workspace.dispose();
    rmSync(outside, { recursive: true, force: true });
  });

  it.each(Object.entries(CHART_CASES))('%s', async (_, testCase) => {
    testCase.setup(workspace, outside);
    expect(await listProjects()).toEqual(expect.arrayContaining(['good', testCase.project]));
    const lint = await failure(lintChart(command(testCase.chart)));
    expect(lint).toMatch(testCase.lint);
    const packaged = await failure(packageChart(command(testCase.chart)));
    if (testCase.package === 'ok') expect(packaged).toBe('succeeded');
    else expect(packaged).toMatch(testCase.package ?? testCase.lint);
    // The good chart is unaffected.
    await expect(lintChart(command('charts/good'))).resolves.toMatchObject({ chart: 'good' });
    await expect(packageChart(command('charts/good'))).resolves.toMatchObject({ chart: 'good' });
    expect(existsSync(join(workspace.root, 'dist/charts/good/good-0.1.0.tgz'))).toBe(true);
  });

  it.each(Object.entries(OPTION_CASES))('%s', async (_, testCase) => {
    const refused = await failure(listProjects(testCase.options as NxHelmPluginOptions));
    expect(refused).toMatch(testCase.message);
    // The nx-helm command checks nx.json's options the same way.
    if (!testCase.graphOnly) {
      workspace.write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-helm', options: testCase.options }] }));
      expect(() => resolveSettings(workspace.root, 'charts/good', {})).toThrow(testCase.message);
    }
    if (testCase.secret) expect(refused).not.toContain(testCase.secret);
  });

  it('keeps two valid charts with one name an error that names both files, and lists the others', async () => {
    writeChart(workspace, 'legacy/good', { name: 'good' });
    writeChart(workspace, 'charts/other', { name: 'other' });
    const error = await Promise.resolve(createNodes[1](chartFiles(), {}, { workspaceRoot: workspace.root, nxJsonConfiguration: {} })).then(
      () => undefined,
      (thrown: unknown) => thrown as AggregateCreateNodesError,
    );
    expect(error).toBeInstanceOf(AggregateCreateNodesError);
    expect(error!.errors[0][1].message).toContain(
      'Two or more charts would become the project "good": charts/good/Chart.yaml, legacy/good/Chart.yaml.',
    );
    const listed = error!.partialResults.flatMap(([, result]: readonly [string, CreateNodesResult]) =>
      Object.values(result.projects ?? {}).map((project) => project.name),
    );
    expect(listed).toEqual(['other']);
  });

  it("lints and packages a chart in a folder whose name has an apostrophe and a space, through the inferred targets' commands", async () => {
    writeChart(workspace, "charts/o'brien web", { name: 'obrien' });
    const results = await createNodes[1](chartFiles(), {}, { workspaceRoot: workspace.root, nxJsonConfiguration: {} });
    const project = results
      .flatMap(([, result]: readonly [string, CreateNodesResult]) => Object.values(result.projects ?? {}))
      .find((candidate) => candidate.name === 'obrien')!;
    expect(project.root).toBe("charts/o'brien web");
    // Nx runs each target's command with a shell, as here.
    for (const target of ['lint-chart', 'package-chart']) {
      const { command } = project.targets![target].options as { command: string };
      const run = spawnSync('sh', ['-c', command], {
        cwd: workspace.root,
        encoding: 'utf8',
        env: { ...process.env, HELM_BIN: mainHelm(), PATH: `${join(REPOSITORY_ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      });
      expect({ target, status: run.status, stderr: run.stderr }).toEqual({ target, status: 0, stderr: '' });
    }
    expect(existsSync(join(workspace.root, "dist/charts/o'brien web/obrien-0.1.0.tgz"))).toBe(true);
  });
});

describe('.helmignore rules: nx-helm keeps the files helm packages, without backtracking (real helm)', () => {
  /** `*a*a…*a*b`: a backtracking matcher tries every way to spread a run of `a`s over its stars, and never ends. */
  const CATASTROPHIC = `${'*a'.repeat(14)}*b`;
  const SIXTY_AS = 'a'.repeat(60);
  /** The built `nx-helm` command, as package.json "bin" installs it. */
  const CLI = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js');
  /** The files of a .tgz, without its folders, sorted. */
  const archiveFiles = async (archive: Buffer) =>
    (await readTarEntries(gunzipSync(archive)))
      .filter((entry) => entry.header.type === 'file')
      .map((entry) => entry.header.name)
      .sort();

  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-helmignore-');
    workspace.write('nx.json', '{}');
  });
  afterEach(() => workspace.dispose());

  it('takes the files helm package takes, for each kind of rule', async () => {
    // Each rule, with files of the chart that it drops and files it keeps.
    const rules: Array<[rule: string, dropped: string[], kept: string[]]> = [
      [CATASTROPHIC, [`${SIXTY_AS}b`], [SIXTY_AS, `deep/${SIXTY_AS}`]],
      ['*.tmp', ['notes.tmp', 'deep/er/notes.tmp'], ['notes.tmp.txt']],
      ['?.txt', ['q.txt'], ['qq.txt']],
      ['[0-9][0-9].log', ['42.log'], ['4.log', '4x.log']],
      ['\\[x\\].md', ['[x].md'], ['x.md']],
      ['[\\]]y.txt', [']y.txt'], ['xy.txt']],
      ['[ä-ü]x.md', ['öx.md'], ['ax.md']],
      ['??.dat', ['é1.dat'], ['é12.dat']],
      ['docs/', ['docs/guide.md', 'docs/deep/more.md'], ['guide/docs']],
      ['/root-only.txt', ['root-only.txt'], ['sub/root-only.txt']],
      // A leading / makes a rule match the whole path, where a class matches a / too.
      ['/deep[^.]f.md', ['deep/f.md'], ['deep/g.md', 'deep.f.md']],
      ['sub/*.cfg', ['sub/a.cfg'], ['sub/deep/b.cfg', 'other/sub/c.cfg']],
      // Malformed after its first chunk: helm takes the rule, and it matches nothing.
      ['zz*[', [], ['zzfile']],
      // Helm's negation: what the rule does not match is ignored, folders included.
      ['![^Z]*', ['Zed.txt', 'Zdir/in.txt'], []],
      ["# helm's own rule comes last: templates/.?*", ['templates/.hidden.yaml'], ['templates/nested/.also-hidden.tpl']],
    ];
    writeChart(workspace, 'charts/lib', { name: 'lib', type: 'library' });
    workspace.write('charts/lib/.helmignore', rules.map(([rule]) => `${rule}\n`).join(''));
    for (const file of rules.flatMap(([, dropped, kept]) => [...dropped, ...kept])) workspace.write(`charts/lib/${file}`, `${file}\n`);

    const out = mkdtempSync(join(workspace.root, 'helm-package-'));
    execFileSync(mainHelm(), ['package', join(workspace.root, 'charts/lib'), '--destination', out], { stdio: 'pipe' });
    const helms = await archiveFiles(readFileSync(join(out, readdirSync(out)[0])));
    const ours = await archiveFiles(await subchartArchive(join(workspace.root, 'charts/lib'), 'lib', 'charts/lib'));
    expect(ours).toEqual(helms);
    for (const [rule, dropped, kept] of rules) {
      expect({ rule, dropped: dropped.filter((file) => ours.includes(`lib/${file}`)) }).toEqual({ rule, dropped: [] });
      expect({ rule, kept: kept.filter((file) => ours.includes(`lib/${file}`)) }).toEqual({ rule, kept });
    }
  });

  it('lints and packages a chart whose library dependency has the catastrophic rule and a 60-`a` file (the built CLI)', async () => {
    writeChart(workspace, 'charts/lib', { name: 'lib', type: 'library' });
    workspace.write('charts/lib/.helmignore', `${CATASTROPHIC}\n`);
    workspace.write(`charts/lib/${SIXTY_AS}`, 'kept\n');
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'lib', version: '0.1.0', repository: 'file://../lib' }] });
    const run = (command: string) => {
      const result = spawnSync(process.execPath, [CLI, command, 'charts/app'], {
        cwd: workspace.root,
        encoding: 'utf8',
        env: {
          ...process.env,
          HELM_BIN: mainHelm(),
          HELM_REPOSITORY_CONFIG: join(workspace.root, 'no-repositories.yaml'),
          NX_WORKSPACE_DATA_DIRECTORY: join(workspace.root, '.nx/workspace-data'),
        },
        // Each takes well under a second. A process stuck in a backtracking match never gets to handle SIGTERM.
        timeout: 60_000,
        killSignal: 'SIGKILL',
      });
      return { command, status: result.status, signal: result.signal, stderr: result.stderr };
    };
    expect(run('lint')).toEqual({ command: 'lint', status: 0, signal: null, stderr: '' });
    expect(run('package')).toEqual({ command: 'package', status: 0, signal: null, stderr: '' });
    const [archive] = execFileSync('find', ['dist', '-name', 'app-0.1.0.tgz'], { cwd: workspace.root, encoding: 'utf8' }).split('\n');
    expect(await archiveFiles(readFileSync(join(workspace.root, archive)))).toContain(`app/charts/lib/${SIXTY_AS}`);
  });
});
