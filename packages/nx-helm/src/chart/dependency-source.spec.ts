import { classifyRepository, normalizeRepositoryUrl, ociRepositoryProblem } from './dependency-source';

describe('classifyRepository', () => {
  it.each([
    [undefined, { kind: 'vendored' }],
    ['', { kind: 'vendored' }],
    ['file://../common', { kind: 'local-file', path: '../common' }],
    ['file:///abs/common', { kind: 'local-file', path: '/abs/common' }],
    ['oci://ghcr.io/acme/charts', { kind: 'oci', url: 'oci://ghcr.io/acme/charts' }],
    ['https://charts.example.com', { kind: 'http', url: 'https://charts.example.com' }],
    ['HTTP://charts.example.com', { kind: 'http', url: 'HTTP://charts.example.com' }],
    ['@bitnami', { kind: 'repo-alias', alias: 'bitnami' }],
    ['alias:bitnami', { kind: 'repo-alias', alias: 'bitnami' }],
  ])('classifies %p', (repository, expected) => {
    expect(classifyRepository(repository)).toEqual(expected);
  });
});

describe('normalizeRepositoryUrl', () => {
  it('ignores trailing slashes and the case of scheme and host, not of the path', () => {
    expect(normalizeRepositoryUrl('OCI://GHCR.io/Acme/charts/')).toBe('oci://ghcr.io/Acme/charts');
    expect(normalizeRepositoryUrl('https://acme.github.io/charts//')).toBe('https://acme.github.io/charts');
  });
});

describe('ociRepositoryProblem', () => {
  it.each([
    'oci://ghcr.io/acme/charts',
    'oci://127.0.0.1:5000',
    'oci://registry.example.com:5000/team/charts',
    'oci://[::1]:5000/a_b/c__d/e-f',
  ])('accepts %s, which helm downloads from', (url) => {
    expect(ociRepositoryProblem(url, 'redis')).toBeUndefined();
  });

  it('names a missing host, with the form of a valid repository', () => {
    expect(ociRepositoryProblem('oci://', 'redis')).toEqual({
      message: 'has the dependency "redis" in the repository "oci://", which names no registry host',
      fix: expect.stringContaining('Write the repository as oci://<host>[:<port>][/<path>]'),
    });
    expect(ociRepositoryProblem('oci:///charts', 'redis')?.message).toContain('which names no registry host');
  });

  it('names each part of a malformed host and path', () => {
    expect(ociRepositoryProblem('oci://h:5101:99/My Charts//', 'redis')?.message).toBe(
      'has the dependency "redis" in the repository "oci://h:5101:99/My Charts//", which helm cannot read as an OCI repository: ' +
        'its host "h:5101:99" is not a host name or address with an optional :port; its path "My Charts//" has an empty part ' +
        '(a doubled or trailing "/"); "My Charts" is not lower-case letters and digits joined by ".", "_", "__" or dashes',
    );
    expect(ociRepositoryProblem('oci://ghcr.io/acme/charts/', 'redis')?.message).toContain('has an empty part');
    expect(ociRepositoryProblem('oci://ghcr.io/Acme', 'redis')?.message).toContain('"Acme" is not lower-case');
  });

  it('says that a repository must not contain a tag, with the version and the repository to write', () => {
    expect(ociRepositoryProblem('oci://host/charts/redis:1.0.0', 'redis')).toEqual({
      message:
        'has the dependency "redis" in the repository "oci://host/charts/redis:1.0.0", which contains the tag ":1.0.0": an oci:// ' +
        'repository must not contain a tag, as helm adds the chart name ("/redis") and the tag from `version:` itself',
      fix: 'Put the version in `version: 1.0.0` and set `repository: oci://host/charts`.',
    });
    expect(ociRepositoryProblem('oci://host:5000/charts:1.2.3_build.1', 'redis')?.fix).toBe(
      'Put the version in `version: 1.2.3+build.1` and set `repository: oci://host:5000/charts`.',
    );
  });

  it('sends a digest to the pin annotation', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(ociRepositoryProblem(`oci://host/charts/redis@${digest}`, 'redis')?.fix).toBe(
      `Set \`repository: oci://host/charts\`, and pin the digest with the annotation \`nx-helm/digest.redis: ${digest}\`.`,
    );
  });

  it('does not show credentials written into the URL', () => {
    const problem = ociRepositoryProblem('oci://robot:Pa55-Word@harbor.example.com/charts', 'redis');
    expect(problem?.message).toBe(
      'has the dependency "redis" in the repository "oci://***@harbor.example.com/charts", which holds credentials',
    );
    expect(JSON.stringify(problem)).not.toContain('Pa55-Word');
  });
});
