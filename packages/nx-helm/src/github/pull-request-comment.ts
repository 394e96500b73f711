import { appendFileSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatSeconds } from '../registry/http-transport';
import type { RetryPolicy } from '../registry/retry';
import type { Logger } from '../utils/logger';
import { formatFailure, NxHelmError } from '../utils/nx-helm-error';
import { checkApiUrl, DEFAULT_GITHUB_API_URL, GitHubApiError, gitHubRequest, type GitHubApiOptions } from './github-api';
import { annotation } from './workflow-command';
import { REPORT_MARKER } from '../diff/markdown-report';

/** First line of the report `nx-helm diff` writes: how a later run finds the comment to update. */
export { REPORT_MARKER };

/** Who writes comments made with a workflow's GITHUB_TOKEN. */
export const ACTIONS_BOT = 'github-actions[bot]';

/** GitHub refuses longer comment bodies. */
export const MAX_COMMENT_LENGTH = 65536;

/** Pages of 100 comments looked through for the previous report: a bound for pull requests with endless discussions. */
const MAX_PAGES = 30;

const TITLE = 'nx-helm pr-comment';

export interface PullRequestCommentOptions {
  /** The Markdown report (dist/diff/report.md), relative to `cwd`. */
  file: string;
  /** The pull request; default pull_request.number of the event in GITHUB_EVENT_PATH. */
  pullRequest?: number;
  /** Environment variable holding the token (default GITHUB_TOKEN). */
  tokenVariable?: string;
  /** Report a failure as a warning and count it as done, so that a broken comment fails no check. */
  soft?: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  log: Logger;
  /** Bound of one request to GitHub (default 30 s). */
  requestTimeoutMs?: number;
  /** Bound of all the requests together, retries included (default 120 s). */
  timeoutMs?: number;
  /** Retries of the whole find-then-write when GitHub or the network failed transiently (default 2, from 1 s). */
  retry?: RetryPolicy;
}

/**
 * `created`, `updated`, `unchanged`: the pull request has the report as a comment. `summary-only`: the token may not
 * comment (pull requests from forks get a read-only one), so the report is in the job summary only. `failed`: the
 * comment could not be written, for another reason (see `error`).
 */
export type CommentOutcome = 'created' | 'updated' | 'unchanged' | 'summary-only' | 'failed';

export interface PullRequestCommentResult {
  outcome: CommentOutcome;
  /** The comment on GitHub, when there is one. */
  url?: string;
  /** Whether the report was appended to GITHUB_STEP_SUMMARY. */
  summary: boolean;
  error?: NxHelmError;
}

interface IssueComment {
  id: number;
  body?: string;
  html_url?: string;
  user?: { login?: string } | null;
}

interface Target {
  repository: string;
  number: number;
  /** The repository the pull request comes from, when the event says and it is another one (a fork). */
  fork?: string;
}

const DEFAULT_RETRY: RetryPolicy = { retries: 2, initialDelayMs: 1000, maxDelayMs: 5000 };

/**
 * Posts the diff report as one comment on the pull request, or updates the comment an earlier run posted (found by
 * its first line, REPORT_MARKER, and written by this token's user or github-actions[bot]; a comment anyone else
 * wrote is never edited). The report always goes to the job summary too, when GITHUB_STEP_SUMMARY is set, so it
 * stays readable where the token may not comment. Prints what it did; never prints the token.
 */
export async function commentOnPullRequest(options: PullRequestCommentOptions): Promise<PullRequestCommentResult> {
  const { env, log } = options;
  let summary = false;
  let subject = 'the pull request';
  try {
    const report = readReport(options);
    summary = appendToSummary(report, env, log);
    const target = resolveTarget(options);
    subject = `pull request #${target.number} of ${target.repository}`;
    const api = apiOptions(options);
    const written = await withRetries(options, api.deadline, () => writeComment(api, target, commentBody(report, options.file), log));
    if (written.outcome === 'summary-only') {
      const where = summary ? 'the job summary' : 'the log below (GITHUB_STEP_SUMMARY is not set)';
      log.info(
        annotation(
          'notice',
          TITLE,
          `The chart diff report is in ${where}, not in a comment on ${subject}: the token in ${api.tokenVariable} may not ` +
            `comment there (${written.reason}). ${readOnlyReason(target)}`,
          env,
        ),
      );
      if (!summary) log.info(report);
      return { outcome: 'summary-only', summary };
    }
    log.info(
      {
        created: `Posted the chart diff report on ${subject}: ${written.url}`,
        updated: `Updated the chart diff report on ${subject}: ${written.url}`,
        unchanged: `The chart diff report on ${subject} is up to date: ${written.url}`,
      }[written.outcome],
    );
    return { outcome: written.outcome, url: written.url, summary };
  } catch (caught) {
    const error = caught instanceof NxHelmError ? caught : new NxHelmError(String((caught as Error)?.stack ?? caught), { cause: caught });
    if (options.soft) {
      const kept = summary ? ' The report is in the job summary.' : '';
      log.info(annotation('warning', TITLE, `No comment on ${subject} (--soft: this fails nothing): ${error.message}${kept}`, env));
    } else {
      log.error(formatFailure('nx-helm pr-comment', subject, error));
    }
    return { outcome: 'failed', summary, error };
  }
}

function readOnlyReason(target: Target): string {
  return target.fork
    ? `The pull request comes from the fork ${target.fork}, and GitHub gives runs for forks a read-only GITHUB_TOKEN: nothing to fix.`
    : 'Pull requests from forks and from Dependabot get a read-only GITHUB_TOKEN; for others, give the job permissions: pull-requests: write.';
}

function readReport({ file, cwd }: PullRequestCommentOptions): string {
  try {
    return readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new NxHelmError(
      `The report ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        'Run `nx-helm diff` first (it writes dist/diff/report.md), or pass the report with --file.',
    );
  }
}

/** Appends the report to the job summary; a summary that cannot be written is worth a warning, not a failure. */
function appendToSummary(report: string, env: NodeJS.ProcessEnv, log: Logger): boolean {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  try {
    appendFileSync(file, report.endsWith('\n') ? report : `${report}\n`);
    return true;
  } catch (error) {
    log.warn(`The report could not be added to the job summary (GITHUB_STEP_SUMMARY ${file}): ${(error as Error).message}.`);
    return false;
  }
}

/** The repository and pull request, from the flags and the variables GitHub Actions sets. */
function resolveTarget({ pullRequest, env }: PullRequestCommentOptions): Target {
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new NxHelmError(
      `GITHUB_REPOSITORY is ${repository ? `"${repository}", not owner/name` : 'not set'}: it names the repository of the ` +
        'pull request. GitHub Actions sets it; elsewhere, set it (e.g. GITHUB_REPOSITORY=acme/charts).',
    );
  }
  const fromEvent = pullRequest === undefined ? eventPullRequest(env) : undefined;
  const head = fromEvent?.head?.repo?.full_name;
  return {
    repository,
    number: pullRequest ?? (fromEvent?.number as number),
    fork: typeof head === 'string' && head.toLowerCase() !== repository.toLowerCase() ? head : undefined,
  };
}

interface PullRequestEvent {
  number?: unknown;
  head?: { repo?: { full_name?: unknown } | null };
}

function eventPullRequest(env: NodeJS.ProcessEnv): PullRequestEvent {
  const file = env.GITHUB_EVENT_PATH;
  const fix = 'Run it in a workflow triggered by pull_request, or pass --pull-request <number>.';
  if (!file) throw new NxHelmError(`No pull request to comment on: GITHUB_EVENT_PATH is not set and --pull-request not given. ${fix}`);
  let event: { pull_request?: PullRequestEvent };
  try {
    event = JSON.parse(readFileSync(file, 'utf8')) as typeof event;
  } catch (error) {
    throw new NxHelmError(`The event file ${file} (GITHUB_EVENT_PATH) cannot be read as JSON: ${(error as Error).message}. ${fix}`);
  }
  const number = event?.pull_request?.number;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
    throw new NxHelmError(
      `No pull request to comment on: the event in ${file} (GITHUB_EVENT_PATH, event ${env.GITHUB_EVENT_NAME ?? 'unknown'}) ` +
        `has no pull_request.number. ${fix}`,
    );
  }
  return event.pull_request!;
}

function apiOptions(options: PullRequestCommentOptions): GitHubApiOptions {
  const tokenVariable = options.tokenVariable ?? 'GITHUB_TOKEN';
  const token = options.env[tokenVariable];
  if (!token) {
    throw new NxHelmError(
      `The environment variable ${tokenVariable} holds no token. Give the step the job's token (env: ${tokenVariable}: ` +
        '${{ secrets.GITHUB_TOKEN }}) and the job permissions: pull-requests: write, or name another variable with --token-variable.',
    );
  }
  const apiUrl = options.env.GITHUB_API_URL || DEFAULT_GITHUB_API_URL;
  checkApiUrl(apiUrl);
  return {
    apiUrl,
    token,
    tokenVariable,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    deadline: Date.now() + (options.timeoutMs ?? 120_000),
  };
}

/**
 * Runs `attempt` again after a transient failure (no answer, 5xx, 429), with backoff, while the retries and the time
 * last. The whole find-then-write is repeated: a comment whose POST got no answer but was made is found and updated,
 * not posted twice.
 */
async function withRetries<T>(options: PullRequestCommentOptions, deadline: number, attempt: () => Promise<T>): Promise<T> {
  const policy = options.retry ?? DEFAULT_RETRY;
  for (let number = 1; ; number++) {
    try {
      return await attempt();
    } catch (error) {
      const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (number - 1));
      const retryable = error instanceof GitHubApiError && error.retryable;
      if (!retryable || number > policy.retries || Date.now() + delay >= deadline) {
        if (retryable && number > 1)
          throw new NxHelmError(`${(error as Error).message} It failed ${number} times in a row.`, { cause: error });
        throw error;
      }
      options.log.warn(
        `${(error as Error).message} Trying again in ${formatSeconds(delay)} (attempt ${number + 1} of ${policy.retries + 1}).`,
      );
      await new Promise((done) => setTimeout(done, delay));
    }
  }
}

type Written = { outcome: 'created' | 'updated' | 'unchanged'; url: string } | { outcome: 'summary-only'; reason: string };

async function writeComment(api: GitHubApiOptions, target: Target, body: string, log: Logger): Promise<Written> {
  const existing = await findReportComment(api, target, await commentAuthors(api), log);
  try {
    if (existing?.body === body) return { outcome: 'unchanged', url: existing.html_url ?? '' };
    if (existing) {
      try {
        const { body: updated } = await gitHubRequest<IssueComment>(
          api,
          'PATCH',
          `/repos/${target.repository}/issues/comments/${existing.id}`,
          {
            body,
          },
        );
        return { outcome: 'updated', url: updated?.html_url ?? existing.html_url ?? '' };
      } catch (error) {
        // 404: deleted since it was listed (or not visible to the token, which the POST then tells).
        if (!(error instanceof GitHubApiError && error.status === 404)) throw error;
      }
    }
    const { body: created } = await gitHubRequest<IssueComment>(
      api,
      'POST',
      `/repos/${target.repository}/issues/${target.number}/comments`,
      {
        body,
      },
    );
    return { outcome: 'created', url: created?.html_url ?? '' };
  } catch (error) {
    // A token that may read but not write: GitHub gives pull requests from forks a read-only GITHUB_TOKEN.
    if (refusedToToken(error)) {
      return {
        outcome: 'summary-only',
        reason: `${error.status}${error.gitHubMessage ? ` ${error.gitHubMessage}` : ''} for ${error.method} ${error.url}`,
      };
    }
    throw error;
  }
}

/**
 * Whose report comments may be updated, in order of preference: the token's user, then github-actions[bot], whom
 * GITHUB_TOKEN writes as. GET /user answers for personal tokens; installation tokens (GITHUB_TOKEN, a GitHub App's)
 * are refused it, and GraphQL's viewer names their bot (`<app>[bot]`).
 */
async function commentAuthors(api: GitHubApiOptions): Promise<string[]> {
  const login = (await restUser(api)) ?? (await graphQlViewer(api));
  return login && login !== ACTIONS_BOT ? [login, ACTIONS_BOT] : [ACTIONS_BOT];
}

/** GitHub's 403 or 404 that is not a rate limit: what the token may not read or write (or may not see). */
function refusedToToken(error: unknown): error is GitHubApiError {
  return error instanceof GitHubApiError && (error.status === 403 || error.status === 404) && !error.rateLimited;
}

/** A request whose 403 or 404 (not a rate limit) means "not for this token": undefined then. */
async function unlessRefused<T>(request: () => Promise<T>): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (refusedToToken(error)) return undefined;
    throw error;
  }
}

async function restUser(api: GitHubApiOptions): Promise<string | undefined> {
  const answer = await unlessRefused(() => gitHubRequest<{ login?: unknown }>(api, 'GET', '/user'));
  return typeof answer?.body?.login === 'string' ? answer.body.login : undefined;
}

async function graphQlViewer(api: GitHubApiOptions): Promise<string | undefined> {
  const answer = await unlessRefused(() =>
    gitHubRequest<{ data?: { viewer?: { login?: unknown } } }>(api, 'POST', graphQlUrl(api.apiUrl), {
      query: 'query { viewer { login } }',
    }),
  );
  const login = answer?.body?.data?.viewer?.login;
  return typeof login === 'string' && login ? login : undefined;
}

/** GraphQL's endpoint beside the REST API: https://api.github.com/graphql, or <server>/api/graphql on GitHub Enterprise Server. */
export function graphQlUrl(apiUrl: string): string {
  const rest = apiUrl.replace(/\/+$/, '');
  return /\/api\/v3$/.test(rest) ? rest.replace(/\/api\/v3$/, '/api/graphql') : `${rest}/graphql`;
}

/** The oldest report comment of the most preferred author, through the pages of the pull request's comments. */
async function findReportComment(api: GitHubApiOptions, target: Target, authors: string[], log: Logger): Promise<IssueComment | undefined> {
  const found = new Map<string, IssueComment>();
  let others = 0;
  let next: string | undefined = `/repos/${target.repository}/issues/${target.number}/comments?per_page=100`;
  let pages = 0;
  for (; next && pages < MAX_PAGES && !found.has(authors[0]); pages++) {
    let page;
    try {
      page = await gitHubRequest<IssueComment[]>(api, 'GET', next);
    } catch (error) {
      if (refusedToToken(error)) {
        throw new NxHelmError(
          `${error.message} Check that pull request #${target.number} exists in ${target.repository} (GITHUB_REPOSITORY, ` +
            `--pull-request) and that the token in ${api.tokenVariable} may read it (the job's permissions: pull-requests: write).`,
          { cause: error },
        );
      }
      throw error;
    }
    if (!Array.isArray(page.body)) {
      throw new GitHubApiError(`GET ${next} did not answer with a list of comments.`, 'GET', next, page.status, undefined, false);
    }
    for (const comment of page.body) {
      if (!isReport(comment.body)) continue;
      const login = comment.user?.login ?? '';
      if (!authors.includes(login)) others++;
      else if (!found.has(login)) found.set(login, comment);
    }
    next = page.nextPage;
  }
  if (next && !found.has(authors[0])) {
    log.warn(`Only the first ${pages * 100} comments of pull request #${target.number} were searched for an earlier report.`);
  }
  if (others > 0) {
    log.info(`${others} comment(s) carrying the report's marker were written by others than ${authors.join(' or ')}: left alone.`);
  }
  return authors.map((author) => found.get(author)).find(Boolean);
}

function isReport(body: string | undefined): boolean {
  return (
    (body ?? '')
      .replace(/^\uFEFF/, '')
      .split('\n', 1)[0]
      .trim() === REPORT_MARKER
  );
}

/**
 * The comment: the report, with the marker as its first line (added when the report lacks it), cut at a line to
 * GitHub's limit with a note saying where the whole report is.
 */
export function commentBody(report: string, file: string): string {
  let text = report.replace(/^\uFEFF/, '');
  if (!isReport(text)) text = `${REPORT_MARKER}\n${text}`;
  if (text.length <= MAX_COMMENT_LENGTH) return text;
  const note = `\n\n**The report is cut here:** it is longer than a GitHub comment may be. The whole report is in the job summary and in ${file}.\n`;
  let kept = text.slice(0, MAX_COMMENT_LENGTH - note.length - 8);
  kept = kept.slice(0, Math.max(kept.lastIndexOf('\n'), REPORT_MARKER.length));
  // A code block left open would swallow the note.
  if ((kept.match(/^```/gm) ?? []).length % 2 === 1) kept += '\n```';
  return `${kept}${note}`;
}
