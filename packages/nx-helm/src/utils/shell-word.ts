import { isAbsolute, relative, sep } from 'node:path';

/** Whether a shell takes this text as one word, with no character it would interpret. */
export function isPlainWord(text: string): boolean {
  return /^[\w@%+=:,./-]+$/.test(text);
}

/** A word for a shell command line: plain paths as they are, anything else single-quoted (nothing in it is run). */
export function shellWord(text: string): string {
  return isPlainWord(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A file for a command Nx runs in the workspace, as a shell word: relative to the workspace (the same in every
 * checkout, so in every task hash) unless it lies outside, then absolute.
 */
export function workspaceFileWord(workspaceRoot: string, file: string): string {
  const fromRoot = relative(workspaceRoot, file);
  return shellWord(fromRoot.startsWith('..') || isAbsolute(fromRoot) ? file : fromRoot.split(sep).join('/'));
}
