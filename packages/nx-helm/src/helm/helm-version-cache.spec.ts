import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { cachedHelmVersion } from './helm-version-cache';

describe('cachedHelmVersion', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  it('asks helm once per binary, keeping the answer in the user cache folder, readable by the user only', async () => {
    const env = { XDG_CACHE_HOME: join(workspace.root, 'cache') };
    const binary = workspace.write('bin/helm', 'v1');
    let asked = 0;
    const lookUp = async () => `4.1.${++asked}`;
    expect(await cachedHelmVersion(binary, lookUp, env)).toBe('4.1.1');
    expect(await cachedHelmVersion(binary, lookUp, env)).toBe('4.1.1');
    expect(asked).toBe(1);
    const folder = join(workspace.root, 'cache/nx-helm/helm-versions');
    expect(readdirSync(folder)).toHaveLength(1);
    expect(statSync(folder).mode & 0o077).toBe(0);
    // A replaced binary is asked again.
    workspace.write('bin/helm', 'v2 of another size');
    expect(await cachedHelmVersion(binary, lookUp, env)).toBe('4.1.2');
  });

  it('asks helm every time when the cache folder cannot be written', async () => {
    const blocked = workspace.write('not-a-folder', '');
    const binary = workspace.write('bin/helm', 'v1');
    let asked = 0;
    const lookUp = async () => `4.0.${++asked}`;
    await cachedHelmVersion(binary, lookUp, { XDG_CACHE_HOME: blocked });
    await cachedHelmVersion(binary, lookUp, { XDG_CACHE_HOME: blocked });
    expect(asked).toBe(2);
  });
});
