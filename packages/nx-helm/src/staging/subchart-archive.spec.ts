import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { helm3, mainHelm } from '../testing/helm-binaries';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../testing/temp-workspace';
import { writeSubchartArchive } from './subchart-archive';

/** The entries of a .tgz, sorted, without directories. */
function archiveEntries(archive: string): string[] {
  return execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' })
    .split('\n')
    .filter((entry) => entry && !entry.endsWith('/'))
    .sort();
}

describe('writeSubchartArchive (the files helm would package, checked against the real helm)', () => {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = createTempWorkspace();
    writeChart(workspace, 'lib', { name: 'lib', type: 'library' });
    const files = [
      'README.md',
      'notes.tmp',
      'keep.tmp',
      'root-only.txt',
      'sub/root-only.txt',
      'docs/guide.md',
      'docs/deep/more.md',
      'templates/_extra.tpl',
      'templates/old.bak',
      'templates/.hidden.yaml',
      'templates/nested/.also-hidden.tpl',
      'a1.txt',
      'b2.txt',
      'c3.txt',
      'secret1.yaml',
      'secret10.yaml',
      'ci/test-values.yaml',
    ];
    for (const file of files) workspace.write(`lib/${file}`, `${file}\n`);
    writeChart(workspace, 'lib/charts/vendored', { name: 'vendored', type: 'library' });
    workspace.write('shared.txt', 'outside the chart\n');
    symlinkSync(join(workspace.root, 'shared.txt'), join(workspace.root, 'lib/linked.txt'));
    chmodSync(workspace.write('lib/run.sh', '#!/bin/sh\n'), 0o755);
  });
  afterEach(() => workspace.dispose());

  const compare = async (helmignore: string, helm: string) => {
    workspace.write('lib/.helmignore', helmignore);
    const ours = join(workspace.root, 'ours.tgz');
    await writeSubchartArchive(join(workspace.root, 'lib'), 'lib', ours, 'lib');
    // Inside the workspace, so that it goes with it.
    const out = mkdtempSync(join(workspace.root, 'helm-package-'));
    execFileSync(helm, ['package', join(workspace.root, 'lib'), '--destination', out], { stdio: 'pipe' });
    const helms = join(out, readdirSync(out)[0]);
    // helm writes Chart.yaml and values.yaml from what it loaded; which files there are is what must agree.
    expect(archiveEntries(ours)).toEqual(archiveEntries(helms));
    expect(archiveEntries(ours)).toContain('lib/Chart.yaml');
    return archiveEntries(ours);
  };

  it.each([
    [
      'no .helmignore rules',
      '',
      ['lib/templates/.hidden.yaml'],
      ['lib/notes.tmp', 'lib/docs/guide.md', 'lib/templates/nested/.also-hidden.tpl'],
    ],
    [
      'base names, folders, anchored and structural rules, classes and ?',
      '*.tmp\ndocs/\n/root-only.txt\ntemplates/*.bak\n[ab]*.txt\nsecret?.yaml\n# a comment\n\n',
      ['lib/notes.tmp', 'lib/docs/guide.md', 'lib/root-only.txt', 'lib/templates/old.bak', 'lib/a1.txt', 'lib/secret1.yaml'],
      ['lib/sub/root-only.txt', 'lib/c3.txt', 'lib/secret10.yaml'],
    ],
    // Helm's own negation: a negated rule ignores everything it does not match (folders included).
    ["helm's negation", '!*.yaml\n', ['lib/README.md', 'lib/templates/_extra.tpl'], ['lib/values.yaml', 'lib/secret1.yaml']],
    ['a folder rule that is not a folder, and an escaped character', 'README.md/\nc\\3.txt\n', ['lib/c3.txt'], ['lib/README.md']],
  ])('takes the same files as helm package with %s (Helm 4)', async (_, rules, dropped, kept) => {
    const entries = await compare(rules, mainHelm());
    for (const file of dropped) expect(entries).not.toContain(file);
    for (const file of kept) expect(entries).toContain(file);
  });

  it('takes the same files as Helm 3 too, and keeps modes and followed links', async () => {
    const entries = await compare('*.tmp\ndocs/\n', helm3());
    expect(entries).toContain('lib/linked.txt');
    expect(entries).not.toContain('lib/templates/.hidden.yaml');
    const listing = execFileSync('tar', ['-tvzf', join(workspace.root, 'ours.tgz')], { encoding: 'utf8' });
    expect(listing).toMatch(/^-rwxr-xr-x .* lib\/run\.sh$/m);
  });

  it('refuses rules helm refuses, naming the file and line', async () => {
    workspace.write('lib/.helmignore', '*.tmp\ndocs/**/x\n');
    await expect(writeSubchartArchive(join(workspace.root, 'lib'), 'lib', join(workspace.root, 'x.tgz'), 'charts/lib')).rejects.toThrow(
      'charts/lib/.helmignore:2 has the rule "docs/**/x", which helm rejects: double-star (**) syntax is not supported. Fix or remove that line.',
    );
  });
});
