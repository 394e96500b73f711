import { execFileSync, spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';

const CLI = join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js');

/**
 * Devices, pipes and sockets in a chart: reading /dev/zero or /dev/urandom never ends, a pipe without a writer never
 * answers. nx-helm refuses them with the file's name before helm or its own copy reads them (also with
 * allowExternalFiles), and leaves out those the .helmignore drops; nothing hangs.
 */
describe('files that are not files', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = createTempWorkspace();
    workspace.write('nx.json', JSON.stringify({ plugins: [{ plugin: 'nx-helm', options: { allowExternalFiles: true } }] }));
    writeChart(workspace, 'charts/bad', { name: 'bad' });
  });
  afterEach(() => workspace.dispose());

  // Bounded: a hang is killed and fails the test instead of stalling the suite.
  const run = (command: string) =>
    spawnSync(process.execPath, [CLI, command, 'charts/bad'], {
      cwd: workspace.root,
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
      env: { ...process.env, NX_HELM_OPTIONS: undefined },
    });

  it.each([
    {
      name: 'a template that is a link to /dev/zero',
      setup: () => symlinkSync('/dev/zero', join(workspace.root, 'charts/bad/templates/zero.yaml')),
      message:
        /charts\/bad\/templates\/zero\.yaml is a device \(a link to \/dev\/zero\), not a file: reading it would never end\. Fix: remove it from the chart, or list it in the chart's \.helmignore\./,
    },
    {
      name: 'a ci values file that is a link to /dev/urandom',
      setup: () => {
        workspace.write('charts/bad/ci/.keep', '');
        symlinkSync('/dev/urandom', join(workspace.root, 'charts/bad/ci/random-values.yaml'));
      },
      message: /charts\/bad\/ci\/random-values\.yaml is a device \(a link to \/dev\/urandom\), not a file/,
    },
    {
      name: 'a .helmignore that is a link to /dev/zero',
      setup: () => symlinkSync('/dev/zero', join(workspace.root, 'charts/bad/.helmignore')),
      message: /charts\/bad\/\.helmignore is a device \(a link to \/dev\/zero\), not a file/,
    },
    {
      name: 'a named pipe',
      setup: () => execFileSync('mkfifo', [join(workspace.root, 'charts/bad/files.pipe')]),
      message: /charts\/bad\/files\.pipe is a named pipe, not a file/,
    },
  ])('$name: lint and package refuse it, naming it', ({ setup, message }) => {
    setup();
    for (const command of ['lint', 'package']) {
      const result = run(command);
      expect({ command, signal: result.signal, status: result.status }).toEqual({ command, signal: null, status: 1 });
      expect(result.stderr).toMatch(message);
    }
  });

  it('a pipe the .helmignore drops is left out: the chart lints and packages', () => {
    execFileSync('mkfifo', [join(workspace.root, 'charts/bad/dropped.pipe')]);
    workspace.write('charts/bad/.helmignore', '*.pipe\n');
    for (const command of ['lint', 'package']) {
      const result = run(command);
      expect({ command, signal: result.signal, status: result.status, stderr: result.stderr }).toEqual({
        command,
        signal: null,
        status: 0,
        stderr: '',
      });
    }
  });
});
