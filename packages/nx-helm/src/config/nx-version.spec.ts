import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultExecution, workspaceNxVersion } from './nx-version';

describe('the default execution follows the workspace Nx', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'nx-version-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const installNx = (folder: string, version: string) => {
    mkdirSync(join(folder, 'node_modules/nx'), { recursive: true });
    writeFileSync(join(folder, 'node_modules/nx/package.json'), JSON.stringify({ name: 'nx', version }));
  };

  it('batches from Nx 22.6.0 on, runs commands before it, and batches any Nx with NX_BATCH_MODE=true', () => {
    installNx(root, '22.5.4');
    expect(defaultExecution(root, {})).toBe('command');
    expect(defaultExecution(root, { NX_BATCH_MODE: 'true' })).toBe('batch');
    installNx(root, '22.6.0');
    expect(defaultExecution(root, {})).toBe('batch');
  });

  it("finds nx in a folder above the workspace, and under .nx/installation in Nx's wrapper layout", () => {
    const workspace = join(root, 'repo');
    mkdirSync(workspace);
    installNx(root, '23.2.1');
    expect(workspaceNxVersion(workspace)).toBe('23.2.1');
    // `nx init` in a folder without package.json installs Nx under .nx/installation.
    installNx(join(workspace, '.nx/installation'), '24.0.7');
    expect(workspaceNxVersion(workspace)).toBe('24.0.7');
    expect(defaultExecution(workspace, {})).toBe('batch');
  });

  it('runs commands when no Nx can be found', () => {
    expect(workspaceNxVersion(root)).toBeUndefined();
    expect(defaultExecution(root, {})).toBe('command');
  });
});
