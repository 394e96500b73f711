import { AggregateCreateNodesError, type CreateDependenciesContext, type CreateNodesResult, type ProjectConfiguration } from '@nx/devkit';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mainHelm } from '../testing/helm-binaries';
import { useGraphWorkspace, writeChart } from '../testing/temp-workspace';
import type { NxHelmPluginOptions } from '../config/plugin-options';
import { createDependencies, createNodes, createNodesV2 } from './plugin';

/** Every target a chart gets, in the order of the target group. */
const ALL_TARGETS = ['check-version', 'lint-chart', 'render-chart', 'package-chart', 'push-chart', 'nx-release-publish', 'verify-chart'];
/** A library chart renders nothing on its own: no render-chart. */
const LIBRARY_TARGETS = ALL_TARGETS.filter((target) => target !== 'render-chart');

describe('nx-helm plugin', () => {
  const graph = useGraphWorkspace();

  const context = () => {
    // An npm workspace: the CLI is on the PATH Nx gives commands (node_modules/.bin), so targets run it by name.
    if (!existsSync(join(graph.workspace.root, 'node_modules/.bin/nx-helm'))) graph.workspace.write('node_modules/.bin/nx-helm', '');
    return { workspaceRoot: graph.workspace.root, nxJsonConfiguration: {} };
  };

  async function projectsFor(files: string[], options?: NxHelmPluginOptions): Promise<Record<string, ProjectConfiguration>> {
    const results = await createNodes[1](files, options, context());
    return Object.fromEntries(
      results.flatMap(([, result]: readonly [string, CreateNodesResult]) =>
        Object.values(result.projects ?? {}).map((project) => [project.name!, project as ProjectConfiguration]),
      ),
    );
  }

  /** createDependencies as Nx calls it, with every chart's Chart.yaml reported as changed unless `changed` says otherwise. */
  async function edgesFor(files: string[], options?: NxHelmPluginOptions, changed?: string[]): Promise<string[]> {
    const projects = await projectsFor(files, options);
    const projectFileMap = Object.fromEntries(
      Object.values(projects).map((project) => [project.name!, [{ file: `${project.root}/Chart.yaml`, hash: 'h' }]]),
    );
    const toProcess = Object.fromEntries(
      Object.entries(projectFileMap).map(([name, projectFiles]) => [
        name,
        projectFiles.filter((file) => changed === undefined || changed.includes(file.file)),
      ]),
    );
    const dependencyContext: CreateDependenciesContext = {
      externalNodes: {},
      projects,
      nxJsonConfiguration: {},
      workspaceRoot: graph.workspace.root,
      fileMap: { projectFileMap, nonProjectFiles: [] },
      filesToProcess: { projectFileMap: toProcess, nonProjectFiles: [] },
    };
    const dependencies = await createDependencies(options, dependencyContext);
    return dependencies
      .map(
        (dependency) =>
          `${dependency.source} -> ${dependency.target} (${dependency.type}, ${'sourceFile' in dependency ? dependency.sourceFile : ''})`,
      )
      .sort();
  }

  function writeExampleCharts() {
    writeChart(graph.workspace, 'charts/common', { name: 'common', type: 'library' });
    writeChart(graph.workspace, 'charts/web', {
      name: 'web',
      dependencies: [{ name: 'common', version: '0.1.0', repository: 'file://../common' }],
    });
    writeChart(graph.workspace, 'charts/worker', { name: 'worker', dependencies: [{ name: 'common', repository: 'file://../common' }] });
    writeChart(graph.workspace, 'charts/platform', {
      name: 'platform',
      dependencies: [
        { name: 'web', version: '0.1.0', repository: 'file://../web' },
        { name: 'worker', version: '0.1.0', repository: 'file://../worker' },
      ],
    });
    return ['charts/common/Chart.yaml', 'charts/web/Chart.yaml', 'charts/worker/Chart.yaml', 'charts/platform/Chart.yaml'];
  }

  it('exports createNodes and createNodesV2 for Nx 22 to 24, matching every Chart.yaml', () => {
    expect(createNodesV2).toBe(createNodes);
    expect(createNodes[0]).toBe('**/Chart.yaml');
  });

  it('infers one project per chart with cached lint-chart and package-chart targets', async () => {
    const projects = await projectsFor(writeExampleCharts());
    expect(Object.keys(projects).sort()).toEqual(['common', 'platform', 'web', 'worker']);
    const web = projects.web;
    expect(web).toMatchObject({
      root: 'charts/web',
      projectType: 'application',
      tags: ['helm', 'helm:application'],
      metadata: {
        technologies: ['helm'],
        targetGroups: { Helm: ALL_TARGETS },
        'nx-helm': { chartName: 'web', chartVersion: '0.1.0', chartType: 'application' },
      },
    });
    const helmVersionInput = { runtime: '"${HELM_BIN:-helm}" version --short 2>/dev/null || echo helm-not-found' };
    // Every target runs the nx-helm CLI in Nx's own process (no forked executor); the plugin options go with it.
    const command = (name: string) => ({ command: `nx-helm ${name} charts/web`, env: { NX_HELM_OPTIONS: '{}' } });
    expect(web.targets!['lint-chart']).toEqual({
      executor: 'nx:run-commands',
      options: command('lint'),
      cache: true,
      inputs: ['default', '^default', helmVersionInput],
      metadata: expect.objectContaining({
        technologies: ['helm'],
        description: expect.stringContaining('helm lint --strict'),
        help: { command: 'npx nx-helm lint --help', example: { options: { strict: false, defaultValues: 'when-no-ci-values' } } },
      }),
    });
    expect(web.targets!['package-chart']).toEqual({
      executor: 'nx:run-commands',
      options: command('package'),
      cache: true,
      dependsOn: ['^package-chart'],
      // No process per chart to hash: the timestamp is SOURCE_DATE_EPOCH (an environment input) or a fixed date.
      inputs: ['default', '^default', helmVersionInput, { env: 'SOURCE_DATE_EPOCH' }],
      outputs: ['{workspaceRoot}/dist/charts/web/*.tgz', '{workspaceRoot}/dist/charts/web/*.tgz.prov'],
      metadata: expect.objectContaining({
        technologies: ['helm'],
        help: expect.objectContaining({ command: 'npx nx-helm package --help' }),
      }),
    });
    expect(web.targets!['push-chart']).toEqual({
      executor: 'nx:run-commands',
      options: command('push'),
      cache: false,
      // A chart whose lint fails is never published.
      dependsOn: ['package-chart', 'lint-chart'],
      metadata: expect.objectContaining({ technologies: ['helm'], help: expect.objectContaining({ command: 'npx nx-helm push --help' }) }),
    });
    expect(projects.common).toMatchObject({ projectType: 'library', tags: ['helm', 'helm:library'] });
    // Library charts are published too.
    expect(web.targets!['verify-chart']).toMatchObject({
      executor: 'nx:run-commands',
      options: command('verify'),
      cache: false,
      dependsOn: ['push-chart'],
    });
    expect(web.targets!['check-version']).toMatchObject({ executor: 'nx:run-commands', options: command('check-version'), cache: false });
    // nx release publish runs nx-release-publish: lint, package and push in one task (no dependsOn, which Nx drops in
    // filtered releases).
    expect(web.targets!['nx-release-publish']).toEqual({
      executor: 'nx:run-commands',
      options: { command: 'nx-helm publish charts/web --lint', env: { NX_HELM_OPTIONS: '{}' } },
      cache: false,
      metadata: expect.objectContaining({ help: expect.objectContaining({ command: 'npx nx-helm publish --help' }) }),
    });
    expect(Object.keys(projects.common.targets!)).toEqual(LIBRARY_TARGETS);
    expect(projects.common.metadata!.targetGroups).toEqual({ Helm: LIBRARY_TARGETS });
    // Rendering reads what lint reads; its output is the chart's folder of rendered values sets.
    expect(web.targets!['render-chart']).toEqual({
      executor: 'nx:run-commands',
      options: command('render'),
      cache: true,
      inputs: ['default', '^default', helmVersionInput],
      outputs: ['{workspaceRoot}/dist/rendered/charts/web'],
      metadata: expect.objectContaining({
        technologies: ['helm'],
        execution: 'command',
        help: expect.objectContaining({ command: 'npx nx-helm render --help' }),
      }),
    });
  });

  it('infers lint, package and push as batching executors with execution "batch", with only the options each needs', async () => {
    writeExampleCharts();
    const options: NxHelmPluginOptions = {
      execution: 'batch',
      registry: 'oci://ghcr.io/acme/charts',
      registries: { 'ghcr.io': { usernameEnv: 'GHCR_USER', passwordEnv: 'GHCR_TOKEN' } },
      lint: { strict: false },
      render: { kubeVersion: '1.31.0' },
      outputPath: 'out',
    };
    const { web } = await projectsFor(['charts/common/Chart.yaml', 'charts/web/Chart.yaml'], options);
    const targets = web.targets!;
    // Render reads its own option and lint's values sets (defaultValues), nothing else of lint's.
    expect(targets['render-chart']).toMatchObject({
      executor: 'nx-helm:render',
      options: { render: { kubeVersion: '1.31.0' }, outputPath: 'out/rendered/charts/web' },
      cache: true,
      outputs: ['{workspaceRoot}/out/rendered/charts/web'],
      metadata: { execution: 'batch' },
    });
    expect(targets['render-chart'].options).not.toHaveProperty('lint');
    expect(targets['lint-chart'].options).not.toHaveProperty('render');
    expect(targets['lint-chart']).toMatchObject({
      executor: 'nx-helm:lint',
      options: {
        registries: options.registries,
        lint: { strict: false },
      },
      cache: true,
      metadata: { execution: 'batch' },
    });
    // No chart is fetched from the registry charts are pushed to: it changes no lint (see the test below).
    expect(targets['lint-chart'].options).not.toHaveProperty('registry');
    expect(targets['lint-chart'].options).not.toHaveProperty('publishRepositories');
    expect(targets['package-chart']).toMatchObject({
      executor: 'nx-helm:package',
      options: { outputPath: 'out/charts/web', registries: options.registries },
      dependsOn: ['^package-chart'],
      outputs: ['{workspaceRoot}/out/charts/web/*.tgz', '{workspaceRoot}/out/charts/web/*.tgz.prov'],
      metadata: { execution: 'batch' },
    });
    expect(targets['push-chart']).toMatchObject({
      executor: 'nx-helm:push',
      options: { registry: 'oci://ghcr.io/acme/charts', packageOutputPath: 'out/charts/web', registries: options.registries },
      dependsOn: ['package-chart', 'lint-chart'],
      cache: false,
    });
    expect(targets['push-chart'].options).not.toHaveProperty('lint');
    // The targets that gain nothing from batches stay commands.
    expect(targets['verify-chart'].executor).toBe('nx:run-commands');
    expect(targets['check-version'].executor).toBe('nx:run-commands');
    // Every executor option is one the executor's schema declares (Nx refuses others).
    for (const [target, executor] of [
      ['lint-chart', 'lint'],
      ['package-chart', 'package'],
      ['push-chart', 'push'],
    ] as const) {
      const schema = JSON.parse(readFileSync(join(__dirname, `../executors/${executor}/schema.json`), 'utf8')) as { properties: object };
      expect(Object.keys(targets[target].options).filter((key) => !(key in schema.properties))).toEqual([]);
    }
    const commands = await projectsFor(['charts/common/Chart.yaml', 'charts/web/Chart.yaml'], { ...options, execution: 'command' });
    expect(commands.web.targets!['lint-chart']).toMatchObject({ executor: 'nx:run-commands', metadata: { execution: 'command' } });
    expect(commands.web.targets!['lint-chart'].options.command).toBe('nx-helm lint charts/web');
  });

  it("chooses batch by default where the workspace's Nx batches by itself (22.6+) or NX_BATCH_MODE=true, else command", async () => {
    writeExampleCharts();
    const lintExecutor = async () =>
      (await projectsFor(['charts/web/Chart.yaml', 'charts/common/Chart.yaml'])).web.targets!['lint-chart'].executor;
    const nxAt = (version: string) => graph.workspace.write('node_modules/nx/package.json', JSON.stringify({ name: 'nx', version }));
    expect(await lintExecutor()).toBe('nx:run-commands');
    nxAt('22.5.4');
    expect(await lintExecutor()).toBe('nx:run-commands');
    process.env.NX_BATCH_MODE = 'true';
    try {
      expect(await lintExecutor()).toBe('nx-helm:lint');
    } finally {
      delete process.env.NX_BATCH_MODE;
    }
    nxAt('22.6.0');
    expect(await lintExecutor()).toBe('nx-helm:lint');
    nxAt('24.0.6');
    expect(await lintExecutor()).toBe('nx-helm:lint');
  });

  it('refuses an execution option other than batch or command', async () => {
    writeExampleCharts();
    await expect(projectsFor(['charts/web/Chart.yaml'], { execution: 'fast' as never })).rejects.toThrow(
      /"execution" in nx\.json must be "batch" \(many charts' tasks in one process\) or "command"/,
    );
  });

  it.each(['batch', 'command'] as const)(
    'in %s mode, lint and package hash only the options they read: adding a registry re-runs neither, unless a chart is fetched from it',
    async (execution) => {
      writeExampleCharts();
      const files = ['charts/common/Chart.yaml', 'charts/web/Chart.yaml'];
      const registry = 'oci://ghcr.io/acme/charts';
      const optionsOf = (target: { options?: Record<string, unknown> }) => JSON.stringify(target.options);
      const before = (await projectsFor(files, { execution })).web.targets!;
      const after = (await projectsFor(files, { execution, registry })).web.targets!;
      expect(optionsOf(after['lint-chart'])).toBe(optionsOf(before['lint-chart']));
      expect(optionsOf(after['package-chart'])).toBe(optionsOf(before['package-chart']));
      expect(optionsOf(after['push-chart'])).not.toBe(optionsOf(before['push-chart']));
      expect(optionsOf(after['push-chart'])).toContain(registry);
      // Lint settings and package settings apart: the lint options are not the package's, nor the other way round.
      const withBoth = (await projectsFor(files, { execution, lint: { strict: false }, outputPath: 'out' })).web.targets!;
      expect(optionsOf(withBoth['package-chart'])).not.toContain('strict');
      expect(optionsOf(withBoth['lint-chart'])).not.toContain('"outputPath');
      // A chart fetched from that registry: it decides which dependencies are workspace charts, so both hash it.
      writeChart(graph.workspace, 'charts/api', {
        name: 'api',
        dependencies: [{ name: 'common', version: '0.1.0', repository: registry }],
      });
      const fetched = (await projectsFor([...files, 'charts/api/Chart.yaml'], { execution, registry })).web.targets!;
      expect(optionsOf(fetched['lint-chart'])).toContain(registry);
      expect(optionsOf(fetched['package-chart'])).toContain(registry);
    },
  );

  it('builds a chart with the options of the first entry that takes it, and refuses a chart two entries with different options take', async () => {
    writeExampleCharts();
    const files = ['charts/common/Chart.yaml', 'charts/web/Chart.yaml'];
    const a = { registry: 'oci://a.example/charts' };
    const b = { registry: 'oci://b.example/charts' };
    const projectsOf = async (plugins: unknown[], options: object) => {
      const nxJsonConfiguration = { plugins } as never;
      try {
        const results = await createNodes[1](files, options, { ...context(), nxJsonConfiguration });
        return { projects: results.flatMap(([, result]) => Object.keys(result.projects ?? {})).sort() };
      } catch (error) {
        return { error: (error as AggregateCreateNodesError).errors.map(([file, cause]) => `${file}: ${cause.message}`) };
      }
    };
    // Patterns that do not overlap: each entry builds its own charts.
    const split = [
      { plugin: 'nx-helm', options: a, include: ['charts/web/**'] },
      { plugin: 'nx-helm', options: b, exclude: ['charts/web/**'] },
    ];
    expect(await projectsOf(split, a)).toEqual({ projects: ['charts/web'] });
    expect(await projectsOf(split, b)).toEqual({ projects: ['charts/common'] });
    // Both take web: the first entry reports it (once), the second leaves it; common is still built by the second.
    const overlapping = [
      { plugin: 'nx-helm', options: a, include: ['charts/web/**'] },
      { plugin: 'nx-helm', options: b },
    ];
    const first = await projectsOf(overlapping, a);
    expect(first.error).toEqual([
      expect.stringMatching(
        /^charts\/web\/Chart\.yaml: charts\/web\/Chart\.yaml is taken by 2 nx-helm entries of nx\.json's "plugins" with different options \(entries 1 and 2\).*Fix: give those entries "include" or "exclude" patterns that do not overlap, e\.g\. "exclude": \["charts\/web\/\*\*"\]/,
      ),
    ]);
    expect(await projectsOf(overlapping, b)).toEqual({ projects: ['charts/common'] });
    // A bare name is an entry without options, counted at its place among all plugins.
    const bare = [{ plugin: 'nx-helm', options: a, include: ['charts/web/**'] }, '@nx/js/typescript', 'nx-helm'];
    expect((await projectsOf(bare, a)).error).toEqual([expect.stringContaining('with different options (entries 1 and 3)')]);
    // Entries with the same options may overlap: they build the same project.
    const same = [
      { plugin: 'nx-helm', options: a, include: ['charts/web/**'] },
      { plugin: 'nx-helm', options: a },
    ];
    expect(await projectsOf(same, a)).toEqual({ projects: ['charts/common', 'charts/web'] });
  });

  it('lets push-chart skip the lint with lintBeforePush: false, and refuses a value that is not a boolean', async () => {
    const projects = await projectsFor(writeExampleCharts(), { lintBeforePush: false });
    expect(projects.web.targets!['push-chart'].dependsOn).toEqual(['package-chart']);
    expect(projects.web.targets!['nx-release-publish'].options.command).toBe('nx-helm publish charts/web');
    await expect(createNodes[1](writeExampleCharts(), { lintBeforePush: 'no' as unknown as boolean }, context())).rejects.toThrow(
      'The nx-helm plugin option "lintBeforePush" in nx.json must be true or false.',
    );
  });

  it('does not cache lint and package when allowExternalFiles lets them read files Nx does not hash', async () => {
    const projects = await projectsFor(writeExampleCharts(), { allowExternalFiles: true });
    expect(projects.web.targets!['lint-chart'].cache).toBe(false);
    expect(projects.web.targets!['package-chart'].cache).toBe(false);
    expect(JSON.parse(projects.web.targets!['package-chart'].options.env.NX_HELM_OPTIONS)).toEqual({ allowExternalFiles: true });
    expect((await projectsFor(writeExampleCharts())).web.targets!['package-chart'].cache).toBe(true);
  });

  it('refuses a repositoryIndexTtl that is not a number of seconds', async () => {
    await expect(createNodes[1](writeExampleCharts(), { repositoryIndexTtl: -5 }, context())).rejects.toThrow(
      'The nx-helm plugin option "repositoryIndexTtl" in nx.json is -5, which is not a number of seconds.',
    );
    await expect(projectsFor(writeExampleCharts(), { repositoryIndexTtl: 0 })).resolves.toHaveProperty('web');
  });

  it('applies target names, a project name prefix, helmPath and outputPath from the options', async () => {
    const projects = await projectsFor(writeExampleCharts(), {
      lintTargetName: 'lint',
      packageTargetName: 'package',
      pushTargetName: 'publish',
      verifyTargetName: 'verify',
      checkVersionTargetName: 'version-check',
      renderTargetName: 'render',
      registry: 'oci://ghcr.io/acme/charts',
      registries: { 'ghcr.io': { usernameEnv: 'GHCR_USER', passwordEnv: 'GHCR_TOKEN' } },
      projectNamePrefix: 'chart-',
      helmPath: 'tools/bin/helm',
      outputPath: 'out/helm/',
      targetGroupName: 'Charts',
    });
    expect(Object.keys(projects).sort()).toEqual(['chart-common', 'chart-platform', 'chart-web', 'chart-worker']);
    const web = projects['chart-web'];
    // nx-release-publish keeps its name: nx release publish looks for it.
    expect(Object.keys(web.targets!)).toEqual(['version-check', 'lint', 'render', 'package', 'publish', 'nx-release-publish', 'verify']);
    expect(web.targets!.render).toMatchObject({
      options: { command: 'nx-helm render charts/web' },
      outputs: ['{workspaceRoot}/out/helm/rendered/charts/web'],
    });
    const settings = {
      helmPath: 'tools/bin/helm',
      registry: 'oci://ghcr.io/acme/charts',
      registries: { 'ghcr.io': { usernameEnv: 'GHCR_USER', passwordEnv: 'GHCR_TOKEN' } },
      outputPath: 'out/helm',
      projectNamePrefix: 'chart-',
    };
    expect(web.targets!.publish).toMatchObject({ dependsOn: ['package', 'lint'], options: { command: 'nx-helm push charts/web' } });
    expect(JSON.parse(web.targets!.publish.options.env.NX_HELM_OPTIONS)).toEqual(settings);
    expect(web.targets!.package).toMatchObject({
      dependsOn: ['^package'],
      options: { command: 'nx-helm package charts/web' },
      outputs: ['{workspaceRoot}/out/helm/charts/web/*.tgz', '{workspaceRoot}/out/helm/charts/web/*.tgz.prov'],
      inputs: [
        'default',
        '^default',
        // The credential variables are kept away from helm when Nx computes this input, too.
        {
          runtime: expect.stringMatching(
            /^h="\$\(cat \.nx\/workspace-data\/nx-helm-helm-path-[0-9a-f]{16} 2>\/dev\/null\)"; env -u GHCR_USER -u GHCR_TOKEN -- "\$\{h:-\$\{HELM_BIN:-helm\}\}" version --short 2>\/dev\/null \|\| echo helm-not-found$/,
          ),
        },
        { env: 'SOURCE_DATE_EPOCH' },
      ],
    });
    expect(web.metadata!.targetGroups).toEqual({
      Charts: ['version-check', 'lint', 'render', 'package', 'publish', 'nx-release-publish', 'verify'],
    });
  });

  it('runs nothing that a helmPath holds when Nx runs the helm version input: $(…), backticks, ;, quotes, newlines', async () => {
    writeExampleCharts();
    const marker = join(graph.workspace.root, 'pwned');
    const runtimeOf = async (helmPath: string) => {
      const { web } = await projectsFor(['charts/web/Chart.yaml', 'charts/common/Chart.yaml'], { helmPath });
      return (web.targets!['package-chart'].inputs as Array<{ runtime?: string }>).find((input) => input.runtime)!.runtime!;
    };
    for (const helmPath of [
      `tools/$(touch ${marker})helm`,
      `tools/\`touch ${marker}\`helm`,
      `tools/helm; touch ${marker}`,
      `tools/it's"helm$(touch ${marker})`,
      `tools/helm\ntouch ${marker}`,
    ]) {
      const runtime = await runtimeOf(helmPath);
      // The command line holds nothing of the path: the shell never parses it.
      expect(runtime).not.toContain('touch');
      // As Nx runs it: through a shell, in the workspace.
      const output = execFileSync('sh', ['-c', runtime], { cwd: graph.workspace.root, encoding: 'utf8' });
      expect({ helmPath, output: output.trim(), pwned: existsSync(marker) }).toEqual({ helmPath, output: 'helm-not-found', pwned: false });
    }
    // A real helm behind such a path is still found and asked its version.
    const odd = `tools/it's $(touch ${marker}) \`x\``;
    graph.workspace.write(`${odd}/.keep`, '');
    symlinkSync(mainHelm(), join(graph.workspace.root, odd, 'helm'), 'file');
    const output = execFileSync('sh', ['-c', await runtimeOf(`${odd}/helm`)], { cwd: graph.workspace.root, encoding: 'utf8' });
    expect(output.trim()).toMatch(/^v4\.\d+\.\d+/);
    expect(existsSync(marker)).toBe(false);
  });

  it('skips vendored subcharts and charts under node_modules, dist and tmp', async () => {
    writeExampleCharts();
    writeChart(graph.workspace, 'charts/web/charts/vendored', { name: 'vendored' });
    const projects = await projectsFor([
      'charts/web/Chart.yaml',
      'charts/web/charts/vendored/Chart.yaml',
      'node_modules/x/Chart.yaml',
      'dist/charts/web/Chart.yaml',
      'tmp/web/Chart.yaml',
    ]);
    expect(Object.keys(projects)).toEqual(['web']);
  });

  it.each([
    ['YAML that does not parse', 'apiVersion: v2\nname: broken\nversion: [1\n'],
    ['no name', 'apiVersion: v2\nversion: 0.1.0\n'],
    ['no version', 'apiVersion: v2\nname: broken\n'],
    ['a version that is not SemVer', 'apiVersion: v2\nname: broken\nversion: "1.0"\n'],
  ])('keeps a chart with %s as a project named after its folder, without breaking the others', async (_, text) => {
    const files = writeExampleCharts();
    graph.workspace.write('charts/bad-chart/Chart.yaml', text);
    const projects = await projectsFor([...files, 'charts/bad-chart/Chart.yaml']);
    expect(Object.keys(projects).sort()).toEqual(['bad-chart', 'common', 'platform', 'web', 'worker']);
    expect(projects['bad-chart']).toMatchObject({
      root: 'charts/bad-chart',
      tags: ['helm'],
      metadata: { 'nx-helm': { problems: [expect.stringMatching(/^charts\/bad-chart\/Chart\.yaml/)] } },
    });
    expect(Object.keys(projects['bad-chart'].targets!)).toEqual(ALL_TARGETS);
    expect(await edgesFor([...files, 'charts/bad-chart/Chart.yaml'])).toHaveLength(4);
  });

  it('names broken charts after their path when their folder name is taken, so the graph and their real errors stay', async () => {
    const files = writeExampleCharts();
    graph.workspace.write('services/api/chart/Chart.yaml', 'apiVersion: v2\nname: api\nversion: [1\n');
    graph.workspace.write('services/jobs/chart/Chart.yaml', 'apiVersion: v2\nversion: 0.1.0\n');
    graph.workspace.write('legacy/web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: "1.0"\n');
    const broken = ['services/api/chart/Chart.yaml', 'services/jobs/chart/Chart.yaml', 'legacy/web/Chart.yaml'];
    const projects = await projectsFor([...files, ...broken]);
    expect(Object.keys(projects).sort()).toEqual([
      'common',
      'legacy-web',
      'platform',
      'services-api-chart',
      'services-jobs-chart',
      'web',
      'worker',
    ]);
    expect(projects.web).toMatchObject({ root: 'charts/web', tags: ['helm', 'helm:application'] });
    expect(projects['legacy-web']).toMatchObject({
      root: 'legacy/web',
      metadata: { 'nx-helm': { problems: [expect.stringContaining('legacy/web/Chart.yaml:3 (field version)')] } },
    });
    expect(projects['services-api-chart'].metadata!['nx-helm'].problems[0]).toContain('services/api/chart/Chart.yaml:4 is not valid YAML');
    expect(projects['services-jobs-chart'].metadata!['nx-helm'].problems[0]).toContain('services/jobs/chart/Chart.yaml');
    // Deterministic: the same names from the project cache.
    expect(Object.keys(await projectsFor([...files, ...broken])).sort()).toEqual(Object.keys(projects).sort());
  });

  it('adds a Chart.yaml link to nothing, which Nx does not list, once git tracks it, only for the plugin entry whose include takes it', async () => {
    writeChart(graph.workspace, 'charts/a/good', { name: 'good' });
    execFileSync('git', ['init', '-q'], { cwd: graph.workspace.root });
    execFileSync('git', ['add', '-A'], { cwd: graph.workspace.root });
    const entries = [
      { plugin: 'nx-helm', include: ['charts/a/**'], options: { projectNamePrefix: 'a-' } },
      { plugin: 'nx-helm', include: ['charts/b/**'], options: { projectNamePrefix: 'b-' } },
    ];
    const names = async (options: NxHelmPluginOptions, files: string[]) =>
      (await createNodes[1](files, options, { workspaceRoot: graph.workspace.root, nxJsonConfiguration: { plugins: entries } })).flatMap(
        ([, result]: readonly [string, CreateNodesResult]) => Object.values(result.projects ?? {}).map((project) => project.name),
      );
    expect(await names({ projectNamePrefix: 'b-' }, [])).toEqual([]);
    // The list of links is kept while git's index is unchanged; adding one changes it.
    graph.workspace.write('charts/b/dangling/values.yaml', 'x: 1\n');
    symlinkSync('../../nowhere/Chart.yaml', join(graph.workspace.root, 'charts/b/dangling/Chart.yaml'));
    execFileSync('git', ['add', '-A'], { cwd: graph.workspace.root });
    expect(await names({ projectNamePrefix: 'a-' }, ['charts/a/good/Chart.yaml'])).toEqual(['a-good']);
    expect(await names({ projectNamePrefix: 'b-' }, [])).toEqual(['b-dangling']);
  });

  it('fails for two charts with the same name, naming both paths, and still returns the other charts', async () => {
    const files = writeExampleCharts();
    writeChart(graph.workspace, 'legacy/web', { name: 'web' });
    const error = await Promise.resolve(createNodes[1]([...files, 'legacy/web/Chart.yaml'], {}, context())).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(AggregateCreateNodesError);
    const aggregate = error as AggregateCreateNodesError;
    expect(aggregate.errors.map(([file]) => file).sort()).toEqual(['charts/web/Chart.yaml', 'legacy/web/Chart.yaml']);
    expect(aggregate.errors[0][1].message).toContain(
      'Two or more charts would become the project "web": charts/web/Chart.yaml, legacy/web/Chart.yaml.',
    );
    const survivors = aggregate.partialResults.flatMap(([, result]) => Object.values(result.projects ?? {}).map((project) => project.name));
    expect(survivors.sort()).toEqual(['common', 'platform', 'worker']);
  });

  it('rejects credentials written as values instead of environment variable names', async () => {
    await expect(
      createNodes[1](writeExampleCharts(), { registries: { 'ghcr.io': { passwordEnv: 'ghp_abc123-secret-token!' } } }, context()),
    ).rejects.toThrow(/registries\["ghcr\.io"\]\.passwordEnv in nx\.json must be the name of an environment variable/);
  });

  it('rejects a registry option that is not an OCI reference', async () => {
    await expect(createNodes[1](writeExampleCharts(), { registry: 'ghcr.io/acme' }, context())).rejects.toThrow(
      /option "registry" in nx\.json is "ghcr\.io\/acme", which is not an OCI registry reference\. Use the form oci:\/\//,
    );
  });

  it('caches computed projects per Chart.yaml content in the workspace data folder', async () => {
    const files = writeExampleCharts();
    await projectsFor(files);
    const dataDir = join(graph.workspace.root, '.nx/workspace-data');
    // One file for the projects (per plugin options), one for the parsed charts the tasks read.
    expect(readdirSync(dataDir).filter((file) => file.startsWith('nx-helm-charts-'))).toHaveLength(1);
    const cacheFiles = readdirSync(dataDir).filter((file) => file.startsWith('nx-helm-') && !file.startsWith('nx-helm-charts-'));
    expect(cacheFiles).toHaveLength(1);
    const cached = JSON.parse(readFileSync(join(dataDir, cacheFiles[0]), 'utf8')) as Record<string, ProjectConfiguration>;
    expect(
      Object.values(cached)
        .map((project) => project.name)
        .sort(),
    ).toEqual(['common', 'platform', 'web', 'worker']);

    // A changed Chart.yaml is re-read; an unchanged one is served from the cache.
    writeChart(graph.workspace, 'charts/web', { name: 'web', version: '0.2.0' });
    const [key] = Object.entries(cached).find(([, project]) => project.name === 'worker')!;
    cached[key] = { ...cached[key], tags: ['served-from-cache'] };
    writeFileSync(join(dataDir, cacheFiles[0]), JSON.stringify(cached));
    const projects = await projectsFor(files);
    expect(projects.web.metadata!['nx-helm'].chartVersion).toBe('0.2.0');
    expect(projects.worker.tags).toEqual(['served-from-cache']);
    expect(existsSync(join(dataDir, cacheFiles[0]))).toBe(true);
  });

  describe('createDependencies', () => {
    it('adds static edges common <- web, worker <- platform from file:// dependencies', async () => {
      expect(await edgesFor(writeExampleCharts())).toEqual([
        'platform -> web (static, charts/platform/Chart.yaml)',
        'platform -> worker (static, charts/platform/Chart.yaml)',
        'web -> common (static, charts/web/Chart.yaml)',
        'worker -> common (static, charts/worker/Chart.yaml)',
      ]);
    });

    it('uses the prefixed project names', async () => {
      expect(await edgesFor(writeExampleCharts(), { projectNamePrefix: 'c-' })).toContain(
        'c-web -> c-common (static, charts/web/Chart.yaml)',
      );
    });

    it('links dependencies on the publish registry or a workspace repository only when the local version satisfies them', async () => {
      writeChart(graph.workspace, 'charts/common', { name: 'common', version: '1.4.0', type: 'library' });
      writeChart(graph.workspace, 'charts/web', { name: 'web', version: '2.0.0' });
      writeChart(graph.workspace, 'charts/uses-registry', {
        name: 'uses-registry',
        dependencies: [{ name: 'common', version: '^1.2.0', repository: 'oci://registry.example.com/acme/charts' }],
      });
      writeChart(graph.workspace, 'charts/uses-old-repo', {
        name: 'uses-old-repo',
        dependencies: [{ name: 'web', version: '~2.0.0', repository: 'https://acme.github.io/charts' }],
      });
      writeChart(graph.workspace, 'charts/pinned-old', {
        name: 'pinned-old',
        dependencies: [
          { name: 'common', version: '1.0.0', repository: 'oci://registry.example.com/acme/charts' },
          { name: 'web', version: '^1.0.0', repository: 'https://acme.github.io/charts' },
        ],
      });
      writeChart(graph.workspace, 'charts/external', {
        name: 'external',
        dependencies: [{ name: 'common', version: '^1.0.0', repository: 'oci://ghcr.io/somebody-else/charts' }, { name: 'common' }],
      });
      const files = ['common', 'web', 'uses-registry', 'uses-old-repo', 'pinned-old', 'external'].map(
        (name) => `charts/${name}/Chart.yaml`,
      );
      const options = { registry: 'oci://registry.example.com/acme/charts', workspaceRepositories: ['https://acme.github.io/charts/'] };
      expect(await edgesFor(files, options)).toEqual(['uses-old-repo -> web (implicit, )', 'uses-registry -> common (implicit, )']);
      // They hang on another chart's version, so they are computed on every call, changed files or not.
      expect(await edgesFor(files, options, [])).toEqual(['uses-old-repo -> web (implicit, )', 'uses-registry -> common (implicit, )']);
      writeChart(graph.workspace, 'charts/common', { name: 'common', version: '2.0.0', type: 'library' });
      expect(await edgesFor(files, options, [])).toEqual(['uses-old-repo -> web (implicit, )']);
      // Without the options, the same URLs are external repositories: no edges.
      expect(await edgesFor(files)).toEqual([]);
    });

    it('returns file:// edges for the Chart.yaml files Nx reports as changed (Nx keeps the others)', async () => {
      const files = writeExampleCharts();
      expect(await edgesFor(files, {}, ['charts/web/Chart.yaml'])).toEqual(['web -> common (static, charts/web/Chart.yaml)']);
      expect(await edgesFor(files, {}, [])).toEqual([]);
    });

    it('adds no edge for a file:// path to a missing folder (lint-chart reports it)', async () => {
      writeChart(graph.workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'common', repository: 'file://../nowhere' }] });
      expect(await edgesFor(['charts/app/Chart.yaml'])).toEqual([]);
    });
  });
});
