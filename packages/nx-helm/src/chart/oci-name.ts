/**
 * One path component of an OCI repository name, as the distribution spec defines it: lower-case letters and digits,
 * separated by one `.`, one or two `_`, or any number of `-`. Helm accepts more in a chart name (`my..chart`,
 * `my_-chart`), which then fails only when pushed, with the registry's "name invalid".
 */
export const OCI_NAME_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

/** Why the chart name cannot be an OCI repository name, with a name that can; undefined when it can. */
export function ociNameProblem(name: string): { reason: string; suggestion: string } | undefined {
  if (OCI_NAME_COMPONENT.test(name)) return undefined;
  const suggestion =
    name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean)
      .join('-') || 'chart';
  const reason = /[A-Z]/.test(name)
    ? 'it has upper-case letters'
    : /^[^a-z0-9]|[^a-z0-9]$/.test(name)
      ? 'it starts or ends with a separator'
      : /[^a-z0-9._-]/.test(name)
        ? 'it has characters other than lower-case letters, digits, ".", "_" and "-"'
        : 'it joins words with a separator OCI names do not allow (only one ".", one or two "_", or dashes)';
  return { reason, suggestion };
}
