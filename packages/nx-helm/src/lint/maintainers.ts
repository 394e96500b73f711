/**
 * chart-testing's maintainer rules (validate-maintainers), without its online part: a chart that is not deprecated
 * names at least one maintainer, each with a name; a deprecated chart names none. ct also asks GitHub (or GitLab,
 * Bitbucket) whether each name is an account; that needs the network and an API token, so it is not done.
 */
export function checkMaintainers(chart: { deprecated?: unknown; maintainers?: unknown }): string | undefined {
  const maintainers = Array.isArray(chart.maintainers) ? chart.maintainers : [];
  if (chart.deprecated === true) {
    return maintainers.length > 0 ? 'the chart is deprecated but names maintainers: remove them (ct requires it)' : undefined;
  }
  if (maintainers.length === 0) {
    return 'the chart names no maintainers: add `maintainers:` with at least one `- name: <account>`';
  }
  const unnamed = maintainers.findIndex(
    (maintainer) =>
      typeof (maintainer as { name?: unknown } | null)?.name !== 'string' || (maintainer as { name: string }).name.trim() === '',
  );
  if (unnamed >= 0) {
    return `maintainers[${unnamed}] has no name: give each maintainer \`name: <account>\``;
  }
  return undefined;
}
