import satisfies from 'semver/functions/satisfies';
import validRange from 'semver/ranges/valid';

/**
 * Whether `version` satisfies a Helm dependency constraint. Helm uses Masterminds/semver, whose syntax is close to
 * npm's except that it also accepts commas between AND-ed comparators (">= 1.2, < 2.0"); those are translated.
 * A missing constraint accepts any version. An unreadable constraint returns false: we cannot claim the local chart
 * is the one used.
 */
export function satisfiesConstraint(version: string, constraint: string | undefined): boolean {
  if (constraint === undefined || constraint.trim() === '' || constraint.trim() === '*') {
    return true;
  }
  const range = constraint.replace(/\s*,\s*/g, ' ').trim();
  if (validRange(range) === null) {
    return false;
  }
  return satisfies(version, range);
}
