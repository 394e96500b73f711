/** The largest MAJOR, MINOR or PATCH helm reads: Masterminds/semver parses them as uint64. */
export const MAX_HELM_VERSION_NUMBER = 18446744073709551615n;

/**
 * The numbers of a version core (`1`, `1.2`, `1.2.3`, with `x` or `*` parts) in a version or constraint: not those of
 * a prerelease or build part (after `-`, `+` or `.`), nor of a word.
 */
const CORE = /(^|[^0-9A-Za-z.+-])(v?)((?:\d+|[xX*])(?:\.(?:\d+|[xX*])){0,2})/g;

/**
 * The versions and constraints given, for the semver package, which refuses a version core number above
 * Number.MAX_SAFE_INTEGER (2^53 - 1) where helm reads any uint64 (up to 2^64 - 1): when one is larger, every core number
 * is written as twice its rank among them all, so that order and equality hold, 0 stays 0 (which `^` treats apart),
 * and a number plus one (which `^`, `~`, `>` and `.x` produce) still lies between it and the next. Comparing the
 * results is comparing the originals. The texts come back as they are when every number is small, and undefined when
 * one is above what helm reads.
 */
export function withSmallVersionNumbers(texts: readonly string[]): string[] | undefined {
  const numbers = new Set<bigint>([0n]);
  let large = false;
  for (const text of texts) {
    for (const digits of coreNumbers(text)) {
      const number = BigInt(digits);
      if (number > MAX_HELM_VERSION_NUMBER) return undefined;
      large ||= number > BigInt(Number.MAX_SAFE_INTEGER);
      numbers.add(number);
    }
  }
  if (!large) return [...texts];
  const ranks = new Map([...numbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((number, rank) => [number, String(2 * rank)]));
  return texts.map((text) =>
    text.replace(
      CORE,
      (_, before: string, prefix: string, core: string) =>
        // A leading zero stays: the version it is in is invalid, and must stay so.
        `${before}${prefix}${core.replace(/\d+/g, (digits) => (/^0\d/.test(digits) ? digits : ranks.get(BigInt(digits))!))}`,
    ),
  );
}

function coreNumbers(text: string): string[] {
  return [...text.matchAll(CORE)].flatMap((match) => match[3].match(/\d+/g) ?? []);
}
