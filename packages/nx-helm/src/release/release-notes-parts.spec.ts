import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useGraphWorkspace } from '../testing/temp-workspace';
import { changelogSection } from './changelog-section';
import { formatPublishSummary, publishOutcomes, publishTasksOf } from './publish-summary';
import { releaseTagOf } from './release-tag';

describe('changelogSection', () => {
  const changelog = [
    '## 1.3.0 (2026-12-01)',
    '',
    '### 🚀 Features',
    '',
    '- **web:** dark mode',
    '',
    '## 1.2.10 (2026-11-01)',
    '',
    '- older',
    '',
    '## [1.2.1] - 2026-10-01',
    '',
    '- bracketed',
  ].join('\n');

  it('is the text under the version heading up to the next heading of that level, sub-headings included', () => {
    expect(changelogSection(changelog, '1.3.0')).toBe('### 🚀 Features\n\n- **web:** dark mode');
    expect(changelogSection(changelog, '1.2.10')).toBe('- older');
    expect(changelogSection(changelog, '1.2.1')).toBe('- bracketed');
  });

  it('does not take a longer version for the one asked, and is undefined when there is no section', () => {
    expect(changelogSection('## 1.2.10\n\n- x\n', '1.2.1')).toBeUndefined();
    expect(changelogSection(changelog, '9.9.9')).toBeUndefined();
  });
});

describe('releaseTagOf', () => {
  it("uses the pattern of the release group that selects the project, then the workspace's, then <project>-v<version>", () => {
    expect(
      releaseTagOf(
        { groups: { charts: { projects: ['tag:helm'], releaseTag: { pattern: 'chart/{projectName}/{version}' } } } },
        'web',
        '1.0.0',
      ),
    ).toBe('chart/web/1.0.0');
    expect(
      releaseTagOf(
        { groups: { apps: { projects: ['app-*'], releaseTag: { pattern: '{releaseGroupName}-{projectName}@{version}' } } } },
        'app-x',
        '2.0.0',
      ),
    ).toBe('apps-app-x@2.0.0');
    expect(
      releaseTagOf({ releaseTag: { pattern: '{projectName}@{version}' }, groups: { other: { projects: ['api'] } } }, 'web', '1.0.0'),
    ).toBe('web@1.0.0');
    expect(releaseTagOf(undefined, 'web', '1.0.0')).toBe('web-v1.0.0');
  });
});

describe('publish summary', () => {
  const graph = useGraphWorkspace();
  const record = (root: string, fields: object) => {
    mkdirSync(join(graph.workspace.root, 'dist', root), { recursive: true });
    writeFileSync(
      join(graph.workspace.root, 'dist', root, 'push.json'),
      JSON.stringify({ registry: 'oci://r.example/charts', chartDigest: 'sha256:aa', helmVersion: 'v4.1.4', ...fields }),
    );
  };

  it('reports each chart from the push.json of this run, else from its task, and says how to finish a partial release', () => {
    const start = Date.parse('2026-12-01T10:00:00Z');
    record('charts/web', {
      chart: 'web',
      version: '1.1.0',
      reference: 'oci://r.example/charts/web:1.1.0',
      digest: 'sha256:11',
      status: 'pushed',
      time: '2026-12-01T10:00:05Z',
    });
    record('charts/api', {
      chart: 'api',
      version: '2.0.0',
      reference: 'oci://r.example/charts/api:2.0.0',
      status: 'failed',
      error: 'denied: requested access denied\nmore',
      time: '2026-12-01T10:00:06Z',
    });
    // Written by an earlier run: not this run's outcome.
    record('charts/old', {
      chart: 'old',
      version: '0.1.0',
      reference: 'oci://r.example/charts/old:0.1.0',
      digest: 'sha256:0',
      status: 'pushed',
      time: '2026-11-01T00:00:00Z',
    });
    const tasks = publishTasksOf({
      'web:nx-release-publish': {
        task: { target: { project: 'web', target: 'nx-release-publish' }, projectRoot: 'charts/web' },
        status: 'success',
      },
      'api:nx-release-publish': {
        task: { target: { project: 'api', target: 'nx-release-publish' }, projectRoot: 'charts/api' },
        status: 'failure',
      },
      'old:nx-release-publish': {
        task: { target: { project: 'old', target: 'nx-release-publish' }, projectRoot: 'charts/old' },
        status: 'skipped',
      },
      'web:lint-chart': { task: { target: { project: 'web', target: 'lint-chart' }, projectRoot: 'charts/web' }, status: 'success' },
    });
    const outcomes = publishOutcomes(tasks, graph.workspace.root, start);
    expect(outcomes.map((outcome) => [outcome.project, outcome.status])).toEqual([
      ['api', 'failed'],
      ['old', 'not run'],
      ['web', 'pushed'],
    ]);
    expect(formatPublishSummary(outcomes)).toBe(
      [
        'nx-helm: the release is published only in part (1 pushed, 1 failed, 1 not run):',
        '  api  2.0.0  failed   denied: requested access denied',
        '  old         not run  a task it depends on (lint or package) failed',
        '  web  1.1.0  pushed   oci://r.example/charts/web:1.1.0@sha256:11',
        'api failed: denied: requested access denied',
        'The charts marked pushed or skipped are in the registry; the others are not. Fix the failures and run `nx release publish` again:',
        'the published charts are skipped, and only the missing ones are pushed.',
        '',
      ].join('\n'),
    );
    expect(formatPublishSummary([])).toBe('');
  });
});
