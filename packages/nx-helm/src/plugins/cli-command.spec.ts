import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cliCommand } from './cli-command';

describe('cliCommand', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'cli-command-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is the bin's name when the workspace's node_modules/.bin has it (Nx puts that folder on PATH)", () => {
    mkdirSync(join(root, 'node_modules/.bin'), { recursive: true });
    writeFileSync(join(root, 'node_modules/.bin/nx-helm'), '');
    expect(cliCommand(root)).toBe('nx-helm');
  });

  it('runs the CLI through node by its path otherwise (relative inside the workspace, as in the wrapper layout)', () => {
    const main = resolve(__dirname, '../../dist/src/cli/main.js');
    expect(cliCommand(root)).toBe(`node ${main}`);
    // This package inside the workspace: the path is relative, so the task hash is the same in every checkout.
    expect(cliCommand(resolve(__dirname, '../../..'))).toBe('node nx-helm/dist/src/cli/main.js');
  });
});
