import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { actionsEnvironment, startFakeGitHubApi, writePullRequestEvent, type FakeGitHubApi } from '../src/testing/github-api-server';

/** The built `nx-helm` command, as package.json "bin" installs it (NX_HELM_CLI: another build of it). */
const CLI = process.env.NX_HELM_CLI ?? join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/cli/main.js');
const TOKEN = 'ghs_builtCLItoken0123456789abcdef';
const FORK_TOKEN = 'ghs_builtCLIforkTOKEN0123456789ab';

describe('nx-helm pr-comment (built CLI) against a stand-in for GitHub’s API', () => {
  let api: FakeGitHubApi;
  let dir: string;
  beforeEach(async () => {
    api = await startFakeGitHubApi({
      [TOKEN]: { login: 'github-actions[bot]', installation: true },
      [FORK_TOKEN]: { login: 'github-actions[bot]', installation: true, readOnly: true },
    });
    dir = mkdtempSync(join(tmpdir(), 'nx-helm-pr-comment-cli-'));
    writePullRequestEvent(dir, 3, 'fork/charts');
    writeFileSync(join(dir, 'report.md'), '<!-- nx-helm-diff -->\n## Chart changes\n');
  });
  afterEach(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the CLI as a workflow step does, without blocking this process, which serves the API. */
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'pr-comment', ...args], {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          ...actionsEnvironment(api, dir, TOKEN),
          ...env,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    }).then((result) => {
      for (const token of [TOKEN, FORK_TOKEN]) expect(`${result.stdout}${result.stderr}`).not.toContain(token);
      return result;
    });

  it('posts, then updates the same comment, fails over to the job summary for a fork, exits 1 or 2 when it should', async () => {
    expect(await run(['--file', 'report.md'])).toEqual({
      status: 0,
      stdout: 'Posted the chart diff report on pull request #3 of acme/charts: https://github.com/acme/charts/pull/3#issuecomment-1000\n',
      stderr: '',
    });
    writeFileSync(join(dir, 'report.md'), '<!-- nx-helm-diff -->\n## Chart changes\n\nNow two.\n');
    expect(await run(['--file=report.md'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^Updated the chart diff report/) });
    expect(api.comments.get(3)!.map((comment) => [comment.id, comment.body])).toEqual([
      [1000, '<!-- nx-helm-diff -->\n## Chart changes\n\nNow two.\n'],
    ]);

    writeFileSync(join(dir, 'report.md'), '<!-- nx-helm-diff -->\n## Chart changes\n\nFrom a fork.\n');
    const fork = await run(['--file', 'report.md'], { GITHUB_TOKEN: FORK_TOKEN });
    expect(fork.status).toBe(0);
    expect(fork.stdout).toMatch(/^::notice title=nx-helm pr-comment::The chart diff report is in the job summary, not in a comment/);
    expect(fork.stdout).toContain('The pull request comes from the fork fork/charts');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8').match(/<!-- nx-helm-diff -->/g)).toHaveLength(3);

    const refused = await run(['--file', 'report.md'], { GITHUB_TOKEN: 'ghp_notAvalidTOKEN' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('nx-helm pr-comment failed for pull request #3 of acme/charts:\nGitHub answered 401 Bad credentials');
    expect(refused.stderr).not.toContain('ghp_notAvalidTOKEN');
    expect((await run(['--file', 'report.md', '--soft'], { GITHUB_TOKEN: 'ghp_notAvalidTOKEN' })).status).toBe(0);

    expect(await run([])).toMatchObject({ status: 2, stderr: expect.stringContaining('pr-comment needs --file') });
    expect(await run(['--file', 'report.md', '--pull-request', 'x'])).toMatchObject({ status: 2 });
    const tokenAsFlag = await run(['--file', 'report.md', '--token-variable', 'ghp_pastedTOKEN']);
    expect(tokenAsFlag.status).toBe(2);
    expect(tokenAsFlag.stderr).not.toContain('ghp_pastedTOKEN');
    expect((await run(['--help'])).stdout).toContain('Usage: nx-helm pr-comment [flags]');
  });
});
