import { classifyTransportError, headerValue, sendHttpRequest } from '../registry/http-transport';
import { NxHelmError } from '../utils/nx-helm-error';

/** Where GitHub's REST API is when GITHUB_API_URL does not say (GitHub Enterprise Server sets it to its own). */
export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubApiOptions {
  /** GITHUB_API_URL: https, or plain http on the loopback interface only (a stand-in server in tests). */
  apiUrl: string;
  token: string;
  /** Name of the environment variable the token came from, for messages (never its value). */
  tokenVariable: string;
  /** Bound of one request, from connecting until its body has been read. */
  requestTimeoutMs: number;
  /** Time (Date.now()) after which no request starts and running ones are cut short: the bound of the whole command. */
  deadline: number;
}

export interface GitHubResponse<T> {
  status: number;
  body: T;
  /** The URL of the next page of a list, from the Link header, when it is on the API's own host. */
  nextPage?: string;
}

/** A request to GitHub's API that failed: its answer (status and GitHub's message), or no answer. */
export class GitHubApiError extends NxHelmError {
  constructor(
    message: string,
    readonly method: string,
    /** The URL, which never holds the token (it travels in the Authorization header only). */
    readonly url: string,
    /** Undefined: the request got no answer (network, timeout). */
    readonly status: number | undefined,
    /** GitHub's own explanation (its `message` field), when it gave one. */
    readonly gitHubMessage: string | undefined,
    /** Worth trying again: the network or GitHub may recover. */
    readonly retryable: boolean,
    readonly rateLimited = false,
  ) {
    super(message);
    this.name = 'GitHubApiError';
  }
}

const REDIRECTS = new Set([301, 302, 307, 308]);
const MAX_REDIRECTS = 3;

/**
 * Checks GITHUB_API_URL before any token is sent to it: plain http would carry the token in clear text, so it is
 * accepted for the loopback interface only.
 */
export function checkApiUrl(apiUrl: string): URL {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new NxHelmError(`GITHUB_API_URL "${apiUrl}" is not a URL. Unset it for github.com, or set it to your server's API URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new NxHelmError(
      `GITHUB_API_URL ${url.origin} is not https: the token would travel in clear text. Use the https address of the API ` +
        `(unset GITHUB_API_URL for ${DEFAULT_GITHUB_API_URL}).`,
    );
  }
  return url;
}

/**
 * One request to GitHub's REST API with the token, JSON in and out. A redirect is followed on the API's own host only
 * (GitHub redirects for renamed repositories), so the token never goes elsewhere. Any answer but 2xx, and no answer,
 * throws a GitHubApiError whose message says what failed and where.
 */
export async function gitHubRequest<T>(options: GitHubApiOptions, method: 'GET' | 'POST' | 'PATCH', target: string, body?: unknown) {
  const base = checkApiUrl(options.apiUrl);
  let url = new URL(target.startsWith('http') ? target : `${base.href.replace(/\/+$/, '')}${target}`);
  for (let redirects = 0; ; redirects++) {
    const response = await sendOnce(options, method, url, body);
    const location = headerValue(response.headers.location);
    if (REDIRECTS.has(response.status) && location && redirects < MAX_REDIRECTS) {
      const next = new URL(location, url);
      if (next.origin === base.origin) {
        url = next;
        continue;
      }
    }
    return answer<T>(options, method, url, base, response);
  }
}

async function sendOnce(options: GitHubApiOptions, method: string, url: URL, body: unknown) {
  const remaining = options.deadline - Date.now();
  if (remaining <= 0) {
    throw new GitHubApiError(
      `Gave up before ${method} ${url.href}: the time allowed for talking to GitHub ran out. Re-run the job.`,
      method,
      url.href,
      undefined,
      undefined,
      false,
    );
  }
  const timeoutMs = Math.min(options.requestTimeoutMs, remaining);
  try {
    return await sendHttpRequest(method, url, {
      headers: {
        Accept: 'application/vnd.github+json',
        Authorization: `Bearer ${options.token}`,
        'X-GitHub-Api-Version': '2022-11-28',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
      timeoutMs,
      // A server that takes the connection and says nothing is given up on in half the request's bound.
      answerTimeoutMs: Math.round(timeoutMs / 2),
    });
  } catch (error) {
    const { kind, detail } = classifyTransportError(error as Error);
    throw new GitHubApiError(
      `${method} ${url.href} failed: ${detail}. Check GITHUB_API_URL (${options.apiUrl}) and the runner's network, or re-run the job.`,
      method,
      url.href,
      undefined,
      undefined,
      kind === 'transient',
    );
  }
}

function answer<T>(
  options: GitHubApiOptions,
  method: string,
  url: URL,
  base: URL,
  response: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer },
): GitHubResponse<T> {
  const text = response.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const { status } = response;
  if (status >= 200 && status < 300) {
    if (parsed === undefined && text) {
      throw new GitHubApiError(
        `${method} ${url.href} answered ${status} with something that is not JSON: is GITHUB_API_URL (${options.apiUrl}) GitHub's REST API?`,
        method,
        url.href,
        status,
        undefined,
        false,
      );
    }
    return { status, body: parsed as T, nextPage: nextPage(headerValue(response.headers.link), base) };
  }
  const gitHubMessage =
    typeof (parsed as { message?: unknown })?.message === 'string' ? (parsed as { message: string }).message : undefined;
  const said = `${status}${gitHubMessage ? ` ${gitHubMessage}` : ''}`;
  const rateLimited =
    status === 429 ||
    (status === 403 && (headerValue(response.headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(gitHubMessage ?? '')));
  const retryable = status >= 500 || status === 429;
  let message = `GitHub answered ${said} to ${method} ${url.href}.`;
  if (status === 401) {
    message += ` The token in ${options.tokenVariable} is not valid (expired, revoked, or not a GitHub token). In a workflow, pass the job's token: env: ${options.tokenVariable}: \${{ secrets.GITHUB_TOKEN }}.`;
  } else if (rateLimited) {
    const reset = Number(headerValue(response.headers['x-ratelimit-reset']));
    message += ` The token's rate limit is spent${Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : ''}: re-run the job later.`;
  } else if (retryable) {
    message += ' GitHub had trouble answering (see https://www.githubstatus.com): re-run the job.';
  } else if (status === 422) {
    message += ' GitHub refused the content of the request: check the report file (a comment holds at most 65536 characters).';
  }
  throw new GitHubApiError(message, method, url.href, status, gitHubMessage, retryable, rateLimited);
}

/** The `rel="next"` URL of a Link header, when it is on the API's host (the token goes nowhere else). */
function nextPage(link: string | undefined, base: URL): string | undefined {
  const next = link
    ?.split(',')
    .map((part) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)?.[1])
    .find(Boolean);
  if (!next) return undefined;
  try {
    const url = new URL(next, base);
    return url.origin === base.origin ? url.href : undefined;
  } catch {
    return undefined;
  }
}
