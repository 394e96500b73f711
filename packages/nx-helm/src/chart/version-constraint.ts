import { withSmallVersionNumbers } from './version-numbers';
import { semverSatisfies, semverValidRange } from '../utils/lazy-modules';

/**
 * Whether `version` satisfies a Helm dependency constraint. Helm uses Masterminds/semver, whose syntax is close to
 * npm's except that it also accepts commas between AND-ed comparators (">= 1.2, < 2.0"); those are translated.
 * A missing constraint accepts any version. An unreadable constraint returns false: we cannot claim the local chart
 * is the one used.
 */
export function satisfiesConstraint(version: string, constraint: string | undefined): boolean {
  const trimmed = constraint?.trim() ?? '';
  if (trimmed === '' || trimmed === '*') {
    return true;
  }
  // The common pin needs no range parser (which tasks would otherwise load for every chart with dependencies).
  if (trimmed === version || trimmed === `=${version}`) {
    return true;
  }
  const satisfies = semverSatisfies();
  const validRange = semverValidRange();
  const comparable = withSmallVersionNumbers([version, trimmed.replace(/\s*,\s*/g, ' ')]);
  if (comparable === undefined || validRange(comparable[1]) === null) {
    return false;
  }
  return satisfies(comparable[0], comparable[1]);
}
