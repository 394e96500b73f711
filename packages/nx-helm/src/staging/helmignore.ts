import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NxHelmError } from '../utils/nx-helm-error';
import { checkRegularFile } from '../utils/regular-file';

/**
 * Helm's `.helmignore` rules, as its loader applies them when it reads a chart folder (helm's pkg/ignore). They are
 * not .gitignore rules: a negated rule that does *not* match ignores the file, there is no `**`, and a pattern
 * without a slash is matched against the base name only. Reproduced exactly, because the subcharts nx-helm archives
 * itself must contain the files helm would have put in them.
 */
export interface HelmignoreRules {
  ignores(relativePath: string, isDirectory: boolean): boolean;
  /**
   * What leaves a path out, itself or a folder it is in (helm does not enter an ignored folder): helm's own rule when
   * it does, else the first line of .helmignore that does, else undefined (the path is kept). Each rule decides on its
   * own, so that line is the one to change.
   */
  ignoredBy(relativePath: string, isDirectory: boolean): IgnoringRule | 'helm' | undefined;
}

/** A line of a .helmignore: its number and its rule as written (trimmed). */
export interface IgnoringRule {
  line: number;
  rule: string;
}

interface Pattern {
  /** The line of .helmignore, 0 for helm's own rules. */
  line: number;
  /** The rule as written, trimmed. */
  text: string;
  negate: boolean;
  mustDir: boolean;
  /** The pattern as filepath.Match gets it: without `!`, the trailing `/` and a leading `/`. */
  glob: Uint8Array;
  byBaseName: boolean;
}

/** Hidden files in templates/ are never part of a chart (helm's default rule). */
const DEFAULT_RULES = ['templates/.?*'];

/** The longest line helm's reader (Go's bufio.Scanner) takes; a longer one fails the whole chart. */
const MAX_LINE_BYTES = 64 * 1024 - 1;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The rules of the chart in `chartDir`: its .helmignore followed by helm's default rule. */
export function readHelmignore(chartDir: string, displayDir: string): HelmignoreRules {
  const file = join(chartDir, '.helmignore');
  const shownFile = `${displayDir}/.helmignore`;
  const patterns: Pattern[] = [];
  if (existsSync(file)) {
    checkRegularFile(file, shownFile);
    splitLines(readFileSync(file)).forEach((line, index) => {
      if (line.length > MAX_LINE_BYTES) {
        throw new NxHelmError(
          `${shownFile}:${index + 1} is longer than helm reads (${MAX_LINE_BYTES} bytes): helm fails on it with "bufio.Scanner: token too long". ` +
            'Shorten or remove that line.',
          { file: shownFile, line: index + 1 },
        );
      }
      const pattern = parseRule(index === 0 ? withoutPrefix(line, UTF8_BOM) : line, shownFile, index + 1);
      if (pattern) patterns.push(pattern);
    });
  }
  const defaults = DEFAULT_RULES.map((rule) => parseRule(Buffer.from(rule), 'helm', 0)!);
  const all = [...patterns, ...defaults];
  // The first rule of `rules` that ignores the path or one of the folders it is in.
  const firstIgnoring = (rules: Pattern[], path: string, isDirectory: boolean) => {
    const parts = path.split('/');
    const found = parts
      .map((_, index) => decidingPattern(rules, parts.slice(0, index + 1).join('/'), index < parts.length - 1 || isDirectory))
      .filter((pattern) => pattern !== undefined);
    return found.length === 0 ? undefined : found.reduce((first, pattern) => (pattern.line < first.line ? pattern : first));
  };
  return {
    ignores: (path, isDirectory) => decidingPattern(all, path, isDirectory) !== undefined,
    ignoredBy: (path, isDirectory) => {
      if (firstIgnoring(defaults, path, isDirectory)) return 'helm';
      const pattern = firstIgnoring(patterns, path, isDirectory);
      return pattern && { line: pattern.line, rule: pattern.text };
    },
  };
}

/**
 * The pattern that ignores a path, as helm's Ignore walks them: the first that decides; undefined when none does
 * (the path is kept). A rule's decision does not depend on the others.
 */
function decidingPattern(patterns: Pattern[], path: string, isDirectory: boolean): Pattern | undefined {
  if (path === '' || path === '.' || path === './') return undefined;
  const fullPath = Buffer.from(path, 'utf8');
  const baseName = Buffer.from(baseNameOf(path), 'utf8');
  // A pattern that is malformed past the part helm checks when it reads the rule matches nothing (helm logs it).
  const matches = (pattern: Pattern) => match(pattern.glob, pattern.byBaseName ? baseName : fullPath) === true;
  for (const pattern of patterns) {
    if (pattern.negate) {
      if (pattern.mustDir && !isDirectory) return pattern;
      if (!matches(pattern)) return pattern;
      continue;
    }
    if (pattern.mustDir && !isDirectory) continue;
    if (matches(pattern)) return pattern;
  }
  return undefined;
}

/** Go's filepath.Base: the last element, trailing slashes aside. */
function baseNameOf(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  if (end === 0) return path === '' ? '.' : '/';
  return path.slice(path.lastIndexOf('/', end - 1) + 1, end);
}

function parseRule(line: Buffer, file: string, lineNumber: number): Pattern | undefined {
  let rule = trimSpace(line);
  if (rule.length === 0 || rule[0] === HASH) return undefined;
  const text = rule.toString('utf8');
  const fail = (why: string) => {
    const shown = JSON.stringify(rule.toString('utf8'));
    return new NxHelmError(`${file}:${lineNumber} has the rule ${shown}, which helm rejects: ${why}. Fix or remove that line.`, {
      file,
      line: lineNumber,
    });
  };
  if (rule.includes('**')) throw fail('double-star (**) syntax is not supported');
  // Helm's own check: the whole rule, `!` and `/` included, against a non-empty name. Go's Match stops at the first
  // chunk that cannot match, so a malformed part after it passes here (and never matches later).
  if (match(rule, ABC) === undefined) throw fail('it is not a valid pattern (syntax error in pattern)');
  const negate = rule[0] === EXCLAMATION;
  if (negate) rule = rule.subarray(1);
  const mustDir = rule.length > 0 && rule[rule.length - 1] === SLASH;
  if (mustDir) rule = rule.subarray(0, -1);
  const byBaseName = !rule.includes(SLASH);
  if (rule[0] === SLASH) rule = rule.subarray(1);
  return { line: lineNumber, text, negate, mustDir, glob: rule, byBaseName };
}

/**
 * Lines as Go's bufio.Scanner cuts them, at `\n`, with no empty last line. A `\r` before the `\n` stays: it counts
 * towards the line's length, as in Go, and trimSpace drops it.
 */
function splitLines(content: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < content.length) {
    const newline = content.indexOf(NEWLINE, start);
    const end = newline < 0 ? content.length : newline;
    lines.push(content.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

function withoutPrefix(line: Buffer, prefix: Buffer): Buffer {
  return line.subarray(0, prefix.length).equals(prefix) ? line.subarray(prefix.length) : line;
}

/** Go's unicode.IsSpace runes, UTF-8 encoded. */
const SPACES = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006]
  .concat([0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000])
  .map((rune) => Buffer.from(String.fromCodePoint(rune), 'utf8'));

/**
 * Go's strings.TrimSpace. Not String.prototype.trim, which also trims U+FEFF and keeps U+0085: helm reads such lines
 * differently.
 */
function trimSpace(line: Buffer): Buffer {
  let start = 0;
  let end = line.length;
  const fits = (space: Buffer) => end - start >= space.length;
  const leading = () => SPACES.find((space) => fits(space) && line.subarray(start, start + space.length).equals(space));
  const trailing = () => SPACES.find((space) => fits(space) && line.subarray(end - space.length, end).equals(space));
  for (let space = leading(); space; space = leading()) start += space.length;
  for (let space = trailing(); space; space = trailing()) end -= space.length;
  return line.subarray(start, end);
}

/**
 * Go's path/filepath.Match (as on Linux, where `/` is the separator and `\` escapes): whether `name` matches the
 * shell pattern, or undefined where Go returns ErrBadPattern.
 *
 * - `*` matches any run of characters but `/`, `?` any one character but `/`;
 * - `[abc]`, `[a-z]`, `[^a-z]` match one character in (or, with `^`, not in) the class, `/` included;
 * - `\c` matches `c`, also inside a class.
 *
 * Not a regular expression: Go's algorithm never returns to an earlier `*`, so it takes time proportional to the
 * pattern's length times the name's, where a backtracking RegExp can take exponential time (`*a*a*a*a*a*a*a*a*a*a*b`
 * against a long run of `a`s).
 */
export function filepathMatch(pattern: string, name: string): boolean | undefined {
  return match(Buffer.from(pattern, 'utf8'), Buffer.from(name, 'utf8'));
}

const NEWLINE = 0x0a;
const EXCLAMATION = 0x21;
const HASH = 0x23;
const STAR = 0x2a;
const DASH = 0x2d;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const OPEN_CLASS = 0x5b;
const BACKSLASH = 0x5c;
const CLOSE_CLASS = 0x5d;
const CARET = 0x5e;
const ABC = Buffer.from('abc');

/** matchChunk's results besides the index in the name where the matched part ends. */
const NO_MATCH = -1;
const BAD_PATTERN = -2;

/** Go's Match on bytes; the slices Go passes around are index ranges here. */
function match(pattern: Uint8Array, name: Uint8Array): boolean | undefined {
  let rest = 0;
  let at = 0;
  nextChunk: while (rest < pattern.length) {
    const { star, chunkStart, chunkEnd } = scanChunk(pattern, rest);
    rest = chunkEnd;
    if (star && chunkStart === chunkEnd) {
      // A trailing * matches the rest of the name unless it has a /.
      return name.indexOf(SLASH, at) < 0;
    }
    // A match at the current position; the last chunk must also use up the name.
    const matched = matchChunk(pattern, chunkStart, chunkEnd, name, at);
    if (matched >= 0 && (matched === name.length || rest < pattern.length)) {
      at = matched;
      continue;
    }
    if (matched === BAD_PATTERN) return undefined;
    if (star) {
      // The star takes one more byte each time, never a /.
      for (let skip = at; skip < name.length && name[skip] !== SLASH; skip++) {
        const later = matchChunk(pattern, chunkStart, chunkEnd, name, skip + 1);
        if (later >= 0) {
          if (rest === pattern.length && later < name.length) continue;
          at = later;
          continue nextChunk;
        }
        if (later === BAD_PATTERN) return undefined;
      }
    }
    return false;
  }
  return at === name.length;
}

/** Go's scanChunk: the next run of the pattern without a `*` (outside a class), after any `*`s before it. */
function scanChunk(pattern: Uint8Array, start: number): { star: boolean; chunkStart: number; chunkEnd: number } {
  let index = start;
  let star = false;
  while (index < pattern.length && pattern[index] === STAR) {
    index++;
    star = true;
  }
  const chunkStart = index;
  let inRange = false;
  for (; index < pattern.length; index++) {
    switch (pattern[index]) {
      case BACKSLASH:
        // A `\` at the end is matchChunk's to report.
        if (index + 1 < pattern.length) index++;
        break;
      case OPEN_CLASS:
        inRange = true;
        break;
      case CLOSE_CLASS:
        inRange = false;
        break;
      case STAR:
        if (!inRange) return { star, chunkStart, chunkEnd: index };
    }
  }
  return { star, chunkStart, chunkEnd: pattern.length };
}

/**
 * Go's matchChunk: whether the chunk `pattern[start:end]` matches the name from `at` on, returning where the match
 * ends in the name, NO_MATCH, or BAD_PATTERN. After a mismatch it reads on through the chunk (not the name), so that a
 * malformed chunk is reported whether or not it matches.
 */
function matchChunk(pattern: Uint8Array, start: number, end: number, name: Uint8Array, at: number): number {
  let index = start;
  let position = at;
  let failed = false;
  while (index < end) {
    failed = failed || position === name.length;
    switch (pattern[index]) {
      case OPEN_CLASS: {
        let rune = 0;
        if (!failed) {
          const decoded = decodeRune(name, position, name.length);
          rune = decoded.rune;
          position += decoded.size;
        }
        index++;
        let negated = false;
        if (index < end && pattern[index] === CARET) {
          negated = true;
          index++;
        }
        let inClass = false;
        let ranges = 0;
        for (;;) {
          if (index < end && pattern[index] === CLOSE_CLASS && ranges > 0) {
            index++;
            break;
          }
          const low = getEsc(pattern, index, end);
          if (!low) return BAD_PATTERN;
          index = low.next;
          let high = low.rune;
          if (pattern[index] === DASH) {
            const upper = getEsc(pattern, index + 1, end);
            if (!upper) return BAD_PATTERN;
            index = upper.next;
            high = upper.rune;
          }
          inClass = inClass || (low.rune <= rune && rune <= high);
          ranges++;
        }
        failed = failed || inClass === negated;
        break;
      }
      case QUESTION:
        if (!failed) {
          failed = name[position] === SLASH;
          position += decodeRune(name, position, name.length).size;
        }
        index++;
        break;
      default:
        if (pattern[index] === BACKSLASH) {
          // An escaped character is matched as it is.
          index++;
          if (index === end) return BAD_PATTERN;
        }
        if (!failed) {
          failed = pattern[index] !== name[position];
          position++;
        }
        index++;
    }
  }
  return failed ? NO_MATCH : position;
}

/** Go's getEsc: a possibly escaped character of a class at `pattern[start]`, undefined where Go's is ErrBadPattern. */
function getEsc(pattern: Uint8Array, start: number, end: number): { rune: number; next: number } | undefined {
  let index = start;
  if (index >= end || pattern[index] === DASH || pattern[index] === CLOSE_CLASS) return undefined;
  if (pattern[index] === BACKSLASH) {
    index++;
    if (index >= end) return undefined;
  }
  const { rune, size } = decodeRune(pattern, index, end);
  if (rune === RUNE_ERROR && size === 1) return undefined;
  // A class must go on to its `]`.
  if (index + size >= end) return undefined;
  return { rune, next: index + size };
}

const RUNE_ERROR = 0xfffd;

/** Go's utf8.DecodeRune of `bytes[start:end]` (not empty): an invalid or cut-off sequence is RUNE_ERROR of size 1. */
function decodeRune(bytes: Uint8Array, start: number, end: number): { rune: number; size: number } {
  const first = bytes[start];
  if (first < 0x80) return { rune: first, size: 1 };
  const invalid = { rune: RUNE_ERROR, size: 1 };
  const continuation = (offset: number, low = 0x80, high = 0xbf) =>
    start + offset < end && bytes[start + offset] >= low && bytes[start + offset] <= high;
  if (first >= 0xc2 && first <= 0xdf) {
    return continuation(1) ? { rune: ((first & 0x1f) << 6) | (bytes[start + 1] & 0x3f), size: 2 } : invalid;
  }
  if (first >= 0xe0 && first <= 0xef) {
    // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
    const secondOk = continuation(1, first === 0xe0 ? 0xa0 : 0x80, first === 0xed ? 0x9f : 0xbf);
    if (!secondOk || !continuation(2)) return invalid;
    return { rune: ((first & 0x0f) << 12) | ((bytes[start + 1] & 0x3f) << 6) | (bytes[start + 2] & 0x3f), size: 3 };
  }
  if (first >= 0xf0 && first <= 0xf4) {
    // No overlong forms (F0 80..8F) and nothing past U+10FFFF (F4 90..BF).
    const secondOk = continuation(1, first === 0xf0 ? 0x90 : 0x80, first === 0xf4 ? 0x8f : 0xbf);
    if (!secondOk || !continuation(2) || !continuation(3)) return invalid;
    const rune = ((first & 0x07) << 18) | ((bytes[start + 1] & 0x3f) << 12) | ((bytes[start + 2] & 0x3f) << 6) | (bytes[start + 3] & 0x3f);
    return { rune, size: 4 };
  }
  return invalid;
}
