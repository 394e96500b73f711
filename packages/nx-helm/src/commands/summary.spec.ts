import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { formatPushSummary, readPushRecords } from './summary';

const record = (chart: string, status: 'pushed' | 'skipped' | 'failed', extra = {}) => ({
  chart,
  version: '1.0.0',
  reference: `oci://r.example/charts/${chart}:1.0.0`,
  registry: 'oci://r.example/charts',
  digest: status === 'failed' ? undefined : `sha256:${chart[0].repeat(64)}`,
  chartDigest: `sha256:${'f'.repeat(64)}`,
  status,
  time: '2026-01-01T00:00:00.000Z',
  helmVersion: '4.1.4',
  ...extra,
});

describe('push summary', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  it('reads every push.json under the folder, sorted by chart', () => {
    workspace.write('dist/charts/web/push.json', JSON.stringify(record('web', 'pushed')));
    workspace.write('dist/libs/api/push.json', JSON.stringify(record('api', 'skipped')));
    workspace.write('dist/charts/web/web-1.0.0.tgz', 'x');
    expect(readPushRecords(`${workspace.root}/dist`).map((r) => [r.chart, r.file])).toEqual([
      ['api', 'libs/api/push.json'],
      ['web', 'charts/web/push.json'],
    ]);
    expect(readPushRecords(`${workspace.root}/missing`)).toEqual([]);
  });

  it('prints a table with pinned references, counts and failures', () => {
    const text = formatPushSummary(
      [record('api', 'skipped'), record('web', 'pushed'), record('db', 'failed', { error: 'denied' })],
      'text',
    );
    expect(text).toBe(
      [
        'CHART  VERSION  STATUS   REFERENCE',
        `api    1.0.0    skipped  oci://r.example/charts/api@sha256:${'a'.repeat(64)}`,
        `web    1.0.0    pushed   oci://r.example/charts/web@sha256:${'w'.repeat(64)}`,
        'db     1.0.0    failed   oci://r.example/charts/db:1.0.0',
        '',
        '1 pushed, 1 skipped, 1 failed.',
        'db 1.0.0 failed: denied',
        '',
      ].join('\n'),
    );
  });

  it('prints markdown for a CI step summary and JSON for scripts', () => {
    const markdown = formatPushSummary([record('web', 'pushed')], 'markdown');
    const digest = `sha256:${'w'.repeat(64)}`;
    expect(markdown).toContain('| Chart | Version | Status | Digest | Install | Verify |');
    expect(markdown).toContain(
      `| web | 1.0.0 | pushed | \`${digest}\` | \`helm install web oci://r.example/charts/web --version 1.0.0\` | \`helm pull oci://r.example/charts/web@${digest}\` |`,
    );
    expect(formatPushSummary([record('web', 'pushed')], 'markdown', 'cosign')).toContain(
      `\`cosign verify r.example/charts/web@${digest} --certificate-identity-regexp`,
    );
    expect(formatPushSummary([record('web', 'pushed')], 'markdown', 'gpg')).toContain(
      '`helm pull oci://r.example/charts/web --version 1.0.0 --verify`',
    );
    expect(JSON.parse(formatPushSummary([record('web', 'pushed')], 'json'))).toEqual([
      expect.objectContaining({ chart: 'web', status: 'pushed', digest: `sha256:${'w'.repeat(64)}` }),
    ]);
  });

  it('says when there is nothing to summarise', () => {
    expect(formatPushSummary([], 'text')).toMatch(/^No push results found/);
  });
});
