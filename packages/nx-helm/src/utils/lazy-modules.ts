/**
 * Libraries loaded on first use and then kept. Tasks usually take their charts from the graph's cache and never need a
 * YAML parser, so these are not imported at the top of the modules that use them. Each is required once: in Nx's
 * plugin workers a `require` call resolves the module's path again (file lookups), and one call per parsed field made
 * createNodes of a thousand charts take 2.8 s instead of 0.75 s.
 */
let yamlModule: typeof import('yaml') | undefined;
let parseVersionFunction: typeof import('semver/functions/parse') | undefined;
let satisfiesFunction: typeof import('semver/functions/satisfies') | undefined;
let validRangeFunction: typeof import('semver/ranges/valid') | undefined;
let compareBuildFunction: typeof import('semver/functions/compare-build') | undefined;

export function yaml(): typeof import('yaml') {
  return (yamlModule ??= require('yaml') as typeof import('yaml'));
}

export function semverParse(): typeof import('semver/functions/parse') {
  return (parseVersionFunction ??= require('semver/functions/parse') as typeof import('semver/functions/parse'));
}

export function semverSatisfies(): typeof import('semver/functions/satisfies') {
  return (satisfiesFunction ??= require('semver/functions/satisfies') as typeof import('semver/functions/satisfies'));
}

export function semverValidRange(): typeof import('semver/ranges/valid') {
  return (validRangeFunction ??= require('semver/ranges/valid') as typeof import('semver/ranges/valid'));
}

export function semverCompareBuild(): typeof import('semver/functions/compare-build') {
  return (compareBuildFunction ??= require('semver/functions/compare-build') as typeof import('semver/functions/compare-build'));
}
