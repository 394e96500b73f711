import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mainHelm } from '../src/testing/helm-binaries';
import { createExampleWorkspace, runNx } from '../src/testing/nx-workspace';
import { writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

/**
 * No option and no chart folder name makes anything run: `$(…)`, backticks, `;`, quotes and newlines in helmPath,
 * outputPath, ctConfig, ct's additional-commands and chart folders, through real nx, as commands and in batches.
 */
describe.each(['command', 'batch'] as const)('nothing runs from options or chart folder names (%s execution)', (execution) => {
  let workspace: TempWorkspace;
  let marker: string;
  afterEach(() => workspace?.dispose());

  const nxJson = (options: object) =>
    workspace.write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-helm', options: { execution, ...options } }] }, null, 2));
  const run = () =>
    runNx(workspace.root, ['run-many', '-t', 'lint-chart', 'package-chart', '--output-style=static', '--skip-nx-cache'], { PWNED: marker });

  beforeEach(() => {
    workspace = createExampleWorkspace();
    marker = join(workspace.root, 'pwned');
    rmSync(join(workspace.root, 'charts/platform'), { recursive: true, force: true });
  });

  it.each([
    ['$(…)', (file: string) => `tools/$(touch ${file})helm`],
    ['backticks', (file: string) => `tools/\`touch ${file}\`helm`],
    ['; and quotes', (file: string) => `tools/it's"helm; touch ${file}`],
    ['a newline', (file: string) => `tools/helm\ntouch ${file}`],
  ])('helmPath with %s: helm is not found, nothing runs', (_name, helmPath) => {
    nxJson({ helmPath: helmPath(marker) });
    const result = run();
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/helm was not found/);
    expect(existsSync(marker)).toBe(false);
  });

  it('outputPath, ctConfig, a chart folder and an additional command with shell syntax: the charts build, nothing runs', () => {
    const outputPath = `out/$(touch ${marker})\`touch ${marker}\`;x\ny`;
    const ctConfig = `ct/$(touch ${marker})\n"q".yaml`;
    workspace.write(
      ctConfig,
      ['chart-dirs:', '  - charts', 'validate-maintainers: false', 'additional-commands:', `  - sh -c "echo checked {{ .Path }}"`, ''].join(
        '\n',
      ),
    );
    // The marker's path through a variable: a folder name has no slashes.
    const odd = "charts/odd $(touch $PWNED) `touch $PWNED` ; it's";
    writeChart(workspace, odd, { name: 'odd' });
    nxJson({ helmPath: mainHelm(), outputPath, ctConfig });
    const result = run();
    // The charts with plain names lint (their additional command ran) and package into the odd outputPath.
    expect(result.output).toContain('checked charts/web');
    expect(existsSync(join(workspace.root, outputPath, 'charts/web/web-0.1.0.tgz'))).toBe(true);
    // The odd folder packages too; its lint refuses to put the name into the additional command.
    expect(existsSync(join(workspace.root, outputPath, odd, 'odd-0.1.0.tgz'))).toBe(true);
    expect(result.output).toMatch(/would put the chart folder .* into a command, and that name holds characters a shell interprets/);
    expect(existsSync(marker)).toBe(false);
  });
});

/**
 * Options set on one chart's executor target by hand are checked as nx.json's are, and fail that chart only. (On a
 * command target Nx appends them to the command line, which it prints: object options belong in nx.json there.)
 */
describe('a target’s own options (batch execution)', () => {
  const execution = 'batch';
  let workspace: TempWorkspace;
  afterEach(() => workspace?.dispose());

  it('a token where a variable name belongs fails that chart’s lint without showing it; the other charts lint', () => {
    workspace = createExampleWorkspace();
    rmSync(join(workspace.root, 'charts/platform'), { recursive: true, force: true });
    workspace.write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-helm', options: { execution, helmPath: mainHelm() } }] }));
    const token = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
    const registries = { 'ghcr.io': { usernameEnv: 'GHCR_USER', passwordEnv: token } };
    workspace.write('charts/web/project.json', JSON.stringify({ name: 'web', targets: { 'lint-chart': { options: { registries } } } }));
    const result = runNx(workspace.root, ['run-many', '-t', 'lint-chart', '--output-style=static', '--skip-nx-cache']);
    expect(result.status).not.toBe(0);
    expect(result.output).not.toContain(token);
    expect(result.output).toMatch(/Failed tasks:\s+- web:lint-chart\s+(\n|$)/);
    expect(result.output).toMatch(/passwordEnv.* in the options of web looks like a token/);
    for (const chart of ['common', 'worker']) expect(result.output).toContain(`Chart "${chart}" 0.1.0 passed helm lint`);
  });
});
