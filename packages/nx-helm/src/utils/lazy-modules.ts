/**
 * Libraries loaded on first use and then kept. Tasks usually take their charts from the graph's cache and never need a
 * YAML parser, so these are not imported at the top of the modules that use them. Each is required once: in Nx's
 * plugin workers a `require` call resolves the module's path again (file lookups), and one call per parsed field made
 * createNodes of a thousand charts take 2.8 s instead of 0.75 s.
 */
function once<T>(load: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= load());
}

export const yaml = once(() => require('yaml') as typeof import('yaml'));
export const semverParse = once(() => require('semver/functions/parse') as typeof import('semver/functions/parse'));
export const semverSatisfies = once(() => require('semver/functions/satisfies') as typeof import('semver/functions/satisfies'));
export const semverValidRange = once(() => require('semver/ranges/valid') as typeof import('semver/ranges/valid'));
export const semverCompareBuild = once(() => require('semver/functions/compare-build') as typeof import('semver/functions/compare-build'));
