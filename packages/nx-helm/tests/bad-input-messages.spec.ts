import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { checkChartVersion } from '../src/commands/check-version';
import { lintChart } from '../src/commands/lint';
import { packageChart } from '../src/commands/package';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { memoryLogger, quietLogger } from '../src/testing/memory-logger';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import type { Logger } from '../src/utils/logger';
import { readTarEntries } from '../src/utils/tar-entries';

const chartYaml = (lines: string[]) => `${lines.join('\n')}\n`;
const withDependency = (repository: string, version = '1.0.0') =>
  chartYaml([
    'apiVersion: v2',
    'name: bad',
    'version: 0.1.0',
    'dependencies:',
    '  - name: redis',
    `    version: ${version}`,
    `    repository: ${repository}`,
  ]);

/**
 * Messages of the bad-input report that named neither the file nor the fix, or refused what helm accepts: each test
 * fails if the old message (or refusal) comes back. As in the bad-input suite, lint and package run through the
 * commands, with real helm.
 */
describe('bad input: the messages name the file, line and fix, and what helm accepts is accepted (real helm)', () => {
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let outside: string;

  const command = (chartRoot: string, options: { helm?: string; log?: Logger } = {}) => ({
    workspaceRoot: workspace.root,
    chartRoot,
    log: options.log ?? quietLogger,
    env: { ...process.env, HELM_BIN: options.helm ?? mainHelm(), HELM_REPOSITORY_CONFIG: join(outside, 'no-repositories.yaml') },
  });
  const failure = async (run: Promise<unknown>) =>
    run.then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
  const lintAndPackage = async (chartRoot: string) => ({
    lint: await failure(lintChart(command(chartRoot))),
    package: await failure(packageChart(command(chartRoot))),
  });
  const archiveFiles = async (archive: string) =>
    (await readTarEntries(gunzipSync(readFileSync(join(workspace.root, archive)))))
      .filter((entry) => entry.header.type === 'file')
      .map((entry) => entry.header.name)
      .sort();

  beforeAll(async () => {
    registry = await startRegistry();
    const sources = createTempWorkspace('nx-helm-bad-input-messages-sources-');
    try {
      writeChart(sources, 'redis', { name: 'redis', version: '1.0.0' });
      execFileSync(mainHelm(), ['package', 'redis', '-d', sources.root], { cwd: sources.root, stdio: 'pipe' });
      execFileSync(mainHelm(), ['push', 'redis-1.0.0.tgz', `oci://${registry.host}/charts`, '--plain-http'], {
        cwd: sources.root,
        stdio: 'pipe',
        env: { ...process.env, HELM_REGISTRY_CONFIG: join(sources.root, 'registry.json') },
      });
    } finally {
      sources.dispose();
    }
  });
  afterAll(async () => {
    await registry?.stop();
  });
  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-bad-input-messages-');
    process.env.NX_WORKSPACE_DATA_DIRECTORY = join(workspace.root, '.nx/workspace-data');
    outside = mkdtempSync(join(tmpdir(), 'nx-helm-bad-input-messages-outside-'));
    workspace.write('nx.json', '{}');
    writeChart(workspace, 'charts/bad', { name: 'bad' });
  });
  afterEach(() => {
    delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    workspace.dispose();
    rmSync(outside, { recursive: true, force: true });
  });

  it('1. refuses an oci:// dependency without a host, or with a malformed host and path, naming Chart.yaml:line and a valid form', async () => {
    const cases = [
      ['oci://', 'which names no registry host'],
      [
        'oci://h:5101:99/My Charts//',
        'which helm cannot read as an OCI repository: its host "h:5101:99" is not a host name or address with an optional :port; ' +
          'its path "My Charts//" has an empty part (a doubled or trailing "/"); "My Charts" is not lower-case letters and digits',
      ],
    ];
    for (const [repository, reason] of cases) {
      workspace.write('charts/bad/Chart.yaml', withDependency(repository));
      const expected =
        `charts/bad/Chart.yaml:7 (field dependencies[0].repository) has the dependency "redis" in the repository ${JSON.stringify(repository)}, ` +
        `${reason}`;
      const fix =
        '  Fix: Write the repository as oci://<host>[:<port>][/<path>] (the path in lower case, without a trailing slash), e.g. oci://ghcr.io/acme/charts';
      for (const message of Object.values(await lintAndPackage('charts/bad'))) {
        expect(message).toContain(expected);
        expect(message).toContain(fix);
        // helm's own words, from `helm dependency build`
        expect(message).not.toMatch(/invalid reference|could not download/);
      }
    }
  });

  it('2. says that an oci:// repository must not contain a tag, and the repository and version to write instead', async () => {
    workspace.write('charts/bad/Chart.yaml', withDependency(`oci://${registry.host}/charts/redis:1.0.0`, '"^1.0.0"'));
    const { lint, package: packaged } = await lintAndPackage('charts/bad');
    for (const message of [lint, packaged]) {
      expect(message).toBe(
        `charts/bad/Chart.yaml:7 (field dependencies[0].repository) has the dependency "redis" in the repository ` +
          `"oci://${registry.host}/charts/redis:1.0.0", which contains the tag ":1.0.0": an oci:// repository must not contain a tag, ` +
          'as helm adds the chart name ("/redis") and the tag from `version:` itself.\n' +
          `  Fix: Put the version in \`version: 1.0.0\` and set \`repository: oci://${registry.host}/charts\`.`,
      );
    }
    // The fix as written works.
    workspace.write('charts/bad/Chart.yaml', withDependency(`oci://${registry.host}/charts`, '1.0.0'));
    await expect(packageChart(command('charts/bad'))).resolves.toMatchObject({ chart: 'bad' });
  });

  it('3. reads name, version and dependencies through YAML merge keys as helm does: such charts lint and package', async () => {
    workspace.write(
      'charts/bad/Chart.yaml',
      chartYaml(['apiVersion: v2', 'annotations: &base', '  name: merged', '  version: 0.2.0', '<<: *base']),
    );
    for (const helm of [mainHelm(), helm3()]) {
      await expect(lintChart(command('charts/bad', { helm }))).resolves.toMatchObject({ chart: 'merged', version: '0.2.0' });
    }
    await expect(packageChart(command('charts/bad'))).resolves.toMatchObject({ chart: 'merged' });
    expect(existsSync(join(workspace.root, 'dist/charts/bad/merged-0.2.0.tgz'))).toBe(true);

    // Dependencies that come through a merge key, one built from the workspace and one downloaded.
    writeChart(workspace, 'charts/lib', { name: 'lib', type: 'library' });
    workspace.write(
      'charts/app/Chart.yaml',
      chartYaml([
        'apiVersion: v2',
        'name: app',
        'version: 0.1.0',
        'common: &common',
        '  dependencies:',
        '    - name: lib',
        '      version: 0.1.0',
        '      repository: file://../lib',
        '    - name: redis',
        '      version: 1.0.0',
        `      repository: oci://${registry.host}/charts`,
        '<<: *common',
      ]),
    );
    workspace.write('charts/app/templates/configmap.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n');
    await expect(packageChart(command('charts/app'))).resolves.toMatchObject({ chart: 'app' });
    expect(await archiveFiles('dist/charts/app/app-0.1.0.tgz')).toEqual(
      expect.arrayContaining(['app/charts/lib/Chart.yaml', 'app/charts/redis/Chart.yaml']),
    );
  });

  it('4. names a ci values file that is a link that loops or leads nowhere, not the valuesFiles option', async () => {
    mkdirSync(join(workspace.root, 'charts/bad/ci'));
    symlinkSync('loop-values.yaml', join(workspace.root, 'charts/bad/ci/loop-values.yaml'));
    symlinkSync('../gone.yaml', join(workspace.root, 'charts/bad/ci/gone-values.yaml'));
    const lint = await failure(lintChart(command('charts/bad')));
    expect(lint).toBe(
      [
        'charts/bad/ci/gone-values.yaml is a symbolic link to ../gone.yaml, which does not exist.',
        '  Fix: Point the link at a values file (its path is relative to the folder the link is in), replace it with the file, or remove it: lint uses every ci/*-values.yaml.',
        'charts/bad/ci/loop-values.yaml is a symbolic link to itself (loop-values.yaml): it loops, and never leads to a file.',
        '  Fix: Point the link at a values file (its path is relative to the folder the link is in), replace it with the file, or remove it: lint uses every ci/*-values.yaml.',
      ].join('\n'),
    );
    expect(lint).not.toContain('valuesFiles option');
  });

  it('5. names the .helmignore line that ignores Chart.yaml, or templates/ (linted as helm lints the package)', async () => {
    workspace.write('charts/bad/.helmignore', '# generated files\nChart.yaml\n');
    for (const message of Object.values(await lintAndPackage('charts/bad'))) {
      expect(message).toMatch(
        /^charts\/bad\/\.helmignore:2 has the rule "Chart\.yaml", which ignores Chart\.yaml: helm leaves the chart's Chart\.yaml out, and fails with "Chart\.yaml file is missing"\.\n {2}Fix: Remove that line/,
      );
    }

    workspace.write('charts/bad/.helmignore', '# generated files\ntemplates/\n');
    // What helm lint says of the chart as packaged, by helm version.
    const out = mkdtempSync(join(outside, 'package-'));
    execFileSync(mainHelm(), ['package', join(workspace.root, 'charts/bad'), '-d', out], { stdio: 'pipe' });
    const packaged = join(out, readdirSync(out)[0]);
    const helmLint = (helm: string) => spawnSync(helm, ['lint', packaged, '--strict'], { encoding: 'utf8' });
    expect(helmLint(mainHelm())).toMatchObject({
      status: 1,
      stdout: expect.stringContaining('[WARNING] templates/: directory does not exist'),
    });
    expect(helmLint(helm3())).toMatchObject({ status: 0 });

    const ignoredLine =
      'charts/bad/.helmignore:2 has the rule "templates/", which ignores the templates/ folder, so the chart is packaged without ' +
      'templates (helm 4 lints such a package with "templates/: directory does not exist").\n  Fix: Remove that line';
    const log = memoryLogger();
    const lint = await failure(lintChart(command('charts/bad', { log })));
    expect(lint).toContain(ignoredLine);
    expect(lint).toContain('helm lint found problems in chart "bad" (charts/bad) with 1 of 1 value sets');
    expect(log.text()).toContain('[WARNING] templates/: directory does not exist');
    // Helm 3 lints the package without a word: the chart passes, with the line named as a warning.
    const helm3Log = memoryLogger();
    await expect(lintChart(command('charts/bad', { helm: helm3(), log: helm3Log }))).resolves.toMatchObject({ chart: 'bad' });
    expect(helm3Log.text()).toContain(`WARN ${ignoredLine}`);
  });

  it('6. accepts versions with numbers above 2^53 as helm does (64-bit), compares them, and names the limit past it', async () => {
    const big = '9007199254740993.0.0';
    writeChart(workspace, 'charts/big', { name: 'big', version: big, type: 'library' });
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'big', version: `^${big}`, repository: 'file://../big' }] });
    await expect(lintChart(command('charts/big'))).resolves.toMatchObject({ chart: 'big', version: big });
    await expect(packageChart(command('charts/app'))).resolves.toMatchObject({ chart: 'app' });
    expect(await archiveFiles('dist/charts/app/app-0.1.0.tgz')).toContain('app/charts/big/Chart.yaml');
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'big', version: `>${big}`, repository: 'file://../big' }] });
    expect(await failure(packageChart(command('charts/app')))).toContain(
      `asks for version ">9007199254740993.0.0", but the chart at file://../big (charts/big) is ${big}`,
    );

    // The version-increment check compares them too.
    const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace.root, stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'base');
    git('add', '-A');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'charts');
    git('branch', 'base');
    workspace.write('charts/big/values.yaml', 'greeting: changed\n');
    expect(await failure(checkChartVersion({ ...command('charts/big'), base: 'base' }))).toContain(
      `its version ${big} is not greater than ${big} there`,
    );
    writeChart(workspace, 'charts/big', { name: 'big', version: '9007199254740994.0.0', type: 'library' });
    await expect(checkChartVersion({ ...command('charts/big'), base: 'base' })).resolves.toMatchObject({
      status: 'bumped',
      oldVersion: big,
    });

    writeChart(workspace, 'charts/big', { name: 'big', version: '18446744073709551616.0.0', type: 'library' });
    expect(await failure(lintChart(command('charts/big')))).toBe(
      'charts/big/Chart.yaml:3 (field version) has the version "18446744073709551616.0.0", with a number above 18446744073709551615, ' +
        'the largest helm reads.\n  Fix: Use numbers up to 18446744073709551615 (helm reads MAJOR, MINOR and PATCH as 64-bit unsigned integers).',
    );
  });
});
