import { runProcess } from '../utils/process';

/**
 * chart-testing's default yamllint configuration (its etc/lintconf.yaml), used when ct.yaml names no `lint-conf`:
 * the same rules, so a repository that passed `ct lint` passes here.
 */
export const CT_DEFAULT_LINT_CONF = `rules:
  braces: {min-spaces-inside: 0, max-spaces-inside: 0, min-spaces-inside-empty: -1, max-spaces-inside-empty: -1}
  brackets: {min-spaces-inside: 0, max-spaces-inside: 0, min-spaces-inside-empty: -1, max-spaces-inside-empty: -1}
  colons: {max-spaces-before: 0, max-spaces-after: 1}
  commas: {max-spaces-before: 0, min-spaces-after: 1, max-spaces-after: 1}
  comments: {require-starting-space: true, min-spaces-from-content: 2}
  document-end: disable
  document-start: disable
  empty-lines: {max: 2, max-start: 0, max-end: 0}
  hyphens: {max-spaces-after: 1}
  indentation: {spaces: consistent, indent-sequences: whatever, check-multi-line-strings: false}
  key-duplicates: enable
  line-length: disable
  new-line-at-end-of-file: enable
  new-lines: {type: unix}
  trailing-spaces: enable
  truthy: {level: warning}
`;

export type YamllintResult =
  | { status: 'passed' | 'failed'; output: string }
  /** yamllint is not installed (or cannot start). */
  | { status: 'missing'; output: string };

/**
 * Runs yamllint on files (relative to `cwd`) with a configuration file, or ct's default configuration. Errors fail
 * (exit code 1), warnings are shown only, as with ct.
 */
export async function runYamllint(
  files: string[],
  options: { cwd: string; configFile?: string; env?: NodeJS.ProcessEnv },
): Promise<YamllintResult> {
  const config = options.configFile ? ['--config-file', options.configFile] : ['--config-data', CT_DEFAULT_LINT_CONF];
  const result = await runProcess('yamllint', ['--format', 'parsable', ...config, ...files], {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: 120_000,
  });
  const output = `${result.stdout}\n${result.stderr}`.trim();
  if (result.startError || result.exitCode === 127) return { status: 'missing', output: result.startError ?? output };
  return { status: result.failed ? 'failed' : 'passed', output };
}
