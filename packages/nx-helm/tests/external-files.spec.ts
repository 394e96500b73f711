import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintChart } from '../src/commands/lint';
import { packageChart } from '../src/commands/package';
import { mainHelm } from '../src/testing/helm-binaries';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../src/testing/temp-workspace';
import { quietLogger } from '../src/testing/memory-logger';

/** Lint and package read only what Nx hashes: files of the chart, and charts of the workspace. */
describe('files outside the chart or the workspace (real helm)', () => {
  let workspace: TempWorkspace;
  let outside: string;
  const options = (chartRoot: string, extra: object = {}) => ({
    workspaceRoot: workspace.root,
    chartRoot,
    log: quietLogger,
    env: { ...process.env, HELM_BIN: mainHelm() },
    ...extra,
  });
  const archiveEntries = (file: string) => execFileSync('tar', ['-tzf', join(workspace.root, file)], { encoding: 'utf8' });

  beforeEach(() => {
    workspace = createTempWorkspace('nx-helm-external-');
    workspace.write('nx.json', '{}');
    outside = mkdtempSync(join(tmpdir(), 'nx-helm-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'not part of any chart\n');
    writeChart(workspace, 'charts/web', { name: 'web' });
  });
  afterEach(() => {
    workspace.dispose();
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses a link to a file outside the chart in lint and package, naming the link and its target', async () => {
    symlinkSync(join(outside, 'secret.txt'), join(workspace.root, 'charts/web/secret.txt'));
    const expected = `charts/web/secret.txt is a symbolic link to ${join(outside, 'secret.txt')}, outside the chart "web" (charts/web): helm would package that file.`;
    await expect(lintChart(options('charts/web'))).rejects.toThrow(expected);
    await expect(packageChart(options('charts/web'))).rejects.toThrow(expected);
    await expect(packageChart(options('charts/web'))).rejects.toThrow('set the nx-helm option allowExternalFiles: true');
    expect(existsSync(join(workspace.root, 'dist/charts/web/web-0.1.0.tgz'))).toBe(false);
  });

  it('refuses a linked folder that leads outside, and a link to a sibling chart', async () => {
    symlinkSync(outside, join(workspace.root, 'charts/web/extra'));
    await expect(packageChart(options('charts/web'))).rejects.toThrow(`charts/web/extra is a symbolic link to ${outside}`);
    rmSync(join(workspace.root, 'charts/web/extra'));
    writeChart(workspace, 'charts/other', { name: 'other' });
    symlinkSync('../../other/values.yaml', join(workspace.root, 'charts/web/templates/other-values.yaml'));
    await expect(lintChart(options('charts/web'))).rejects.toThrow('charts/web/templates/other-values.yaml is a symbolic link to');
  });

  it('lets a link outside the chart be where .helmignore keeps it out of the package', async () => {
    symlinkSync(outside, join(workspace.root, 'charts/web/docs'));
    workspace.write('charts/web/.helmignore', 'docs/\n');
    await packageChart(options('charts/web'));
    expect(archiveEntries('dist/charts/web/web-0.1.0.tgz')).not.toContain('docs');
  });

  it('packages links inside the chart, and links outside it when allowExternalFiles is set', async () => {
    writeFileSync(join(workspace.root, 'charts/web/notes.txt'), 'inside\n');
    symlinkSync('notes.txt', join(workspace.root, 'charts/web/notes-link.txt'));
    await packageChart(options('charts/web'));
    expect(archiveEntries('dist/charts/web/web-0.1.0.tgz')).toContain('web/notes-link.txt');
    symlinkSync(join(outside, 'secret.txt'), join(workspace.root, 'charts/web/secret.txt'));
    await packageChart(options('charts/web', { allowExternalFiles: true }));
    expect(archiveEntries('dist/charts/web/web-0.1.0.tgz')).toContain('web/secret.txt');
  });

  it('refuses a file:// dependency outside the Nx workspace, and takes it where no nx.json makes a workspace', async () => {
    const elsewhere = createTempWorkspace('nx-helm-outside-chart-');
    writeChart(elsewhere, 'lib', { name: 'lib', type: 'library' });
    rmSync(outside, { recursive: true, force: true });
    outside = elsewhere.root;
    writeChart(workspace, 'charts/app', {
      name: 'app',
      dependencies: [{ name: 'lib', version: '0.1.0', repository: `file://${join(outside, 'lib')}` }],
    });
    await expect(lintChart(options('charts/app'))).rejects.toThrow(
      `The chart "lib" at ${join(outside, 'lib')} is built into charts/app (a file:// dependency) but lies outside the workspace`,
    );
    await expect(lintChart(options('charts/app', { allowExternalFiles: true }))).resolves.toMatchObject({ chart: 'app' });
    rmSync(join(workspace.root, 'nx.json'));
    await expect(lintChart(options('charts/app'))).resolves.toMatchObject({ chart: 'app' });
  });
});
