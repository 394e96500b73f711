/** A word for a shell command line: plain paths as they are, anything else single-quoted (nothing in it is run). */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
