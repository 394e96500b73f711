/** The known name a misspelled one most likely meant, when it is close enough to say so; otherwise undefined. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  // Loaded only for a misspelling.
  const { closest, distance } = require('fastest-levenshtein') as typeof import('fastest-levenshtein');
  const suggestion = closest(name, [...known]);
  return distance(name.toLowerCase(), suggestion.toLowerCase()) <= Math.max(2, Math.floor(suggestion.length / 3)) ? suggestion : undefined;
}
