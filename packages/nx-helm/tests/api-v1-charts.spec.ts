import type { CreateDependenciesContext, CreateNodesResult, ProjectConfiguration, RawProjectGraphDependency } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintChart } from '../src/commands/lint';
import { packageChart } from '../src/commands/package';
import { createDependencies, createNodes } from '../src/plugins/plugin';
import { startChartRepository, type ChartRepositoryServer } from '../src/testing/chart-repository-server';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';
import { memoryLogger } from '../src/testing/memory-logger';

const REGISTRY = 'oci://registry.example.com/charts';

/** An apiVersion v1 chart (Helm 2 layout) that passes `helm lint --strict`, its dependencies in requirements.yaml. */
function writeV1Chart(workspace: TempWorkspace, dir: string, name: string, version: string, requirements?: string): void {
  workspace.write(`${dir}/Chart.yaml`, `apiVersion: v1\nname: ${name}\nversion: ${version}\ndescription: The ${name} chart\n`);
  workspace.write(`${dir}/values.yaml`, 'greeting: hello\n');
  workspace.write(
    `${dir}/templates/configmap.yaml`,
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n',
  );
  if (requirements !== undefined) workspace.write(`${dir}/requirements.yaml`, requirements);
}

const dependencyOn = (name: string, version: string, repository: string) =>
  `  - name: ${name}\n    version: "${version}"\n    repository: ${repository}\n`;

/** Every file of a chart archive with its content; a lock's generation time is left out (helm writes the clock's). */
function archiveContents(archive: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'nx-helm-v1-archive-'));
  try {
    // -m: the times of the entries do not matter here (and helm's own packages carry the clock's).
    execFileSync('tar', ['-xzmf', archive, '-C', dir]);
    const files = execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').sort();
    return Object.fromEntries(
      files.map((file) => [file.slice(2), readFileSync(join(dir, file), 'utf8').replace(/^generated: .*$/m, 'generated: <time>')]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Charts with `apiVersion: v1` keep their dependencies in requirements.yaml and their lock in requirements.lock; Helm 3
 * and 4 still read and build them. nx-helm must give them graph edges, and lint and package them into exactly the
 * package `helm dependency build && helm package` makes of the same chart.
 */
describe('apiVersion v1 charts (requirements.yaml and requirements.lock)', () => {
  let sources: TempWorkspace;
  let repository: ChartRepositoryServer;
  let workspace: TempWorkspace;
  /** A helm home of its own for the reference runs, with the chart repository added. */
  let helmHome: string;
  /** The workspace's chart sources once written: nothing may add a lock or a charts/ folder to them. */
  let sourceFiles: string;
  const listSourceFiles = () => execFileSync('find', ['charts', '-type', 'f'], { cwd: workspace.root, encoding: 'utf8' });
  const scratch: string[] = [];
  const scratchDir = (prefix: string) => {
    scratch.push(mkdtempSync(join(tmpdir(), prefix)));
    return scratch[scratch.length - 1];
  };

  const referenceHelm = (helm: string, args: string[], cwd = workspace.root) =>
    execFileSync(helm, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      },
    });

  /** What helm itself makes of a chart: `helm dependency build` and `helm package` on a copy of the charts folder. */
  const referencePackage = (helm: string, chart: string, version: string): string => {
    const copy = scratchDir('nx-helm-v1-reference-');
    cpSync(join(workspace.root, 'charts'), join(copy, 'charts'), { recursive: true });
    referenceHelm(helm, ['dependency', 'build', `charts/${chart}`], copy);
    referenceHelm(helm, ['package', `charts/${chart}`, '--destination', join(copy, 'out')], copy);
    return join(copy, 'out', `${chart}-${version}.tgz`);
  };

  /** A lock made by `helm dependency update` on a copy of the charts folder, with the repository as it is now. */
  const lockFor = (chart: string): string => {
    const copy = scratchDir('nx-helm-v1-lock-');
    cpSync(join(workspace.root, 'charts'), join(copy, 'charts'), { recursive: true });
    referenceHelm(mainHelm(), ['dependency', 'update', `charts/${chart}`], copy);
    return readFileSync(join(copy, 'charts', chart, 'requirements.lock'), 'utf8');
  };

  const publish = (dir: string) => {
    execFileSync(mainHelm(), ['package', join(sources.root, dir), '--destination', join(sources.root, 'repo')], { stdio: 'pipe' });
    execFileSync(mainHelm(), ['repo', 'index', join(sources.root, 'repo'), '--url', repository.url], { stdio: 'pipe' });
  };

  beforeAll(async () => {
    sources = createTempWorkspace('nx-helm-v1-sources-');
    mkdirSync(join(sources.root, 'repo'));
    helmHome = join(sources.root, 'helm-home');
    repository = await startChartRepository(join(sources.root, 'repo'));
    writeV1Chart(sources, 'ext-http-1.2.0', 'ext-http', '1.2.0');
    writeV1Chart(sources, 'ext-http-1.3.0', 'ext-http', '1.3.0');
    writeV1Chart(sources, 'ext-tools', 'ext-tools', '1.0.0');
    publish('ext-http-1.2.0');
    publish('ext-tools');

    workspace = createTempWorkspace('nx-helm-v1-workspace-');
    referenceHelm(mainHelm(), ['repo', 'add', 'ext', repository.url]);
    writeV1Chart(workspace, 'charts/common', 'common', '0.2.0');
    const onCommon = dependencyOn('common', '^0.2.0', 'file://../common');
    const onHttp = dependencyOn('ext-http', '^1.2.0', repository.url);
    writeV1Chart(workspace, 'charts/legacy-local', 'legacy-local', '1.0.0', `dependencies:\n${onCommon}`);
    writeV1Chart(workspace, 'charts/legacy-local-locked', 'legacy-local-locked', '1.0.0', `dependencies:\n${onCommon}`);
    writeV1Chart(workspace, 'charts/legacy-remote', 'legacy-remote', '1.0.0', `dependencies:\n${onHttp}`);
    writeV1Chart(workspace, 'charts/legacy-remote-locked', 'legacy-remote-locked', '1.0.0', `dependencies:\n${onHttp}`);
    const onTools = dependencyOn('ext-tools', '^1.0.0', repository.url);
    writeV1Chart(workspace, 'charts/legacy-mixed-locked', 'legacy-mixed-locked', '1.0.0', `dependencies:\n${onTools}${onCommon}`);
    for (const chart of ['legacy-local-locked', 'legacy-remote-locked', 'legacy-mixed-locked']) {
      workspace.write(`charts/${chart}/requirements.lock`, lockFor(chart));
    }
    // Published after the locks were made: a lock keeps 1.2.0, a build without one takes 1.3.0.
    publish('ext-http-1.3.0');
    sourceFiles = listSourceFiles();
  });
  afterAll(async () => {
    await repository?.stop();
    sources?.dispose();
    workspace?.dispose();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  describe.each([
    ['Helm 4', () => mainHelm()],
    ['Helm 3', () => helm3()],
  ])('with %s', (_, helmPath) => {
    const options = (chart: string) => ({
      workspaceRoot: workspace.root,
      chartRoot: `charts/${chart}`,
      log: memoryLogger(),
      helmPath: helmPath(),
      env: { ...process.env, SOURCE_DATE_EPOCH: undefined },
    });

    it.each([
      ['a file:// dependency on a workspace chart, with a requirements.lock', 'legacy-local-locked'],
      ['a dependency from an HTTP chart repository, without a requirements.lock (helm writes one)', 'legacy-remote'],
      ['a dependency from an HTTP chart repository, with a requirements.lock (its version, not the newest)', 'legacy-remote-locked'],
      ['a file:// and an HTTP dependency, with a requirements.lock', 'legacy-mixed-locked'],
    ])('lints and packages a chart with %s exactly as helm does', async (_label, chart) => {
      await expect(lintChart(options(chart))).resolves.toMatchObject({ chart, version: '1.0.0' });
      const packaged = await packageChart({ ...options(chart), outputPath: `dist/${chart}` });
      const ours = archiveContents(packaged.archivePath);
      const helms = archiveContents(referencePackage(helmPath(), chart, '1.0.0'));
      expect(Object.keys(ours)).toEqual(Object.keys(helms));
      expect(ours).toEqual(helms);
      expect(Object.keys(ours)).toEqual(expect.arrayContaining([`${chart}/requirements.yaml`, `${chart}/requirements.lock`]));
      // The sources stay as they were: no lock or charts/ folder written next to them.
      expect(listSourceFiles()).toBe(sourceFiles);
    });

    it('packages the version the requirements.lock names, and the newest one without a lock', async () => {
      const subchartVersion = async (chart: string) => {
        const packaged = await packageChart({ ...options(chart), outputPath: `dist/${chart}` });
        return /^version: (.*)$/m.exec(archiveContents(packaged.archivePath)[`${chart}/charts/ext-http/Chart.yaml`])?.[1];
      };
      await expect(subchartVersion('legacy-remote-locked')).resolves.toBe('1.2.0');
      await expect(subchartVersion('legacy-remote')).resolves.toBe('1.3.0');
    });

    it('leaves out only the lock helm would write for file:// dependencies, as for Chart.yaml charts', async () => {
      // Workspace charts are archived by nx-helm without `helm dependency build`, which would generate the lock.
      const packaged = await packageChart({ ...options('legacy-local'), outputPath: 'dist/legacy-local' });
      const ours = archiveContents(packaged.archivePath);
      const helms = archiveContents(referencePackage(helmPath(), 'legacy-local', '1.0.0'));
      const { ['legacy-local/requirements.lock']: generatedLock, ...rest } = helms;
      expect(generatedLock).toContain('repository: file://../common');
      expect(ours).toEqual(rest);
      expect(ours['legacy-local/charts/common/Chart.yaml']).toContain('version: 0.2.0');
    });

    it('makes byte-identical packages, the generated requirements.lock stamped with the package time', async () => {
      const digests = [];
      for (let run = 0; run < 2; run++) {
        digests.push((await packageChart({ ...options('legacy-remote'), outputPath: 'dist/legacy-remote' })).digest);
        await new Promise((resolve) => setTimeout(resolve, 1100));
      }
      expect(digests[0]).toBe(digests[1]);
      const lock = execFileSync(
        'tar',
        ['-xzOf', join(workspace.root, 'dist/legacy-remote/legacy-remote-1.0.0.tgz'), 'legacy-remote/requirements.lock'],
        {
          encoding: 'utf8',
        },
      );
      expect(lock).toContain('generated: "1980-01-01T00:00:00.000Z"');
    });
  });

  it('names requirements.yaml and its line when a file:// dependency does not match the chart there', async () => {
    workspace.write('charts/legacy-wrong/Chart.yaml', 'apiVersion: v1\nname: legacy-wrong\nversion: 1.0.0\n');
    workspace.write('charts/legacy-wrong/requirements.yaml', `dependencies:\n${dependencyOn('common', '^1.0.0', 'file://../common')}`);
    try {
      await expect(
        packageChart({ workspaceRoot: workspace.root, chartRoot: 'charts/legacy-wrong', log: memoryLogger(), helmPath: mainHelm() }),
      ).rejects.toMatchObject({
        file: 'charts/legacy-wrong/requirements.yaml',
        line: 2,
        message: expect.stringMatching(
          /^charts\/legacy-wrong\/requirements\.yaml:2: the dependency "common" asks for version "\^1\.0\.0", but the chart at file:\/\/\.\.\/common \(charts\/common\) is 0\.2\.0/,
        ),
      });
      workspace.write('charts/legacy-wrong/requirements.yaml', `dependencies:\n${dependencyOn('common', '^0.2.0', 'file://../missing')}`);
      await expect(
        lintChart({ workspaceRoot: workspace.root, chartRoot: 'charts/legacy-wrong', log: memoryLogger(), helmPath: mainHelm() }),
      ).rejects.toThrow(
        'charts/legacy-wrong/requirements.yaml:2 (field dependencies[0].repository) has the dependency "common" at file://../missing, ' +
          'but the folder charts/missing does not exist.\n  Fix: Point the repository at the chart folder, relative to this requirements.yaml',
      );
    } finally {
      rmSync(join(workspace.root, 'charts/legacy-wrong'), { recursive: true, force: true });
    }
  });

  describe('graph edges', () => {
    let graphWorkspace: TempWorkspace;
    const pluginOptions = { registry: REGISTRY };
    beforeEach(() => {
      graphWorkspace = createTempWorkspace('nx-helm-v1-graph-');
      process.env.NX_WORKSPACE_DATA_DIRECTORY = join(graphWorkspace.root, '.nx/workspace-data');
      writeV1Chart(graphWorkspace, 'charts/common', 'common', '0.2.0');
      writeV1Chart(
        graphWorkspace,
        'charts/legacy',
        'legacy',
        '1.0.0',
        `dependencies:\n${dependencyOn('common', '^0.2.0', 'file://../common')}`,
      );
      writeV1Chart(graphWorkspace, 'charts/stack', 'stack', '1.0.0', `dependencies:\n${dependencyOn('common', '^0.2.0', REGISTRY)}`);
    });
    afterEach(() => {
      delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
      graphWorkspace.dispose();
    });

    const chartFiles = ['charts/common/Chart.yaml', 'charts/legacy/Chart.yaml', 'charts/stack/Chart.yaml'];
    const projectFiles = (root: string) =>
      execFileSync('find', [root, '-type', 'f'], { cwd: graphWorkspace.root, encoding: 'utf8' }).trim().split('\n').sort();

    /** One graph computation as Nx runs it: createNodes (its caches warm after the first), then createDependencies for the changed files. */
    const graph = async (changedFiles: string[] | 'all') => {
      const results = await createNodes[1](chartFiles, pluginOptions, { workspaceRoot: graphWorkspace.root, nxJsonConfiguration: {} });
      const projects: Record<string, ProjectConfiguration> = Object.fromEntries(
        results.flatMap(([, result]: readonly [string, CreateNodesResult]) =>
          Object.values(result.projects ?? {}).map((project) => [project.name!, project as ProjectConfiguration]),
        ),
      );
      const files = (project: ProjectConfiguration) => projectFiles(project.root).map((file) => ({ file, hash: 'h' }));
      const projectFileMap = Object.fromEntries(Object.values(projects).map((project) => [project.name!, files(project)]));
      const toProcess = Object.fromEntries(
        Object.entries(projectFileMap).map(([name, list]) => [
          name,
          list.filter(({ file }) => changedFiles === 'all' || changedFiles.includes(file)),
        ]),
      );
      const context: CreateDependenciesContext = {
        externalNodes: {},
        projects,
        nxJsonConfiguration: {},
        workspaceRoot: graphWorkspace.root,
        fileMap: { projectFileMap, nonProjectFiles: [] },
        filesToProcess: { projectFileMap: toProcess, nonProjectFiles: [] },
      };
      return createDependencies(pluginOptions, context);
    };
    const describeEdge = (edge: RawProjectGraphDependency) =>
      `${edge.source} -> ${edge.target} (${edge.type}${'sourceFile' in edge && edge.sourceFile ? `, ${edge.sourceFile}` : ''})`;

    it('links a v1 chart to its file:// and workspace-registry dependencies of requirements.yaml', async () => {
      expect((await graph('all')).map(describeEdge).sort()).toEqual([
        'legacy -> common (static, charts/legacy/requirements.yaml)',
        'stack -> common (implicit)',
      ]);
    });

    it('follows an edit of requirements.yaml alone with warm caches: the edge goes, and comes back', async () => {
      const first = await graph('all');
      const requirements = 'charts/legacy/requirements.yaml';
      // Nx keeps the static edges of unchanged files and re-asks for the changed ones.
      const kept = (previous: RawProjectGraphDependency[]) =>
        previous.filter((edge) => edge.type !== 'static' || !('sourceFile' in edge) || edge.sourceFile !== requirements);

      graphWorkspace.write(requirements, 'dependencies: []\n');
      const afterRemoval = [...kept(first), ...(await graph([requirements]))];
      expect(afterRemoval.map(describeEdge)).not.toContainEqual(expect.stringContaining('legacy -> common'));

      graphWorkspace.write(requirements, `dependencies:\n${dependencyOn('common', '^0.2.0', 'file://../common')}`);
      const afterRestore = [...kept(afterRemoval), ...(await graph([requirements]))];
      expect(afterRestore.map(describeEdge)).toContain('legacy -> common (static, charts/legacy/requirements.yaml)');
    });

    it('links a v2 chart through Chart.yaml once its requirements.yaml no longer replaces the list, with only that file changed', async () => {
      graphWorkspace.write(
        'charts/modern/Chart.yaml',
        `apiVersion: v2\nname: modern\nversion: 1.0.0\ndependencies:\n${dependencyOn('common', '^0.2.0', 'file://../common')}`,
      );
      graphWorkspace.write('charts/modern/requirements.yaml', 'dependencies: []\n');
      chartFiles.push('charts/modern/Chart.yaml');
      try {
        const edgesOfModern = (edges: RawProjectGraphDependency[]) => edges.map(describeEdge).filter((edge) => edge.startsWith('modern'));
        expect(edgesOfModern(await graph('all'))).toEqual([]);
        graphWorkspace.write('charts/modern/requirements.yaml', '# dependencies are in Chart.yaml\n');
        expect(edgesOfModern(await graph(['charts/modern/requirements.yaml']))).toEqual([
          'modern -> common (static, charts/modern/Chart.yaml)',
        ]);
      } finally {
        chartFiles.pop();
      }
    });

    it('records an invalid requirements.yaml as the chart’s problem, with its file and line, though the chart was cached valid', async () => {
      const nodes = () => createNodes[1](chartFiles, pluginOptions, { workspaceRoot: graphWorkspace.root, nxJsonConfiguration: {} });
      await nodes();
      graphWorkspace.write('charts/legacy/requirements.yaml', 'dependencies:\n  - version: 1.0.0\n');
      const results = await nodes();
      const legacy = results.find(([file]) => file === 'charts/legacy/Chart.yaml')![1].projects!['charts/legacy'];
      expect(legacy.metadata?.['nx-helm']).toMatchObject({
        problems: [
          'charts/legacy/requirements.yaml:2 (field dependencies[0].name) has a dependency (dependencies[0]) without a name.\n' +
            '  Fix: Add the `name` of the chart this dependency refers to.',
        ],
      });
    });
  });
});
