/**
 * The part of a chart's CHANGELOG.md about `version`: from its heading (`## 1.2.0 (2026-12-01)`, `# web 1.2.0`,
 * `## [1.2.0]`, as Nx and hand-written changelogs write them) to the next heading of the same or a higher level,
 * without the heading itself. Undefined when the changelog has no section for it.
 */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/);
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const heading = new RegExp(`^(#{1,6})\\s.*(?<![\\w.-])\\[?v?${escaped}\\]?(?![\\w.-])`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start === -1) return undefined;
  const level = heading.exec(lines[start])![1].length;
  const end = lines.findIndex((line, index) => index > start && /^(#{1,6})\s/.test(line) && /^#+/.exec(line)![0].length <= level);
  const section = lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join('\n')
    .trim();
  return section === '' ? undefined : section;
}
