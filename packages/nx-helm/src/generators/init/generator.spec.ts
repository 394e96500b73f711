import { readJson, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { initGenerator } from './generator';

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => (tree = createTreeWithEmptyWorkspace()));

  it('registers the plugin, adds the dev dependency and the ignore entries', async () => {
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx: '22.0.0' } }));
    await initGenerator(tree, { registry: 'oci://ghcr.io/acme/charts', skipInstall: true });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: 'nx-helm', options: { registry: 'oci://ghcr.io/acme/charts' } }]);
    expect(readJson(tree, 'package.json').devDependencies['nx-helm']).toMatch(/^\^\d+\.\d+\.\d+$/);
    // @nx/devkit follows the workspace's Nx: its major, no newer than it.
    expect(readJson(tree, 'package.json').devDependencies['@nx/devkit']).toBe('>=22.0.0 <=22.0.0');
    const gitignore = tree.read('.gitignore', 'utf-8')!;
    for (const entry of ['/dist', 'node_modules', '.nx/cache', '.nx/workspace-data']) {
      expect(gitignore.split('\n')).toContain(entry);
    }
  });

  it("works in Nx's wrapper layout (no package.json): registers the plugin and the ignore entries, writes no package.json", async () => {
    tree.delete('package.json');
    const install = await initGenerator(tree, {});
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: 'nx-helm', options: {} }]);
    expect(tree.exists('package.json')).toBe(false);
    expect(tree.read('.gitignore', 'utf-8')!.split('\n')).toContain('node_modules');
    // Nothing to install: `nx add` installed the plugin under .nx/installation.
    await install();
    expect(tree.exists('package.json')).toBe(false);
  });

  it('asks for @nx/devkit as a range an older devkit of the same major satisfies, never the exact Nx version', async () => {
    for (const [nx, devkit] of [
      ['24.0.6', '>=24.0.0 <=24.0.6'],
      ['^23.2.1', '>=23.0.0 <=23.2.1'],
      ['~22.7.2', '>=22.0.0 <=22.7.2'],
      ['latest', 'latest'],
    ]) {
      const fresh = createTreeWithEmptyWorkspace();
      fresh.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx } }));
      await initGenerator(fresh, { skipInstall: true });
      expect({ nx, devkit: readJson(fresh, 'package.json').devDependencies['@nx/devkit'] }).toEqual({ nx, devkit });
    }
  });

  it('is idempotent and keeps the options of an existing registration', async () => {
    const nxJson = readNxJson(tree)!;
    nxJson.plugins = ['@nx/js', { plugin: 'nx-helm', options: { projectNamePrefix: 'chart-', registry: 'oci://r.example/mine' } }];
    updateNxJson(tree, nxJson);
    await initGenerator(tree, { registry: 'oci://ghcr.io/other', skipInstall: true });
    const once = { nx: tree.read('nx.json', 'utf-8'), ignore: tree.read('.gitignore', 'utf-8'), pkg: tree.read('package.json', 'utf-8') };
    await initGenerator(tree, { registry: 'oci://ghcr.io/other', skipInstall: true });
    expect({
      nx: tree.read('nx.json', 'utf-8'),
      ignore: tree.read('.gitignore', 'utf-8'),
      pkg: tree.read('package.json', 'utf-8'),
    }).toEqual(once);
    expect(readNxJson(tree)!.plugins).toEqual([
      '@nx/js',
      { plugin: 'nx-helm', options: { projectNamePrefix: 'chart-', registry: 'oci://r.example/mine' } },
    ]);
  });

  it('adds a registry to an existing registration without one', async () => {
    updateNxJson(tree, { ...readNxJson(tree)!, plugins: ['nx-helm'] });
    await initGenerator(tree, { registry: 'oci://ghcr.io/acme', skipInstall: true, skipPackageJson: true });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: 'nx-helm', options: { registry: 'oci://ghcr.io/acme' } }]);
  });

  it('keeps existing .gitignore lines', async () => {
    tree.write('.gitignore', 'node_modules\ndist\n');
    await initGenerator(tree, { skipInstall: true });
    const lines = tree.read('.gitignore', 'utf-8')!.split('\n');
    expect(lines.slice(0, 2)).toEqual(['node_modules', 'dist']);
    expect(lines.filter((line) => line === '/dist' || line === 'dist')).toHaveLength(1);
  });

  it('--release adds an independent release group of the charts, keeping other release settings, once', async () => {
    const nxJson = readNxJson(tree)!;
    nxJson.release = { groups: { apps: { projects: ['tag:app'] } }, changelog: { git: { commit: true } } };
    updateNxJson(tree, nxJson);
    await initGenerator(tree, { release: true, skipInstall: true });
    const once = tree.read('nx.json', 'utf-8');
    expect(readNxJson(tree)!.release).toEqual({
      groups: {
        apps: { projects: ['tag:app'] },
        charts: {
          projects: ['tag:helm'],
          projectsRelationship: 'independent',
          releaseTag: { pattern: '{projectName}-v{version}' },
          version: { versionActions: 'nx-helm/release/version-actions', conventionalCommits: true, fallbackCurrentVersionResolver: 'disk' },
          changelog: { file: '{projectRoot}/CHANGELOG.md', createRelease: 'github' },
        },
      },
      changelog: { workspaceChangelog: false, git: { commit: true } },
      releaseTag: { pattern: '{projectName}-v{version}' },
    });
    await initGenerator(tree, { release: true, skipInstall: true });
    expect(tree.read('nx.json', 'utf-8')).toBe(once);
  });

  it('--release refuses a release configuration with top-level projects, which Nx does not allow next to groups', async () => {
    const nxJson = readNxJson(tree)!;
    nxJson.release = { projects: ['*'] };
    updateNxJson(tree, nxJson);
    await expect(initGenerator(tree, { release: true, skipInstall: true })).rejects.toThrow(
      /release lists "projects" at its top level.*Move that configuration into a group under release.groups/,
    );
  });
});
