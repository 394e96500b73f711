import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionsEnvironment, startFakeGitHubApi, writePullRequestEvent, type FakeGitHubApi } from '../testing/github-api-server';
import { memoryLogger } from '../testing/memory-logger';
import { startSilentServer } from '../testing/silent-server';
import {
  commentBody,
  commentOnPullRequest,
  graphQlUrl,
  MAX_COMMENT_LENGTH,
  REPORT_MARKER,
  type PullRequestCommentOptions,
} from './pull-request-comment';

// Tokens are distinctive strings, so that any trace of them in the output is found.
const ACTIONS_TOKEN = 'ghs_actionsWRITEtoken0123456789';
const FORK_TOKEN = 'ghs_forkREADONLYtoken0123456789';
const USER_TOKEN = 'ghp_octoUSERtoken0123456789abcd';
const APP_TOKEN = 'ghs_chartbotAPPtoken0123456789';
const TOKENS = [ACTIONS_TOKEN, FORK_TOKEN, USER_TOKEN, APP_TOKEN];

describe('pr-comment: the diff report as one comment on the pull request', () => {
  let api: FakeGitHubApi;
  let dir: string;
  const outputs: string[] = [];

  beforeEach(async () => {
    api = await startFakeGitHubApi({
      [ACTIONS_TOKEN]: { login: 'github-actions[bot]', installation: true },
      [FORK_TOKEN]: { login: 'github-actions[bot]', installation: true, readOnly: true, noViewer: true },
      [USER_TOKEN]: { login: 'octo' },
      // A GitHub App's installation token (e.g. from actions/create-github-app-token): it writes as <app>[bot].
      [APP_TOKEN]: { login: 'chart-bot[bot]', installation: true },
    });
    dir = mkdtempSync(join(tmpdir(), 'nx-helm-pr-comment-'));
    writePullRequestEvent(dir, 7, 'acme/charts');
  });
  afterEach(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => {
    // Whatever happened in any of these runs, no token was ever printed.
    for (const output of outputs) for (const token of TOKENS) expect(output).not.toContain(token);
  });

  const report = (text: string) => {
    writeFileSync(join(dir, 'report.md'), text);
    return text;
  };
  const run = async (options: Partial<PullRequestCommentOptions> & { token?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const log = memoryLogger();
    const { token = ACTIONS_TOKEN, env, ...rest } = options;
    const result = await commentOnPullRequest({
      file: 'report.md',
      cwd: dir,
      log,
      env: { ...actionsEnvironment(api, dir, token), ...env },
      retry: { retries: 2, initialDelayMs: 10, maxDelayMs: 20 },
      ...rest,
    });
    outputs.push(log.text(), JSON.stringify(result));
    return { ...result, output: log.text() };
  };
  // GraphQL's viewer query is a POST that writes nothing.
  const writes = () =>
    api.requests
      .filter((request) => request.method !== 'GET' && request.path !== '/graphql')
      .map((request) => `${request.method} ${request.path}`);
  const summary = () => readFileSync(join(dir, 'summary.md'), 'utf8');

  it('posts the report on the first run and updates that same comment on the next ones', async () => {
    const first = report(`${REPORT_MARKER}\n## Chart changes\n\n1 chart changed.\n`);
    const posted = await run();
    expect(posted).toMatchObject({ outcome: 'created', url: 'https://github.com/acme/charts/pull/7#issuecomment-1000', summary: true });
    expect(posted.output).toBe(
      'Posted the chart diff report on pull request #7 of acme/charts: https://github.com/acme/charts/pull/7#issuecomment-1000',
    );
    expect(api.comments.get(7)!.map((comment) => comment.body)).toEqual([first]);
    expect(writes()).toEqual(['POST /repos/acme/charts/issues/7/comments']);
    // The token travels in the Authorization header only, never in a URL.
    expect(api.requests.every((request) => request.authorization === `Bearer ${ACTIONS_TOKEN}`)).toBe(true);
    expect(api.requests.some((request) => request.path.includes(ACTIONS_TOKEN))).toBe(false);

    const second = report(`${REPORT_MARKER}\n## Chart changes\n\n2 charts changed.\n`);
    api.requests.length = 0;
    const updated = await run();
    expect(updated).toMatchObject({ outcome: 'updated', url: 'https://github.com/acme/charts/pull/7#issuecomment-1000' });
    expect(api.comments.get(7)!.map((comment) => comment.body)).toEqual([second]);
    expect(writes()).toEqual(['PATCH /repos/acme/charts/issues/comments/1000']);

    // Nothing new: nothing written.
    api.requests.length = 0;
    expect((await run()).outcome).toBe('unchanged');
    expect(writes()).toEqual([]);
    // Every run added the report to the job summary.
    expect(summary()).toBe(`${first}${second}${second}`);
  });

  it('never edits a comment someone else wrote, even with the marker; prefers the token user’s own over the bot’s', async () => {
    report(`${REPORT_MARKER}\nnew report\n`);
    const quoted = api.addComment(7, 'mallory', `${REPORT_MARKER}\nI copied the marker`);
    const byBot = api.addComment(7, 'github-actions[bot]', `${REPORT_MARKER}\nold report by the bot`);
    const inside = api.addComment(7, 'github-actions[bot]', `Another bot comment that mentions ${REPORT_MARKER} later`);

    const result = await run();
    expect(result.outcome).toBe('updated');
    expect(writes()).toEqual([`PATCH /repos/acme/charts/issues/comments/${byBot.id}`]);
    expect(quoted.body).toBe(`${REPORT_MARKER}\nI copied the marker`);
    expect(inside.body).toContain('Another bot comment');
    expect(result.output).toContain(
      "1 comment(s) carrying the report's marker were written by others than github-actions[bot]: left alone.",
    );

    // A personal token's user has a report of their own: that one is updated, not the bot's.
    const mine = api.addComment(7, 'octo', `${REPORT_MARKER}\nold report by octo`);
    api.requests.length = 0;
    expect((await run({ token: USER_TOKEN })).outcome).toBe('updated');
    expect(writes()).toEqual([`PATCH /repos/acme/charts/issues/comments/${mine.id}`]);

    // Only comments by others: a comment of its own is posted.
    api.comments.set(7, [quoted]);
    api.requests.length = 0;
    expect((await run()).outcome).toBe('created');
    expect(writes()).toEqual(['POST /repos/acme/charts/issues/7/comments']);
    expect(api.comments.get(7)!.map((comment) => comment.user.login)).toEqual(['mallory', 'github-actions[bot]']);
  });

  it('updates its own comment with a GitHub App token, whose bot only GraphQL names', async () => {
    report(`${REPORT_MARKER}\nreport by the app\n`);
    expect((await run({ token: APP_TOKEN })).outcome).toBe('created');
    expect(api.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /user',
      'POST /graphql',
      'GET /repos/acme/charts/issues/7/comments?per_page=100',
      'POST /repos/acme/charts/issues/7/comments',
    ]);
    const own = api.comments.get(7)![0];
    expect(own.user.login).toBe('chart-bot[bot]');

    // Its own report is preferred to one the actions bot wrote before the workflow changed tokens.
    const byActions = api.addComment(7, 'github-actions[bot]', `${REPORT_MARKER}\nreport by the actions bot`);
    report(`${REPORT_MARKER}\nsecond report by the app\n`);
    api.requests.length = 0;
    expect((await run({ token: APP_TOKEN })).outcome).toBe('updated');
    expect(writes()).toEqual([`PATCH /repos/acme/charts/issues/comments/${own.id}`]);
    expect(own.body).toBe(`${REPORT_MARKER}\nsecond report by the app\n`);
    expect(byActions.body).toBe(`${REPORT_MARKER}\nreport by the actions bot`);
    expect(api.comments.get(7)).toHaveLength(2);
  });

  it('finds GraphQL beside the REST API, on github.com and on GitHub Enterprise Server', () => {
    expect(graphQlUrl('https://api.github.com')).toBe('https://api.github.com/graphql');
    expect(graphQlUrl('https://ghe.example.com/api/v3/')).toBe('https://ghe.example.com/api/graphql');
  });

  it('finds its comment on a later page of a long discussion', async () => {
    api.pageSize = 10;
    for (let index = 0; index < 24; index++) api.addComment(7, index % 2 ? 'alice' : 'bob', `comment ${index}`);
    const ours = api.addComment(7, 'github-actions[bot]', `${REPORT_MARKER}\nold`);
    for (let index = 0; index < 5; index++) api.addComment(7, 'alice', `later ${index}`);
    report(`${REPORT_MARKER}\nnew`);

    expect((await run()).outcome).toBe('updated');
    expect(api.requests.filter((request) => request.method === 'GET').map((request) => request.path)).toEqual([
      '/user',
      '/repos/acme/charts/issues/7/comments?per_page=100',
      '/repos/acme/charts/issues/7/comments?per_page=10&page=2',
      '/repos/acme/charts/issues/7/comments?per_page=10&page=3',
    ]);
    expect(writes()).toEqual([`PATCH /repos/acme/charts/issues/comments/${ours.id}`]);
    expect(ours.body).toBe(`${REPORT_MARKER}\nnew`);
  });

  it('leaves the report in the job summary with a notice when the token may not comment (a fork), exit status success', async () => {
    writeFileSync(
      join(dir, 'event.json'),
      JSON.stringify({ pull_request: { number: 7, head: { repo: { full_name: 'someone/charts' } } } }),
    );
    const text = report(`${REPORT_MARKER}\nreport from a fork\n`);
    const result = await run({ token: FORK_TOKEN });
    expect(result).toMatchObject({ outcome: 'summary-only', summary: true });
    expect(result.output).toBe(
      '::notice title=nx-helm pr-comment::The chart diff report is in the job summary, not in a comment on pull request #7 of ' +
        'acme/charts: the token in GITHUB_TOKEN may not comment there (403 Resource not accessible by integration for POST ' +
        `${api.url}/repos/acme/charts/issues/7/comments). The pull request comes from the fork someone/charts, and GitHub gives ` +
        'runs for forks a read-only GITHUB_TOKEN: nothing to fix.',
    );
    expect(summary()).toBe(text);
    expect(api.comments.get(7)).toBeUndefined();

    // An update refused the same way (PATCH 403) is no failure either; without a job summary the report goes to the log.
    // Not from a fork, the token should have been allowed to write: the notice says how.
    writePullRequestEvent(dir, 7, 'acme/charts');
    api.addComment(7, 'github-actions[bot]', `${REPORT_MARKER}\nold`);
    const unsummarised = await run({ token: FORK_TOKEN, env: { GITHUB_STEP_SUMMARY: '', GITHUB_ACTIONS: '' } });
    expect(unsummarised.outcome).toBe('summary-only');
    expect(writes()).toEqual(['POST /repos/acme/charts/issues/7/comments', 'PATCH /repos/acme/charts/issues/comments/1000']);
    expect(unsummarised.output).toContain('notice: The chart diff report is in the log below (GITHUB_STEP_SUMMARY is not set)');
    expect(unsummarised.output).toContain(
      'Pull requests from forks and from Dependabot get a read-only GITHUB_TOKEN; for others, give the job',
    );
    expect(unsummarised.output).toContain('report from a fork');
  });

  it('retries GitHub’s 5xx a bounded number of times, then fails saying what, where and what to do', async () => {
    report(`${REPORT_MARKER}\nx`);
    api.faults.push({ status: 502, message: 'Bad Gateway' }, { status: 503 });
    const recovered = await run();
    expect(recovered.outcome).toBe('created');
    expect(recovered.output).toContain(`WARN GitHub answered 502 Bad Gateway to GET ${api.url}/user. GitHub had trouble answering`);
    expect(recovered.output).toContain('Trying again in 0 s (attempt 2 of 3).');

    api.faults.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    api.requests.length = 0;
    const failed = await run();
    expect(failed.outcome).toBe('failed');
    expect(api.requests).toHaveLength(3);
    expect(failed.output).toContain(
      `ERROR nx-helm pr-comment failed for pull request #7 of acme/charts:\nGitHub answered 500 Server Error to GET ${api.url}/user. ` +
        'GitHub had trouble answering (see https://www.githubstatus.com): re-run the job. It failed 3 times in a row.',
    );
    // --soft: the same failure is a warning.
    api.faults.push({ status: 500 }, { status: 500 }, { status: 500 });
    const soft = await run({ soft: true });
    expect(soft.outcome).toBe('failed');
    expect(soft.output).toMatch(
      /^::warning title=nx-helm pr-comment::No comment on pull request #7 of acme\/charts \(--soft: this fails nothing\): GitHub answered 500/m,
    );
    expect(soft.output).toContain('The report is in the job summary.');
  });

  it('fails at once on a token GitHub refuses (401), without printing it', async () => {
    report(`${REPORT_MARKER}\nx`);
    const result = await run({ token: 'ghp_revokedTOKEN0123456789' });
    expect(result.outcome).toBe('failed');
    expect(result.output).not.toContain('ghp_revokedTOKEN0123456789');
    expect(api.requests).toHaveLength(1);
    expect(result.output).toContain(
      `GitHub answered 401 Bad credentials to GET ${api.url}/user. The token in GITHUB_TOKEN is not valid (expired, revoked, or not a GitHub token). ` +
        "In a workflow, pass the job's token: env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}.",
    );
  });

  it('gives up on a silent server within its time bounds', async () => {
    report(`${REPORT_MARKER}\nx`);
    const silent = await startSilentServer('silent');
    try {
      const started = Date.now();
      const result = await run({ env: { GITHUB_API_URL: silent.url }, requestTimeoutMs: 400, timeoutMs: 3000 });
      const elapsed = Date.now() - started;
      expect(result.outcome).toBe('failed');
      expect(result.output).toContain(`GET ${silent.url}/user failed: no answer within 0.2 s. Check GITHUB_API_URL`);
      expect(result.output).toContain('It failed 3 times in a row.');
      // Three attempts of 0.2 s of waiting for an answer each, and the retries' short delays.
      expect(elapsed).toBeLessThan(1500);
      expect(silent.connections()).toBe(3);

      // The bound of the whole command wins over the retries.
      const bounded = Date.now();
      const cut = await run({
        env: { GITHUB_API_URL: silent.url },
        requestTimeoutMs: 5000,
        timeoutMs: 1000,
        retry: { retries: 5, initialDelayMs: 10, maxDelayMs: 10 },
      });
      expect(cut.outcome).toBe('failed');
      expect(Date.now() - bounded).toBeLessThan(2500);
    } finally {
      await silent.stop();
    }
  });

  it('posts a new comment when its comment was deleted meanwhile, and takes the pull request from --pull-request', async () => {
    report(`${REPORT_MARKER}\nx`);
    api.addComment(12, 'github-actions[bot]', `${REPORT_MARKER}\nold`);
    const gone = api.comments.get(12)![0];
    // The comment disappears between the list and the PATCH.
    api.beforeAnswer = (request) => {
      if (request.method === 'PATCH') api.comments.set(12, []);
    };
    const result = await run({ pullRequest: 12, env: { GITHUB_EVENT_PATH: '' } });
    expect(result.outcome).toBe('created');
    expect(writes()).toEqual([`PATCH /repos/acme/charts/issues/comments/${gone.id}`, 'POST /repos/acme/charts/issues/12/comments']);
  });

  it('says what is missing outside a pull request run', async () => {
    report(`${REPORT_MARKER}\nx`);
    writeFileSync(join(dir, 'push-event.json'), JSON.stringify({ ref: 'refs/heads/main' }));
    const cases: Array<[NodeJS.ProcessEnv, string]> = [
      [{ GITHUB_REPOSITORY: '' }, 'GITHUB_REPOSITORY is not set: it names the repository of the pull request.'],
      [
        { GITHUB_EVENT_PATH: join(dir, 'push-event.json'), GITHUB_EVENT_NAME: 'push' },
        'has no pull_request.number. Run it in a workflow triggered by pull_request, or pass --pull-request <number>.',
      ],
      [{ GITHUB_TOKEN: '' }, 'The environment variable GITHUB_TOKEN holds no token.'],
      [
        { GITHUB_API_URL: 'http://api.example.com' },
        'GITHUB_API_URL http://api.example.com is not https: the token would travel in clear text.',
      ],
    ];
    for (const [env, message] of cases) {
      const result = await run({ env });
      expect(result.outcome).toBe('failed');
      expect(result.output).toContain(message);
    }
    expect(api.requests).toEqual([]);
    const missing = await run({ file: 'nowhere.md' });
    expect(missing.output).toContain('The report nowhere.md cannot be read (ENOENT). Run `nx-helm diff` first');
    // The token may come from another variable.
    expect((await run({ tokenVariable: 'GH_TOKEN', env: { GITHUB_TOKEN: '', GH_TOKEN: ACTIONS_TOKEN } })).outcome).toBe('created');
  });

  it('starts the comment with the marker and cuts a report too long for a comment at a line', () => {
    expect(commentBody('## Changes\n', 'dist/diff/report.md')).toBe(`${REPORT_MARKER}\n## Changes\n`);
    const long = `${REPORT_MARKER}\n\`\`\`diff\n${'+ line of a rendered manifest\n'.repeat(4000)}\`\`\`\n`;
    const body = commentBody(long, 'dist/diff/report.md');
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(body.startsWith(`${REPORT_MARKER}\n\`\`\`diff\n+ line`)).toBe(true);
    expect(body).toMatch(/\+ line of a rendered manifest\n```\n\n\*\*The report is cut here:\*\* .* in dist\/diff\/report\.md\.\n$/);
  });
});
