import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filepathMatch, readHelmignore, type HelmignoreRules } from './helmignore';

/** `*a*a…*a*b`: a backtracking matcher tries every way to spread a long run of `a`s over the stars. */
const CATASTROPHIC = `${'*a'.repeat(14)}*b`;
const SIXTY_AS = 'a'.repeat(60);

describe('filepathMatch (Go path/filepath.Match)', () => {
  // Go's own table for filepath.Match (src/path/filepath/match_test.go); undefined is Go's ErrBadPattern.
  it.each([
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[]a]', ']', undefined],
    ['[-]', '-', undefined],
    ['[x-]', 'x', undefined],
    ['[x-]', '-', undefined],
    ['[x-]', 'z', undefined],
    ['[-x]', 'x', undefined],
    ['[-x]', '-', undefined],
    ['[-x]', 'a', undefined],
    ['\\', 'a', undefined],
    ['[a-b-c]', 'a', undefined],
    ['[', 'a', undefined],
    ['[^', 'a', undefined],
    ['[^bc', 'a', undefined],
    ['a[', 'a', undefined],
    ['a[', 'ab', undefined],
    ['a[', 'x', undefined],
    ['a/b[', 'x', undefined],
    ['*x', 'xxx', true],
  ])('Go: %s against %s is %s', (pattern, name, expected) => {
    expect(filepathMatch(pattern, name)).toBe(expected);
  });

  it.each([
    // A class is not * or ?: it matches a / too.
    ['a[^x]b', 'a/b', true],
    ['a[/]b', 'a/b', true],
    ['a?b', 'a/b', false],
    // Characters, not bytes: ranges and ? on multi-byte UTF-8.
    ['[ä-ü]x', 'öx', true],
    ['[ä-ü]x', 'ax', false],
    ['??.dat', 'é1.dat', true],
    ['???.dat', 'é1.dat', false],
    ['[^é]', 'é', false],
    // Escapes outside and inside classes.
    ['\\[x\\].md', '[x].md', true],
    ['\\[x\\].md', 'x.md', false],
    ['[\\^]', '^', true],
    ['[\\\\]', '\\', true],
    ['a\\?', 'a?', true],
    ['a\\?', 'ab', false],
    // A star inside a class does not end the chunk.
    ['[*]x', '*x', true],
    ['[*]x', 'ax', false],
    // The last chunk must use up the name: the star before it takes the rest.
    ['*.tar', 'a.tar.tar', true],
    ['*.tar', 'a.tar.gz', false],
    ['a*', 'a', true],
    ['', '', true],
    ['', 'a', false],
    // Go reports a malformed pattern only as far as it reads: after a chunk that does not match, it stops.
    ['zz*[', 'abc', false],
    ['zz*[', 'zzx', undefined],
    // ...but it reads a whole chunk, also after a mismatch in it.
    ['x[', 'abc', undefined],
    ['[a-', 'a', undefined],
  ])('%s against %s is %s', (pattern, name, expected) => {
    expect(filepathMatch(pattern, name)).toBe(expected);
  });

  it('answers the catastrophic pattern against 60 `a`s without backtracking', () => {
    expect(filepathMatch(CATASTROPHIC, SIXTY_AS)).toBe(false);
    expect(filepathMatch(CATASTROPHIC, `${SIXTY_AS}b`)).toBe(true);
    expect(filepathMatch(CATASTROPHIC, `${SIXTY_AS}/b`)).toBe(false);
  }, 5000);
});

describe('readHelmignore (helm pkg/ignore)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-helm-helmignore-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const rules = (content: string | Buffer): HelmignoreRules => {
    writeFileSync(join(dir, '.helmignore'), content);
    return readHelmignore(dir, 'charts/lib');
  };

  // Helm's own table (pkg/ignore/rules_test.go TestIgnore); in its fixtures cargo and mast are folders.
  it.each([
    ['helm.txt', 'helm.txt', false, true],
    ['helm.*', 'helm.txt', false, true],
    ['helm.*', 'rudder.txt', false, false],
    ['*.txt', 'tiller.txt', false, true],
    ['*.txt', 'cargo/a.txt', false, true],
    ['cargo/*.txt', 'cargo/a.txt', false, true],
    ['cargo/*.*', 'cargo/a.txt', false, true],
    ['cargo/*.txt', 'mast/a.txt', false, false],
    ['ru[c-e]?er.txt', 'rudder.txt', false, true],
    ['templates/.?*', 'templates/.dotfile', false, true],
    ['.*', '.', true, false],
    ['.*', './', true, false],
    ['.*', '.joonix', false, true],
    ['.*', 'helm.txt', false, false],
    ['.*', '', true, false],
    ['cargo/', 'cargo', true, true],
    ['cargo/', 'cargo/', true, true],
    ['cargo/', 'mast/', true, false],
    ['helm.txt/', 'helm.txt', false, false],
    ['!helm.txt', 'helm.txt', false, false],
    ['!helm.txt', 'tiller.txt', false, true],
    ['!*.txt', 'cargo', true, true],
    ['!cargo/', 'mast/', true, true],
    ['/a.txt', 'a.txt', false, true],
    ['/a.txt', 'cargo/a.txt', false, false],
    ['/cargo/a.txt', 'cargo/a.txt', false, true],
  ])('helm: %s, %s (folder: %s) is ignored: %s', (rule, path, isDirectory, expected) => {
    expect(rules(`${rule}\n`).ignores(path, isDirectory)).toBe(expected);
  });

  it.each([
    // Without a slash the rule looks at the base name only, at any depth; with one, at the whole path.
    ['*.tmp', 'deep/er/notes.tmp', false, true],
    ['sub/*.cfg', 'sub/a.cfg', false, true],
    ['sub/*.cfg', 'sub/deep/a.cfg', false, false],
    ['sub/*.cfg', 'other/sub/a.cfg', false, false],
    // A leading / anchors the rule to the chart's root, and makes it a whole-path rule: a class can match a /.
    ['/deep[^.]f.md', 'deep/f.md', false, true],
    ['deep[^.]f.md', 'deep/f.md', false, false],
    ['//late.txt', 'late.txt', false, false],
    // ** is not special in a pattern helm accepts: two stars in a row are refused, one star never crosses a /.
    ['docs/*', 'docs/a/b.md', false, false],
    // A folder rule leaves files of that name alone.
    ['build/', 'build', true, true],
    ['build/', 'x/build', false, false],
    ['!*.yaml/', 'values.yaml', false, true],
    ['!templates/', 'templates', true, false],
    // A negated rule ignores what it does not match, folders included.
    ['![^Z]*', 'Zed.txt', false, true],
    ['![^Z]*', 'templates', true, false],
    // Escapes and classes.
    ['\\[x\\].md', '[x].md', false, true],
    ['[0-9][0-9].log', '42.log', false, true],
    ['[0-9][0-9].log', '4.log', false, false],
    ['?.txt', 'q.txt', false, true],
    ['?.txt', 'qq.txt', false, false],
    // Helm's default rule: hidden files directly in templates/ only.
    ['', 'templates/.hidden.yaml', false, true],
    ['', 'templates/nested/.hidden.yaml', false, false],
    ['', '.hidden', false, false],
    // A rule malformed past what helm checks when it reads it matches nothing.
    ['zz*[', 'zzfile', false, false],
    ['!zz*[', 'Chart.yaml', false, true],
  ])('%s: %s (folder: %s) is ignored: %s', (rule, path, isDirectory, expected) => {
    expect(rules(`${rule}\n`).ignores(path, isDirectory)).toBe(expected);
  });

  it('applies the rules in order: the first that matches ignores, a negated one that does not match ignores too', () => {
    const ordered = rules('*.txt\n!keep*\n');
    expect(ordered.ignores('keep.txt', false)).toBe(true);
    expect(ordered.ignores('keep.md', false)).toBe(false);
    expect(ordered.ignores('other.md', false)).toBe(true);
  });

  it('matches the catastrophic pattern against a 60-`a` name promptly, by base name and by path', () => {
    expect(rules(`${CATASTROPHIC}\n`).ignores(SIXTY_AS, false)).toBe(false);
    expect(rules(`${CATASTROPHIC}\n`).ignores(`deep/${SIXTY_AS}`, false)).toBe(false);
    expect(rules(`sub/${CATASTROPHIC}\n`).ignores(`sub/${SIXTY_AS}`, false)).toBe(false);
    expect(rules(`!${CATASTROPHIC}\n`).ignores(SIXTY_AS, false)).toBe(true);
    expect(rules(`${CATASTROPHIC}\n`).ignores(`${SIXTY_AS}b`, false)).toBe(true);
  }, 5000);

  it('reads lines as helm does: a BOM before the first, CRLF, and the white space Go trims', () => {
    const read = rules(Buffer.from('\ufeffbom.txt\r\n\u0085nel.txt\u3000\r\n\ufeffsecond-bom.txt\n# comment.txt\n  \t\n', 'utf8'));
    expect(read.ignores('bom.txt', false)).toBe(true);
    expect(read.ignores('nel.txt', false)).toBe(true);
    // Only the file's first line may start with a BOM; elsewhere it is part of the rule.
    expect(read.ignores('second-bom.txt', false)).toBe(false);
    expect(read.ignores('\ufeffsecond-bom.txt', false)).toBe(true);
    expect(read.ignores('# comment.txt', false)).toBe(false);
    expect(read.ignores('comment.txt', false)).toBe(false);
  });

  it.each([
    ['[', 1],
    ['[a-', 1],
    ['a\\', 1],
    ['[z-', 1],
    ['x[', 1],
    ['*.tmp\n!x\\', 2],
    ['*.tmp\n\n# why\ndocs/**/x', 4],
  ])('refuses %j as helm does, naming the file and line %i', (content, line) => {
    const rule = content.split('\n')[line - 1];
    const why = rule.includes('**') ? 'double-star (**) syntax is not supported' : 'it is not a valid pattern (syntax error in pattern)';
    expect(() => rules(`${content}\n`)).toThrow(
      `charts/lib/.helmignore:${line} has the rule ${JSON.stringify(rule)}, which helm rejects: ${why}. Fix or remove that line.`,
    );
  });

  it('refuses a class holding a byte that is not UTF-8, as Go does, and takes such a byte elsewhere literally', () => {
    expect(() => rules(Buffer.from([0x5b, 0xff, 0x5d, 0x0a]))).toThrow('charts/lib/.helmignore:1 has the rule');
    expect(() => rules(Buffer.from([0xff, 0x7a, 0x0a]))).not.toThrow();
  });

  it('refuses a line longer than helm reads, counting a \\r before the \\n', () => {
    const tooLong = 'charts/lib/.helmignore:2 is longer than helm reads (65535 bytes)';
    expect(() => rules(`x.txt\n${'a'.repeat(65536)}\n`)).toThrow(tooLong);
    expect(() => rules(`x.txt\n${'a'.repeat(65536)}`)).toThrow(tooLong);
    expect(() => rules(`x.txt\r\n${'a'.repeat(65535)}\r\n`)).toThrow(tooLong);
    expect(rules(`x.txt\n${'a'.repeat(65535)}\n`).ignores('x.txt', false)).toBe(true);
    expect(rules(`x.txt\r\n${'a'.repeat(65534)}\r\n`).ignores('x.txt', false)).toBe(true);
  });

  it('applies only the default rule without a .helmignore', () => {
    const defaults = readHelmignore(dir, 'charts/lib');
    expect(defaults.ignores('templates/.hidden', false)).toBe(true);
    expect(defaults.ignores('templates/x.yaml', false)).toBe(false);
  });
});
