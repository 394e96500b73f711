import type { ChartDependency } from './chart-model';

/**
 * Names dependencies for a message, each chart once: aliased copies of one chart (same name, version and repository)
 * are one entry with their aliases, e.g. `"memcached" (as "sessions", "cache") 6.1.0 from https://…`.
 */
export function describeDependencies(dependencies: readonly ChartDependency[], options: { withSource?: boolean } = {}): string {
  const groups = new Map<string, { dependency: ChartDependency; aliases: string[] }>();
  for (const dependency of dependencies) {
    const key = `${dependency.name}\0${dependency.version ?? ''}\0${dependency.repository ?? ''}`;
    const group = groups.get(key) ?? { dependency, aliases: [] };
    if (dependency.alias && !group.aliases.includes(dependency.alias)) group.aliases.push(dependency.alias);
    groups.set(key, group);
  }
  return [...groups.values()]
    .map(({ dependency, aliases }) => {
      const alias = aliases.length > 0 ? ` (as ${aliases.map((name) => `"${name}"`).join(', ')})` : '';
      const source = options.withSource ? `${dependency.version ? ` ${dependency.version}` : ''} from ${dependency.repository}` : '';
      return `"${dependency.name}"${alias}${source}`;
    })
    .join(', ');
}
