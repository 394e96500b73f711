import { NxHelmError } from '../utils/nx-helm-error';
import { closestName } from '../utils/closest-name';

/** Names of environment variables, as every `…Env` option must be. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a text is the name of an environment variable (letters, digits and _, not starting with a digit). */
export function isVariableName(text: string): boolean {
  return ENV_NAME.test(text);
}

/**
 * Token formats that also pass as variable names (`ghp_…` is letters, digits and `_`): GitHub, GitLab, Docker Hub,
 * npm, Hugging Face, Slack, AWS access keys, Google API keys and OAuth tokens.
 */
const TOKEN_FORMATS = [
  /^(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}$/,
  /^glpat-/,
  /^dckr_pat_/,
  /^npm_[A-Za-z0-9]{20,}$/,
  /^hf_[A-Za-z0-9]{20,}$/,
  /^xox[abpres]-/,
  /^A(?:KI|SI)A[0-9A-Z]{16}$/,
  /^AIza[0-9A-Za-z_-]{30,}$/,
  /^ya29\./,
];

/**
 * A value long and mixed enough to be a generated secret rather than a name someone chose: names are words, joined by
 * `_` or in camelCase, with a digit or two; generated secrets scatter digits and capitals throughout.
 */
function looksGenerated(value: string): boolean {
  const count = (pattern: RegExp) => value.match(pattern)?.length ?? 0;
  return value.length >= 32 && !value.includes('_') && count(/[0-9]/g) >= 4 && count(/[A-Z]/g) >= 4 && count(/[a-z]/g) >= 4;
}

/** Whether a value given where the name of an environment variable belongs looks like a secret itself. */
export function looksLikeSecret(value: string): boolean {
  return TOKEN_FORMATS.some((format) => format.test(value)) || looksGenerated(value);
}

/**
 * Checks an option that must name an environment variable. The message never shows the value: whoever wrote a secret
 * there must not see it printed in a CI log.
 */
export function checkVariableName(value: unknown, where: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !isVariableName(value)) {
    throw new NxHelmError(
      `The nx-helm option ${where} in nx.json must be the name of an environment variable (letters, digits and _), not a ` +
        'value. Put the secret in that variable, e.g. from your CI secrets, and name the variable here.',
      { file: 'nx.json' },
    );
  }
  if (looksLikeSecret(value)) {
    throw new NxHelmError(
      `The nx-helm option ${where} in nx.json looks like a token, not the name of an environment variable. If it is one, ` +
        'revoke it now (it is in nx.json), put the new one in an environment variable (e.g. GHCR_TOKEN) and name that ' +
        'variable here.',
      { file: 'nx.json' },
    );
  }
}

/** User info in a URL (or a host written with it), up to the `@` before the host. */
const USER_INFO = /^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/@\s]*@/i;

/** Whether a URL (or a host written with user info) carries a user name or password. */
export function hasUrlCredentials(url: string): boolean {
  return USER_INFO.test(url);
}

/** A URL with any user info replaced by `***`, for messages. */
export function redactUrlCredentials(url: string): string {
  return url.replace(USER_INFO, '$1***@');
}

/** Refuses a URL (or host) that carries a user name or password: they belong in environment variables. */
export function checkNoUrlCredentials(url: string, where: string): void {
  if (hasUrlCredentials(url)) {
    throw new NxHelmError(
      `The nx-helm option ${where} in nx.json is ${redactUrlCredentials(url)}, ` +
        'which holds credentials. Remove them from the URL, and give them as names of environment variables in the ' +
        '"registries" option (usernameEnv, passwordEnv) for its host.',
      { file: 'nx.json' },
    );
  }
}

/**
 * Checks that `value` is an object whose keys are all known: a misspelled option would otherwise be ignored without
 * a word. The message names the key and the closest known one; it never shows values (they may be secrets).
 */
export function checkKnownKeys(value: unknown, known: readonly string[], where: string, example: string): void {
  checkObject(value, where, example);
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = closestName(key, known);
    throw new NxHelmError(
      `The nx-helm option ${where} in nx.json has the unknown key "${key}".` +
        (suggestion ? ` Did you mean "${suggestion}"?` : ` Known keys: ${known.join(', ')}.`),
      { file: 'nx.json' },
    );
  }
}

/** Checks that an option is an object (not a string, which may well be a secret written in the wrong place). */
export function checkObject(value: unknown, where: string, example: string): asserts value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new NxHelmError(`The nx-helm option ${where} in nx.json must be an object, e.g. ${example}; it is ${describeType(value)}.`, {
      file: 'nx.json',
    });
  }
}

/** What a value is, for messages that must not show it. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}
