import { parseRenderedFile } from '../render/rendered-manifest';
import { jsonReport, markdownReport, REPORT_MARKER, terminalSummary, type ChartDiff, type DiffReport } from './diff-report';
import { diffObjects, type ObjectChange } from './manifest-diff';

const BASE = '0123456789abcdef0123456789abcdef01234567';

function deployment(replicas: number, extra = ''): string {
  return [
    '---',
    '# Source: templates/deployment.yaml',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    `  replicas: ${replicas}`,
    extra,
  ].join('\n');
}

const SERVICE = ['---', '# Source: templates/service.yaml', 'apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', ''].join('\n');

function changes(before: string | undefined, after: string | undefined): ObjectChange[] {
  return diffObjects(
    before === undefined ? undefined : parseRenderedFile(before),
    after === undefined ? undefined : parseRenderedFile(after),
  );
}

function chart(overrides: Partial<ChartDiff> & Pick<ChartDiff, 'chart'>): ChartDiff {
  return {
    project: overrides.chart,
    root: `charts/${overrides.chart}`,
    status: 'changed',
    sameVersion: false,
    valuesSets: [],
    ...overrides,
  };
}

function report(charts: ChartDiff[]): DiffReport {
  return { base: BASE, baseRef: 'origin/main', head: 'working tree', charts, renders: { fromCache: 3, rendered: 2 } };
}

/** One chart of each kind a reviewer has to tell apart, and one that renders the same. */
const MIXED = report([
  chart({
    chart: 'web',
    versionBefore: '1.2.0',
    versionAfter: '1.3.0',
    valuesSets: [
      { valuesSet: 'default', status: 'changed', changes: changes(deployment(1), deployment(2) + SERVICE) },
      { valuesSet: 'ci-values', status: 'unchanged', changes: [] },
      { valuesSet: 'prod-values', status: 'added', changes: changes(undefined, deployment(5)) },
    ],
  }),
  chart({
    chart: 'api',
    versionBefore: '0.1.0',
    versionAfter: '0.1.0',
    sameVersion: true,
    valuesSets: [{ valuesSet: 'default', status: 'changed', changes: changes(deployment(1), deployment(3)) }],
  }),
  chart({
    chart: 'queue',
    status: 'added',
    versionAfter: '0.1.0',
    valuesSets: [{ valuesSet: 'default', status: 'added', changes: changes(undefined, deployment(1) + SERVICE) }],
  }),
  chart({
    chart: 'legacy',
    status: 'removed',
    versionBefore: '2.0.0',
    valuesSets: [{ valuesSet: 'default', status: 'removed', changes: changes(SERVICE, undefined) }],
  }),
  chart({
    chart: 'broken',
    status: 'failed',
    versionBefore: '1.0.0',
    versionAfter: '1.0.1',
    error: 'Error: template: broken/templates/x.yaml:3:4: executing "x" at <.Values.a.b>: nil pointer evaluating interface {}.b',
  }),
  chart({
    chart: 'same',
    status: 'unchanged',
    versionBefore: '1.0.0',
    versionAfter: '1.0.0',
    valuesSets: [{ valuesSet: 'default', status: 'unchanged', changes: [] }],
  }),
]);

function tableRows(markdown: string): string[] {
  return markdown.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Chart') && !line.startsWith('| ---'));
}

describe('markdownReport', () => {
  const markdown = markdownReport(MIXED);

  it('starts with the marker line, then the title with base and head', () => {
    const lines = markdown.split('\n');
    expect(lines[0]).toBe(REPORT_MARKER);
    expect(lines[1]).toBe('### nx-helm: rendered manifests');
    expect(markdown).toContain('`origin/main` (`0123456789ab`) → the working tree · 5 renderings, 3 from cache');
  });

  it('puts the summary table before the first section, one row per chart that changed, with counts and notes', () => {
    expect(markdown.indexOf('| Chart | Version | Values sets | Added | Removed | Changed | Note |')).toBeLessThan(
      markdown.indexOf('<details>'),
    );
    expect(tableRows(markdown)).toEqual([
      '| web `charts/web` | 1.2.0 → 1.3.0 | `default`, `prod-values` (new values file) | 2 | 0 | 1 |  |',
      '| api `charts/api` | 0.1.0 | `default` | 0 | 0 | 1 | ⚠ version not bumped |',
      '| queue `charts/queue` | 0.1.0 | `default` | 2 | 0 | 0 | new chart |',
      '| legacy `charts/legacy` | 2.0.0 | `default` | 0 | 1 | 0 | deleted chart |',
      '| broken `charts/broken` | 1.0.0 → 1.0.1 | — | — | — | — | ⚠ rendering failed |',
    ]);
    expect(markdown).toContain('\n1 affected chart renders the same.\n');
  });

  it('gives each changed chart a collapsed section with its objects per values set and a diff block for each', () => {
    expect(markdown.match(/<details>/g)).toHaveLength(5);
    expect(markdown.match(/<\/details>/g)).toHaveLength(5);
    expect(markdown).toContain('<details><summary><b>web</b> <code>charts/web</code> 1.2.0 → 1.3.0: 2 added, 1 changed</summary>');
    expect(markdown).toContain('<summary><b>api</b> <code>charts/api</code> 0.1.0: 1 changed · ⚠ version not bumped</summary>');
    expect(markdown).toContain('Renders the same with `ci-values`.');
    expect(markdown).toContain('#### `default`: 1 added, 1 changed');
    expect(markdown).toContain('#### `prod-values` (new values file): 1 added');
    expect(markdown).toContain(
      '- **changed** `Deployment/web` from `templates/deployment.yaml` (+1 -1)\n\n```diff\n--- Deployment/web\n+++ Deployment/web\n',
    );
    expect(markdown).toContain(
      '- **added** `Service/web` from `templates/service.yaml` (+5 -0)\n\n```diff\n--- /dev/null\n+++ Service/web\n',
    );
    expect(markdown).toContain('- **removed** `Service/web` from `templates/service.yaml` (+0 -5)');
    expect(markdown.match(/```diff\n/g)).toHaveLength(7);
    expect(markdown).toContain('Rendering failed:\n\n```text\nError: template: broken/templates/x.yaml:3:4:');
  });

  it('says so when no rendered object changed at all', () => {
    const same = markdownReport(report([chart({ chart: 'a', status: 'unchanged' }), chart({ chart: 'b', status: 'unchanged' })]));
    expect(same).toBe(
      `${REPORT_MARKER}\n### nx-helm: rendered manifests\n\n` +
        '`origin/main` (`0123456789ab`) → the working tree · 5 renderings, 3 from cache\n\n' +
        'No rendered object changed: 2 affected charts render the same.\n',
    );
    expect(markdownReport(report([]))).toContain('No chart is affected.');
  });

  it('fences a diff that holds ``` with a longer fence, so the block does not end early', () => {
    const template = changes(deployment(1), deployment(2, 'template: |\n  ```\n  code\n  ````\n'));
    const fenced = markdownReport(
      report([chart({ chart: 'web', valuesSets: [{ valuesSet: 'default', status: 'changed', changes: template }] })]),
    );
    expect(fenced).toContain('`````diff\n--- Deployment/web');
    expect(fenced).toContain('\n+  ````\n`````\n');
  });

  it('escapes HTML in section summaries and pipes in table cells', () => {
    const odd = markdownReport(
      report([
        chart({
          chart: 'web',
          root: 'charts/<web>|&',
          valuesSets: [{ valuesSet: 'default', status: 'changed', changes: changes(deployment(1), deployment(2)) }],
        }),
      ]),
    );
    expect(odd).toContain('<summary><b>web</b> <code>charts/&lt;web&gt;|&amp;</code>');
    expect(tableRows(odd)[0]).toMatch(/^\| web `charts\/<web>\\\|&` \| /);
  });

  describe('truncation', () => {
    const HUGE_LINES = 5_000;
    const hugeConfig = [
      '---',
      '# Source: templates/configmap.yaml',
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: big',
      'data:',
    ];
    const hugeBefore = [...hugeConfig, ...Array.from({ length: HUGE_LINES }, (_, index) => `  key${index}: before-${index}`), ''].join(
      '\n',
    );
    const hugeAfter = [...hugeConfig, ...Array.from({ length: HUGE_LINES }, (_, index) => `  key${index}: after-${index}`), ''].join('\n');
    const big = report([
      chart({
        chart: 'big',
        versionBefore: '1.0.0',
        versionAfter: '1.1.0',
        valuesSets: [{ valuesSet: 'default', status: 'changed', changes: changes(hugeBefore, hugeAfter) }],
      }),
      chart({ chart: 'small', valuesSets: [{ valuesSet: 'default', status: 'changed', changes: changes(deployment(1), deployment(2)) }] }),
    ]);
    const hugeDiffLines = big.charts[0].valuesSets[0].changes[0].diff.trimEnd().split('\n').length;

    it('leaves out a 5,000-line diff, keeps the table and the diffs that fit, and names what it left out and where it is', () => {
      expect(hugeDiffLines).toBeGreaterThan(2 * HUGE_LINES);
      const truncated = markdownReport(big, { fullReport: 'the job summary' });

      expect(truncated.length).toBeLessThanOrEqual(60_000);
      expect(truncated.split('\n')[0]).toBe(REPORT_MARKER);
      expect(tableRows(truncated)).toHaveLength(2);
      expect(truncated).toContain(
        `- **changed** \`ConfigMap/big\` from \`templates/configmap.yaml\` (+5006 -5006): diff left out (${hugeDiffLines.toLocaleString('en-US')} lines)`,
      );
      expect(truncated).not.toContain('+++ ConfigMap/big');
      expect(truncated).toContain('```diff\n--- Deployment/web');
      expect(truncated.trimEnd().split('\n').pop()).toBe(
        `**This report is truncated** to fit 60,000 characters. Left out 1 object diff (${hugeDiffLines.toLocaleString('en-US')} lines) — ` +
          `\`charts/big\`: 1 object diff, ${hugeDiffLines.toLocaleString('en-US')} lines. The full report is in the job summary.`,
      );
      expect(truncated.match(/<details>/g)).toHaveLength(2);
      expect(truncated.match(/<\/details>/g)).toHaveLength(2);
    });

    it('points to the JSON report when the caller names no other place', () => {
      expect(markdownReport(big)).toContain('The full report is in the JSON report.');
    });

    it('stays within any maxLength that fits the table, leaving out whole sections when needed', () => {
      const complete = markdownReport(MIXED).length;
      for (const maxLength of [700, 900, 1_200, 2_000, complete - 1]) {
        const truncated = markdownReport(MIXED, { maxLength });
        expect(truncated.length).toBeLessThanOrEqual(maxLength);
        expect(truncated.startsWith(`${REPORT_MARKER}\n`)).toBe(true);
        expect(truncated).toContain('**This report is truncated**');
        expect(truncated.match(/<details>/g)?.length ?? 0).toBe(truncated.match(/<\/details>/g)?.length ?? 0);
      }
      expect(markdownReport(MIXED, { maxLength: 1_200 })).toMatch(/`charts\/broken`: its whole section \(helm's error\)/);
    });

    it('names the first 20 charts it left out and counts the others', () => {
      const many = report(
        Array.from({ length: 100 }, (_, index) =>
          chart({
            chart: `chart-${index}`,
            valuesSets: [{ valuesSet: 'default', status: 'changed', changes: changes(deployment(1), deployment(2)) }],
          }),
        ),
      );
      const complete = markdownReport(many, { maxLength: Infinity });
      const truncated = markdownReport(many, { maxLength: complete.length - 8_000 });

      expect(truncated.length).toBeLessThanOrEqual(complete.length - 8_000);
      const note = truncated.trimEnd().split('\n').pop() as string;
      const named = note.match(/`charts\/chart-\d+`: (its whole section \()?1 object diff, 8 lines/g) ?? [];
      expect(named).toHaveLength(20);
      const shown = truncated.match(/```diff\n/g)?.length ?? 0;
      expect(100 - shown).toBeGreaterThan(20);
      expect(note).toContain(`Left out ${100 - shown} object diffs (${((100 - shown) * 8).toLocaleString('en-US')} lines) — `);
      expect(note).toContain(
        `; ${100 - shown - 20} more charts (${100 - shown - 20} object diffs, ${((100 - shown - 20) * 8).toLocaleString('en-US')} lines).`,
      );
    });

    it('cuts the table itself with a row counting the charts left out when even it is too long', () => {
      const many = report(
        Array.from({ length: 300 }, (_, index) =>
          chart({
            chart: `chart-${index}`,
            valuesSets: [{ valuesSet: 'default', status: 'changed', changes: changes(deployment(1), deployment(2)) }],
          }),
        ),
      );
      const truncated = markdownReport(many, { maxLength: 5_000 });

      expect(truncated.length).toBeLessThanOrEqual(5_000);
      expect(truncated).not.toContain('<details>');
      const rows = tableRows(truncated);
      const kept = rows.length - 1;
      expect(kept).toBeGreaterThan(10);
      expect(rows[kept]).toBe(`| … ${300 - kept} more charts |  |  |  |  |  |  |`);
      expect(truncated).toContain(
        `Left out: ${300 - kept} of 300 table rows, and the details of every chart (300 object diffs, 2,400 lines).`,
      );
    });
  });
});

describe('terminalSummary', () => {
  it('prints a line per changed chart with counts per values set, warnings under it and a total', () => {
    expect(terminalSummary(MIXED).split('\n')).toEqual([
      'nx-helm: rendered manifests, origin/main (0123456789ab) → working tree',
      'charts/web (web 1.2.0 → 1.3.0): default: +1 -0 ~1, prod-values (new values file): +1 -0 ~0',
      'charts/api (api 0.1.0): default: +0 -0 ~1',
      '  warning: charts/api renders differently but its version 0.1.0 was not bumped: it would ship a different chart under the same version',
      'charts/queue (queue 0.1.0): new chart, default: +2 -0 ~0',
      'charts/legacy (legacy 2.0.0): deleted chart, default: +0 -1 ~0',
      'charts/broken (broken 1.0.0 → 1.0.1): rendering failed',
      '  error: charts/broken: Error: template: broken/templates/x.yaml:3:4: executing "x" at <.Values.a.b>: nil pointer evaluating interface {}.b',
      'Total: 4 charts changed, 1 failed, 1 renders the same; objects +4 -1 ~2; 2 rendered, 3 from cache',
      '',
    ]);
  });

  it('indents each further line of a multi-line helm error and names a sha head by its short form', () => {
    const summary = terminalSummary({
      ...report([chart({ chart: 'broken', status: 'failed', error: 'Error: one\ntwo\n' })]),
      baseRef: undefined,
      head: 'fedcba9876543210fedcba9876543210fedcba98',
    });
    expect(summary.split('\n')).toEqual([
      'nx-helm: rendered manifests, 0123456789ab → fedcba987654',
      'charts/broken (broken): rendering failed',
      '  error: charts/broken: Error: one',
      '    two',
      'Total: 0 charts changed, 1 failed, 0 render the same; objects +0 -0 ~0; 2 rendered, 3 from cache',
      '',
    ]);
  });
});

describe('jsonReport', () => {
  it('writes the whole report with 2-space indentation', () => {
    const json = jsonReport(MIXED);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(MIXED)));
    expect(json).toMatch(
      /^\{\n {2}"base": "0123456789abcdef0123456789abcdef01234567",\n {2}"baseRef": "origin\/main",\n {2}"head": "working tree",\n/,
    );
  });

  it('keeps one key order whatever order the report was built in', () => {
    const [web] = MIXED.charts;
    const reordered: DiffReport = {
      renders: { rendered: 2, fromCache: 3 },
      charts: [
        {
          valuesSets: web.valuesSets.map(({ changes, status, valuesSet }) => ({
            changes: changes.map(({ diff, removed, added, source, kind, apiVersion, object, change }) => ({
              diff,
              removed,
              added,
              source,
              kind,
              apiVersion,
              object,
              change,
            })),
            status,
            valuesSet,
          })),
          sameVersion: web.sameVersion,
          versionAfter: web.versionAfter,
          versionBefore: web.versionBefore,
          status: web.status,
          root: web.root,
          chart: web.chart,
          project: web.project,
        },
      ],
      head: MIXED.head,
      baseRef: MIXED.baseRef,
      base: MIXED.base,
    };
    expect(jsonReport(reordered)).toBe(jsonReport({ ...MIXED, charts: [web] }));
    expect(Object.keys(JSON.parse(jsonReport(reordered)).charts[0])).toEqual([
      'project',
      'chart',
      'root',
      'status',
      'versionBefore',
      'versionAfter',
      'sameVersion',
      'valuesSets',
    ]);
  });
});
