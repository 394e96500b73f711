/** Markdown and HTML for GitHub-flavoured markdown, with text that may hold anything made safe to embed. */

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Text for an HTML context (`<summary>`), where `<` would start a tag and `&` an entity. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => HTML_ENTITIES[character]);
}

/** Plain markdown text: HTML characters as entities, characters that start emphasis, links or code escaped. */
export function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/[\\`*_[\]#~]/g, (character) => `\\${character}`);
}

/** A code span that holds the text whatever backticks it contains: the delimiter is longer than any run in it. */
export function inlineCode(text: string): string {
  const delimiter = '`'.repeat(longestRun(text, '`') + 1);
  const padding = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${delimiter}${padding}${text}${padding}${delimiter}`;
}

/**
 * A fenced code block that holds the text whatever it contains: the fence is longer than any run of backticks in it,
 * so a diff of a template that holds ``` cannot close it early.
 */
export function fencedBlock(text: string, language = ''): string {
  const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
  return `${fence}${language}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

/** A table cell: `|` would end the cell even inside a code span, and a line break would end the row. */
export function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function tableRow(cells: readonly string[]): string {
  return `| ${cells.map(tableCell).join(' | ')} |`;
}

function longestRun(text: string, character: string): number {
  let longest = 0;
  let current = 0;
  for (const each of text) {
    current = each === character ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}
