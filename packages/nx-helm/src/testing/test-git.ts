import { execFileSync } from 'node:child_process';

export interface TestGit {
  /** git in the folder with a test identity; returns trimmed stdout. */
  git(...args: string[]): string;
  /** Stages everything and commits; returns the commit. */
  commit(message: string): string;
}

/** git for a test repository; `root` is read on each call, so it may be set in a beforeAll. */
export function testGit(root: () => string): TestGit {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      cwd: root(),
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  return {
    git,
    commit(message) {
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}
