import { satisfiesConstraint } from '../chart/version-constraint';

export interface ConstraintUpdate {
  /** The constraint to write. */
  constraint: string;
  /** How it was rewritten, for the release log. */
  how: 'pinned' | 'range-rewritten' | 'range-replaced';
}

/** One comparator of a Helm (Masterminds/semver) constraint: operator, spacing and version as written. */
const COMPARATOR =
  /(!=|>=|<=|~>|>|<|=|\^|~)?(\s*)(v?)(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?/g;

interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
}

/**
 * The constraint a dependent should have on a workspace chart that is released as `newVersion`, or undefined when the
 * current one can stay:
 * - an exact pin (`1.2.3`, `=1.2.3`) becomes the new version;
 * - a range (`^1.2.0`, `~1.2`, `1.2.*`, `>= 1.2, < 2.0`, `a || b`) is left alone while it accepts the new version;
 *   otherwise its versions are rewritten in place, keeping the operators, the spacing and the precision of each
 *   (`^0.1.0` → `^0.2.0`, `1.2.*` → `1.3.*`, `>=1.0.0 <2.0.0` → `>=2.0.0 <3.0.0`);
 * - a form that cannot be rewritten so that it accepts the new version is replaced by the version itself.
 * No constraint, or `*`, accepts every version and stays.
 */
export function updatedConstraint(constraint: string | undefined, newVersion: string): ConstraintUpdate | undefined {
  const current = constraint?.trim() ?? '';
  if (current === '' || current === '*') return undefined;
  const next = parseVersion(newVersion);
  if (!next) {
    throw new Error(`"${newVersion}" is not a SemVer version.`);
  }
  if (isExactPin(current)) {
    const pinned = current.replace(/^(=?\s*v?).*$/s, `$1${newVersion}`);
    return pinned === current ? undefined : { constraint: pinned, how: 'pinned' };
  }
  if (satisfiesConstraint(newVersion, current)) return undefined;
  const alternatives = current.split('||');
  // The newest alternative (the last, by convention) is the one moved forward; the others keep matching what they did.
  const last = alternatives.length - 1;
  const rewritten = rewriteAlternative(alternatives[last], next);
  if (rewritten !== undefined) {
    const candidate = [...alternatives.slice(0, last), rewritten].join('||');
    if (satisfiesConstraint(newVersion, candidate)) {
      return { constraint: candidate, how: 'range-rewritten' };
    }
  }
  return { constraint: newVersion, how: 'range-replaced' };
}

function isExactPin(constraint: string): boolean {
  return /^=?\s*v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(constraint);
}

/** One AND-ed set of comparators with its versions moved to `next`; undefined for a form this does not rewrite. */
function rewriteAlternative(alternative: string, next: Version): string | undefined {
  if (/\s-\s/.test(alternative)) return undefined; // hyphen ranges: replaced by the version
  const comparators = [...alternative.matchAll(COMPARATOR)];
  if (comparators.length === 0) return undefined;
  const lower = comparators.find((match) => match[1] === '>=' || match[1] === '>');
  let result = '';
  let position = 0;
  for (const match of comparators) {
    const [text, operator = '', spacing, prefix] = match;
    result += alternative.slice(position, match.index);
    position = match.index + text.length;
    const parts = [match[4], match[5], match[6]];
    let version: string;
    switch (operator) {
      case '<': {
        // An upper bound keeps its distance to the lower bound: the next major, minor or patch above the new version.
        const level = lower ? boundLevel(parts, [lower[4], lower[5], lower[6]]) : 'major';
        const bound =
          level === 'major'
            ? { major: next.major + 1, minor: 0, patch: 0 }
            : level === 'minor'
              ? { major: next.major, minor: next.minor + 1, patch: 0 }
              : { major: next.major, minor: next.minor, patch: next.patch + 1 };
        version = formatLike(parts, bound);
        break;
      }
      case '!=':
        version = parts.filter((part) => part !== undefined).join('.');
        break;
      default:
        version = formatLike(parts, next);
    }
    const newOperator = operator === '>' ? '>=' : operator;
    result += `${newOperator}${spacing}${prefix}${version}`;
  }
  return result + alternative.slice(position);
}

/** Which part of the version an upper bound counts in, seen from its lower bound (`>=1.2.0 <2.0.0` counts majors). */
function boundLevel(upper: Array<string | undefined>, lower: Array<string | undefined>): 'major' | 'minor' | 'patch' {
  const number = (part: string | undefined) => (part === undefined || !/^\d+$/.test(part) ? 0 : Number(part));
  if (number(upper[0]) !== number(lower[0])) return 'major';
  if (number(upper[1]) !== number(lower[1])) return 'minor';
  return 'patch';
}

/**
 * `version` written with the precision and wildcards of `parts` (a version as written in a constraint): `1.2` stays
 * two numbers, `1.2.*` keeps its wildcard. A prerelease is always written in full, as only an exact prerelease matches.
 */
function formatLike(parts: Array<string | undefined>, version: Version): string {
  if (version.prerelease) return `${version.major}.${version.minor}.${version.patch}-${version.prerelease}`;
  const numbers = [version.major, version.minor, version.patch];
  return parts
    .map((part, index) => (part === undefined ? undefined : /^[xX*]$/.test(part) ? part : String(numbers[index])))
    .filter((part) => part !== undefined)
    .join('.');
}

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] } : undefined;
}
