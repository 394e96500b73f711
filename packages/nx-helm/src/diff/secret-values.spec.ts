import { parseHelmTemplateOutput } from '../render/rendered-manifest';
import { validateObjects } from '../validation/validate-objects';
import { diffObjects } from './manifest-diff';

const secret = (password: string) =>
  parseHelmTemplateOutput(
    `---\n# Source: app/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: ${password}\n  user: admin\n`,
    'app',
  ).objects;

describe('Secret values in reports', () => {
  it('shows a changed Secret value as changed, never the value', () => {
    const [change] = diffObjects(secret('hunter2'), secret('correct-horse'));
    expect(change).toMatchObject({ change: 'changed', object: 'Secret/db' });
    expect(change.diff).not.toContain('hunter2');
    expect(change.diff).not.toContain('correct-horse');
    expect(change.diff).toMatch(/^- {2}password: \(hidden, sha256 [0-9a-f]{12}\)$/m);
    expect(change.diff).toMatch(/^ {3}user: \(hidden, sha256 [0-9a-f]{12}\)$/m);
    // Keys stay in the rendered files' order.
    expect(change.diff.indexOf('metadata:')).toBeLessThan(change.diff.indexOf('stringData:'));
    expect(change.diff.indexOf('stringData:')).toBeLessThan(change.diff.indexOf('type: Opaque'));
    // Added and removed Secrets too.
    expect(diffObjects(undefined, secret('hunter2'))[0].diff).not.toContain('hunter2');
  });

  it('says what is wrong with a Secret value without quoting it', () => {
    const objects = parseHelmTemplateOutput(
      '---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: not-base64!\n',
      'app',
    ).objects;
    const { problems } = validateObjects(objects, { kubeVersion: '1.33.0', strict: true, unknownKinds: 'skip' });
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('data.password');
    expect(problems[0].message).toContain('base64');
    expect(problems[0].message).not.toContain('not-base64!');
  });
});
