import { execFileSync } from 'node:child_process';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { FALLBACK_SOURCE_DATE, sourceDateFor } from './source-date';

describe('sourceDateFor', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace.root, stdio: 'pipe' });
  const commitAt = (epoch: number, file: string) => {
    workspace.write(file, `${epoch}\n`);
    git('add', '-A');
    execFileSync('git', ['commit', '-q', '-m', file], {
      cwd: workspace.root,
      env: { ...process.env, GIT_AUTHOR_DATE: `${epoch} +0000`, GIT_COMMITTER_DATE: `${epoch} +0000` },
    });
  };

  it('prefers SOURCE_DATE_EPOCH', () => {
    expect(sourceDateFor(['.'], workspace.root, { SOURCE_DATE_EPOCH: '1700000000' })).toEqual({
      date: new Date(1700000000 * 1000),
      origin: 'SOURCE_DATE_EPOCH',
    });
  });

  it('rejects a SOURCE_DATE_EPOCH that is not a number', () => {
    expect(() => sourceDateFor(['.'], workspace.root, { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH is "yesterday"/);
  });

  it('uses the last commit that touched the given paths, not the latest commit', () => {
    git('init', '-q');
    git('config', 'user.email', 'test@example.com');
    git('config', 'user.name', 'test');
    commitAt(1600000000, 'charts/a/Chart.yaml');
    commitAt(1650000000, 'charts/b/Chart.yaml');
    commitAt(1690000000, 'README.md');
    expect(sourceDateFor([`${workspace.root}/charts/a`], workspace.root, {})).toEqual({ date: new Date(1600000000 * 1000), origin: 'git' });
    expect(sourceDateFor([`${workspace.root}/charts/a`, `${workspace.root}/charts/b`], workspace.root, {}).date).toEqual(
      new Date(1650000000 * 1000),
    );
  });

  it('falls back to a fixed date outside git', () => {
    expect(sourceDateFor([workspace.root], workspace.root, {})).toEqual({ date: FALLBACK_SOURCE_DATE, origin: 'fallback' });
  });
});
