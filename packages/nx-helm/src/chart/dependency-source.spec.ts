import { classifyRepository, normalizeRepositoryUrl } from './dependency-source';

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
