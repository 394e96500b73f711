import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unreadableLinkProblem } from './chart-links';

describe('unreadableLinkProblem', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-helm-links-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const problem = (name: string) => unreadableLinkProblem(join(dir, name), `ci/${name}`, 'the fix')?.message;

  it('says that a link to itself loops', () => {
    symlinkSync('self.yaml', join(dir, 'self.yaml'));
    expect(problem('self.yaml')).toBe('is a symbolic link to itself (self.yaml): it loops, and never leads to a file');
  });

  it('says that links leading to each other loop', () => {
    symlinkSync('b.yaml', join(dir, 'a.yaml'));
    symlinkSync('a.yaml', join(dir, 'b.yaml'));
    expect(problem('a.yaml')).toBe(
      'is a symbolic link to b.yaml, and the links from there loop (or go more than 40 deep): it never leads to a file',
    );
  });

  it('names the missing target of a link', () => {
    symlinkSync('gone.yaml', join(dir, 'gone-values.yaml'));
    symlinkSync('gone-values.yaml', join(dir, 'chain.yaml'));
    expect(problem('gone-values.yaml')).toBe('is a symbolic link to gone.yaml, which does not exist');
    expect(problem('chain.yaml')).toBe('is a symbolic link to gone-values.yaml, which is a link to nothing');
  });

  it('has nothing to say of a file, a link to one, or nothing at all', () => {
    writeFileSync(join(dir, 'file.yaml'), 'a: 1\n');
    symlinkSync('file.yaml', join(dir, 'link.yaml'));
    expect([problem('file.yaml'), problem('link.yaml'), problem('missing.yaml')]).toEqual([undefined, undefined, undefined]);
  });
});
