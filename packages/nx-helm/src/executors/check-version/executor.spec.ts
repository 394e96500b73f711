import { testGit } from '../../testing/test-git';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogger } from '../../testing/capture-logger';
import { executorContextFor } from '../../testing/executor-context';
import { createTempWorkspace, writeChart, type TempWorkspace } from '../../testing/temp-workspace';
import checkVersionExecutor from './executor';

describe('check-version executor (real git)', () => {
  let workspace: TempWorkspace;
  let log: ReturnType<typeof captureLogger>;
  let base: string;

  const { git, commit } = testGit(() => workspace.root);
  const check = (chart: string, options = {}) =>
    checkVersionExecutor({ base, ...options }, executorContextFor(workspace.root, chart, `charts/${chart}`));
  const bump = (chart: string, version: string) => {
    const file = join(workspace.root, `charts/${chart}/Chart.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  };

  beforeEach(() => {
    workspace = createTempWorkspace();
    log = captureLogger();
    writeChart(workspace, 'charts/lib', { name: 'lib', type: 'library' });
    writeChart(workspace, 'charts/app', { name: 'app', dependencies: [{ name: 'lib', version: '0.1.0', repository: 'file://../lib' }] });
    writeChart(workspace, 'charts/other', { name: 'other' });
    git('init', '-q', '-b', 'main');
    commit('charts');
    base = git('rev-parse', 'HEAD');
  });
  afterEach(() => {
    log.restore();
    workspace.dispose();
  });

  it('passes for an unchanged chart and for a changed chart whose version was bumped', async () => {
    workspace.write('charts/app/values.yaml', 'greeting: hi\n');
    bump('app', '0.2.0');
    commit('app: new greeting');
    await expect(check('other')).resolves.toEqual({ success: true });
    expect(log.output()).toContain(`Chart "other" is unchanged since ${base} (--base).`);
    await expect(check('app')).resolves.toEqual({ success: true });
    expect(log.output()).toContain(`Chart "app" changed since ${base} (--base) and its version went from 0.1.0 to 0.2.0.`);
  });

  it('fails for a changed chart without a bump, naming the chart, both versions and the files', async () => {
    workspace.write('charts/app/values.yaml', 'greeting: hi\n');
    commit('app: new greeting');
    await expect(check('app')).resolves.toEqual({ success: false });
    expect(log.output()).toContain(
      `Chart "app" (charts/app) changed since ${base} (charts/app/values.yaml), but its version 0.1.0 is not greater than 0.1.0 there. ` +
        'Bump `version` in charts/app/Chart.yaml',
    );
  });

  it('counts changes to local file:// dependencies, and uncommitted changes', async () => {
    workspace.write('charts/lib/templates/_helpers.tpl', '{{- define "lib.other" -}}x{{- end }}\n');
    await expect(check('app')).resolves.toEqual({ success: false });
    expect(log.output()).toContain('changed since');
    expect(log.output()).toContain('(charts/lib/templates/_helpers.tpl)');
  });

  it('refuses a version that went down', async () => {
    bump('app', '0.0.9');
    await expect(check('app')).resolves.toEqual({ success: false });
    expect(log.output()).toContain('its version 0.0.9 is not greater than 0.1.0 there');
  });

  it('accepts a chart that is new since the base', async () => {
    writeChart(workspace, 'charts/fresh', { name: 'fresh' });
    commit('fresh chart');
    await expect(check('fresh')).resolves.toEqual({ success: true });
    expect(log.output()).toContain(`Chart "fresh" 0.1.0 is new since ${base} (--base).`);
  });

  it('takes the base as nx affected does: NX_BASE, then nx.json defaultBase, then main, and names where it came from', async () => {
    const other = () => checkVersionExecutor({}, executorContextFor(workspace.root, 'other', 'charts/other'));
    process.env.NX_BASE = base;
    try {
      await expect(other()).resolves.toEqual({ success: true });
      expect(log.output()).toContain(`Chart "other" is unchanged since ${base} (NX_BASE).`);
    } finally {
      delete process.env.NX_BASE;
    }
    workspace.write('nx.json', JSON.stringify({ defaultBase: base }));
    await expect(other()).resolves.toEqual({ success: true });
    expect(log.output()).toContain(`Chart "other" is unchanged since ${base} (nx.json's defaultBase).`);
    workspace.write('nx.json', JSON.stringify({ affected: { defaultBase: base } }));
    await expect(other()).resolves.toEqual({ success: true });
    expect(log.output()).toContain(`Chart "other" is unchanged since ${base} (nx.json's defaultBase).`);
    // Without any: main, as nx affected; this repository has no main branch, which the message says.
    workspace.write('nx.json', '{}');
    git('branch', '-m', 'trunk');
    await expect(other()).resolves.toEqual({ success: false });
    expect(log.output()).toContain('The base main (from the default base of nx affected) is not a commit of this repository.');
    git('branch', 'main');
    await expect(other()).resolves.toEqual({ success: true });
    expect(log.output()).toContain('Chart "other" is unchanged since main (the default base of nx affected).');
  });

  it('explains a missing base in a shallow clone instead of printing a git error', async () => {
    workspace.write('charts/app/values.yaml', 'greeting: hi\n');
    bump('app', '0.1.1');
    commit('second');
    const clone = createTempWorkspace('nx-helm-shallow-');
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${workspace.root}`, clone.root], { stdio: 'pipe' });
      const result = await checkVersionExecutor({ base }, executorContextFor(clone.root, 'app', 'charts/app'));
      expect(result).toEqual({ success: false });
      expect(log.output()).toContain(
        `The base commit ${base} is not in this clone: it is a shallow clone, so the history needed to compare with it is missing. ` +
          'Fetch the history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`) and run again.',
      );
      expect(log.output()).not.toMatch(/fatal:/);
    } finally {
      clone.dispose();
    }
    await expect(check('app', { base: 'no-such-branch' })).resolves.toEqual({ success: false });
    expect(log.output()).toContain('The base no-such-branch (from --base) is not a commit of this repository.');
  });
});
