import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHelmRepositories, writeHelmRepositories } from './helm-repository-config';

describe("helm's repositories.yaml", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nx-helm-repo-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what it writes, credentials and TLS settings included', () => {
    const file = join(dir, 'repositories.yaml');
    const entries = [
      { name: 'big', url: 'https://charts.example.com', username: 'u', password: 'p', caFile: '/ca.pem', insecureSkipTlsVerify: true },
      { name: 'public', url: 'https://other.example.com/charts' },
    ];
    writeHelmRepositories(file, entries);
    expect(readHelmRepositories(file)).toEqual([
      expect.objectContaining(entries[0]),
      expect.objectContaining({ ...entries[1], username: undefined, password: undefined }),
    ]);
  });

  it('names the file and line of a config that does not parse, without quoting it (it may hold a password)', () => {
    const file = join(dir, 'repositories.yaml');
    writeFileSync(file, 'repositories:\n- name: big\n  url: https://charts.example.com\n  password: "S3cret-Value\n  username: me\n');
    expect(() => readHelmRepositories(file)).toThrow(/repositories\.yaml:\d+ is not valid YAML\. Fix or remove the file/);
    try {
      readHelmRepositories(file);
    } catch (error) {
      expect((error as Error).message).not.toContain('S3cret');
    }
  });

  it('has no repositories when the file does not exist', () => {
    expect(readHelmRepositories(join(dir, 'missing.yaml'))).toEqual([]);
  });
});
