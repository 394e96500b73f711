import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Who a token acts as: a user (personal token), or GitHub Actions' installation token, which GET /user refuses. */
export interface FakeToken {
  login: string;
  /** GET /user answers 403, as for GITHUB_TOKEN. */
  installation?: boolean;
  /** POST and PATCH answer 403, as for the read-only GITHUB_TOKEN of a pull request from a fork. */
  readOnly?: boolean;
  /** GraphQL's viewer is refused (an error in the answer, as GitHub gives): no way to learn the token's login. */
  noViewer?: boolean;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string };
  html_url: string;
}

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  authorization?: string;
}

/** What the server answers instead: a status with GitHub's error body. */
export type Fault = { status: number; message?: string };

export interface FakeGitHubApi {
  /** `http://127.0.0.1:<port>`, for GITHUB_API_URL. */
  url: string;
  /** Comments per pull request number, oldest first. */
  comments: Map<number, FakeComment[]>;
  requests: RecordedRequest[];
  /** Taken one per request, before it is answered. */
  faults: Fault[];
  /** Comments per page, at most (GitHub allows 100). */
  pageSize: number;
  /** Called with each request before it is answered, e.g. to change the comments meanwhile. */
  beforeAnswer?: (request: RecordedRequest) => void;
  addComment(pullRequest: number, login: string, body: string): FakeComment;
  stop(): Promise<void>;
}

/**
 * A stand-in for the part of GitHub's API that pr-comment uses (GET /user, GraphQL's viewer, a pull request's issue
 * comments with Link pagination, POST and PATCH of a comment), on 127.0.0.1, for the repository acme/charts. GitHub's API cannot
 * run in a test; this answers as it does, including its 401, 403 and 404 bodies.
 */
export async function startFakeGitHubApi(tokens: Record<string, FakeToken>): Promise<FakeGitHubApi> {
  const sockets = new Set<Socket>();
  let nextId = 1000;
  const api: FakeGitHubApi = {
    url: '',
    comments: new Map(),
    requests: [],
    faults: [],
    pageSize: 100,
    addComment(pullRequest, login, body) {
      const id = nextId++;
      const comment = { id, body, user: { login }, html_url: `https://github.com/acme/charts/pull/${pullRequest}#issuecomment-${id}` };
      api.comments.set(pullRequest, [...(api.comments.get(pullRequest) ?? []), comment]);
      return comment;
    },
    stop: async () => undefined,
  };

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
    response.end(JSON.stringify(body));
  };
  const handle = (request: IncomingMessage, response: ServerResponse, body: string) => {
    const url = new URL(request.url ?? '/', api.url);
    const recorded = {
      method: request.method ?? '',
      path: `${url.pathname}${url.search}`,
      authorization: request.headers.authorization,
    };
    api.requests.push(recorded);
    api.beforeAnswer?.(recorded);
    const fault = api.faults.shift();
    if (fault) return send(response, fault.status, { message: fault.message ?? 'Server Error' });
    const token = tokens[(request.headers.authorization ?? '').replace(/^Bearer /, '')];
    if (!token) return send(response, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    const notAccessible = () => send(response, 403, { message: 'Resource not accessible by integration' });

    if (request.method === 'GET' && url.pathname === '/user') {
      return token.installation ? notAccessible() : send(response, 200, { login: token.login, type: 'User' });
    }
    if (request.method === 'POST' && url.pathname === '/graphql' && /\bviewer\s*\{\s*login\s*\}/.test(body)) {
      return token.noViewer
        ? send(response, 200, {
            data: { viewer: null },
            errors: [{ type: 'FORBIDDEN', message: 'Resource not accessible by integration' }],
          })
        : send(response, 200, { data: { viewer: { login: token.login } } });
    }
    const list = /^\/repos\/acme\/charts\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (list && request.method === 'GET') {
      const all = api.comments.get(Number(list[1])) ?? [];
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), api.pageSize);
      const page = Number(url.searchParams.get('page') ?? 1);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (number: number) => `<${api.url}${url.pathname}?per_page=${perPage}&page=${number}>`;
      const links = page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : [];
      return send(response, 200, all.slice((page - 1) * perPage, page * perPage), links.length ? { Link: links.join(', ') } : {});
    }
    if (list && request.method === 'POST') {
      if (token.readOnly) return notAccessible();
      return send(response, 201, api.addComment(Number(list[1]), token.login, (JSON.parse(body) as { body: string }).body));
    }
    const one = /^\/repos\/acme\/charts\/issues\/comments\/(\d+)$/.exec(url.pathname);
    if (one && request.method === 'PATCH') {
      if (token.readOnly) return notAccessible();
      const comment = [...api.comments.values()].flat().find((candidate) => candidate.id === Number(one[1]));
      if (!comment) return send(response, 404, { message: 'Not Found' });
      comment.body = (JSON.parse(body) as { body: string }).body;
      return send(response, 200, comment);
    }
    send(response, 404, { message: 'Not Found' });
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  api.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  api.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return api;
}

/**
 * The environment of a GitHub Actions step of a pull request run in acme/charts, the repository the stand-in serves:
 * its API, the event file in `dir` (see writePullRequestEvent) and the job summary there, and the token.
 */
export function actionsEnvironment(api: FakeGitHubApi, dir: string, token: string): NodeJS.ProcessEnv {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: api.url,
    GITHUB_REPOSITORY: 'acme/charts',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: join(dir, 'event.json'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_TOKEN: token,
  };
}

/** The pull_request event file Actions gives a step, in `dir`: the pull request's number and its head repository. */
export function writePullRequestEvent(dir: string, number: number, headRepository: string): void {
  writeFileSync(join(dir, 'event.json'), JSON.stringify({ pull_request: { number, head: { repo: { full_name: headRepository } } } }));
}
