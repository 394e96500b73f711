import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { NxHelmError } from '../utils/nx-helm-error';

/**
 * Helm's `.helmignore` rules, as its loader applies them when it reads a chart folder (helm's pkg/ignore). They are
 * not .gitignore rules: a negated rule that does *not* match ignores the file, there is no `**`, and a pattern
 * without a slash is matched against the base name only. Reproduced exactly, because the subcharts nx-helm archives
 * itself must contain the files helm would have put in them.
 */
export interface HelmignoreRules {
  ignores(relativePath: string, isDirectory: boolean): boolean;
}

interface Pattern {
  negate: boolean;
  mustDir: boolean;
  match: (path: string) => boolean;
}

/** Hidden files in templates/ are never part of a chart (helm's default rule). */
const DEFAULT_RULES = ['templates/.?*'];

/** The rules of the chart in `chartDir`: its .helmignore followed by helm's default rule. */
export function readHelmignore(chartDir: string, displayDir: string): HelmignoreRules {
  const file = join(chartDir, '.helmignore');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split(/\r?\n/) : [];
  const patterns: Pattern[] = [];
  lines.forEach((line, index) => {
    const pattern = parseRule(line, `${displayDir}/.helmignore`, index + 1);
    if (pattern) patterns.push(pattern);
  });
  for (const rule of DEFAULT_RULES) patterns.push(parseRule(rule, 'helm', 0)!);
  return { ignores: (path, isDirectory) => ignores(patterns, path, isDirectory) };
}

function ignores(patterns: Pattern[], path: string, isDirectory: boolean): boolean {
  if (path === '' || path === '.' || path === './') return false;
  for (const pattern of patterns) {
    if (pattern.negate) {
      if (pattern.mustDir && !isDirectory) return true;
      if (!pattern.match(path)) return true;
      continue;
    }
    if (pattern.mustDir && !isDirectory) continue;
    if (pattern.match(path)) return true;
  }
  return false;
}

function parseRule(line: string, file: string, lineNumber: number): Pattern | undefined {
  let rule = line.trim();
  if (rule === '' || rule.startsWith('#')) return undefined;
  const fail = (why: string) =>
    new NxHelmError(`${file}:${lineNumber} has the rule ${JSON.stringify(rule)}, which helm rejects: ${why}. Fix or remove that line.`, {
      file,
      line: lineNumber,
    });
  if (rule.includes('**')) throw fail('double-star (**) syntax is not supported');
  if (!globToRegExp(rule)) throw fail('it is not a valid pattern');
  const negate = rule.startsWith('!');
  if (negate) rule = rule.slice(1);
  const mustDir = rule.endsWith('/');
  if (mustDir) rule = rule.slice(0, -1);
  const anchored = rule.startsWith('/') ? rule.slice(1) : rule;
  const regExp = globToRegExp(anchored);
  const byBaseName = !rule.includes('/');
  return {
    negate,
    mustDir,
    match: (path) => (regExp ? regExp.test(byBaseName ? posix.basename(path) : path) : false),
  };
}

/**
 * Go's filepath.Match as a regular expression: `*` and `?` never match `/`, `[...]` classes with `^` negation and
 * ranges, `\` escapes. Undefined for a malformed pattern (Go's ErrBadPattern).
 */
export function globToRegExp(pattern: string): RegExp | undefined {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '\\') {
      index++;
      if (index >= pattern.length) return undefined;
      source += escapeRegExp(pattern[index]);
    } else if (char === '[') {
      const end = classEnd(pattern, index + 1);
      if (end === undefined) return undefined;
      let body = pattern.slice(index + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      if (body === '') return undefined;
      source += `[${negated ? '^/' : ''}${classBody(body)}]`;
      index = end;
    } else {
      source += escapeRegExp(char);
    }
  }
  try {
    return new RegExp(`^${source}$`);
  } catch {
    return undefined;
  }
}

/** Index of the `]` closing a class that starts at `start` (after the `[`), honouring escapes. */
function classEnd(pattern: string, start: number): number | undefined {
  let index = start;
  if (pattern[index] === '^') index++;
  for (; index < pattern.length; index++) {
    if (pattern[index] === '\\') index++;
    else if (pattern[index] === ']') return index;
  }
  return undefined;
}

/** A class body for RegExp: escapes kept as literals, ranges (`a-z`) kept as ranges. */
function classBody(body: string): string {
  let result = '';
  for (let index = 0; index < body.length; index++) {
    if (body[index] === '\\') {
      index++;
      result += `\\${body[index]}`;
    } else {
      result += /[\]^\\[]/.test(body[index]) ? `\\${body[index]}` : body[index];
    }
  }
  return result;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
