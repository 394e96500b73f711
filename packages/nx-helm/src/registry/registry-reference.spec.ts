import { chartReference, parseRegistryLocation } from './registry-reference';
import { connectionFlags, hostOptionsFor } from './registry-options';

describe('registry references', () => {
  it('parses oci:// locations into host and path', () => {
    expect(parseRegistryLocation('oci://ghcr.io/acme/charts/', 'test')).toEqual({
      url: 'oci://ghcr.io/acme/charts',
      host: 'ghcr.io',
      path: 'acme/charts',
    });
    expect(parseRegistryLocation('oci://127.0.0.1:5000', 'test')).toEqual({
      url: 'oci://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      path: '',
    });
  });

  it('rejects what is not an OCI location, or has upper case in its path, saying where it came from', () => {
    expect(() => parseRegistryLocation('ghcr.io/acme', 'the NX_HELM_REGISTRY environment variable')).toThrow(
      'The registry "ghcr.io/acme" (from the NX_HELM_REGISTRY environment variable) is not an OCI registry reference. Use the form oci://<host>[/<path>], e.g. oci://ghcr.io/acme/charts.',
    );
    expect(() => parseRegistryLocation('oci://ghcr.io/Acme', 'nx.json')).toThrow(/upper case letters in its path/);
  });

  it('refuses credentials in the URL, e.g. from NX_HELM_REGISTRY, without showing them', () => {
    const refuse = () =>
      parseRegistryLocation('oci://robot:Pa55-Word@harbor.example.com/charts', 'the NX_HELM_REGISTRY environment variable');
    expect(refuse).toThrow(
      'The registry oci://***@harbor.example.com/charts (from the NX_HELM_REGISTRY environment variable) holds credentials in its URL.',
    );
    expect(refuse).not.toThrow(/Pa55/);
  });

  it('builds chart references with helm’s tag rule for build metadata', () => {
    const registry = parseRegistryLocation('oci://ghcr.io/acme', 'test');
    expect(chartReference(registry, 'web', '1.2.3+build.7')).toMatchObject({
      repository: 'oci://ghcr.io/acme/web',
      tag: '1.2.3_build.7',
      reference: 'oci://ghcr.io/acme/web:1.2.3_build.7',
    });
  });
});

describe('registry connection options', () => {
  const all = { plainHttp: true, insecureSkipTlsVerify: true, caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' };

  it('maps options to the flags each helm command takes', () => {
    expect(connectionFlags(all, 'push', 4)).toEqual([
      '--plain-http',
      '--insecure-skip-tls-verify',
      '--ca-file',
      '/ca.pem',
      '--cert-file',
      '/c.pem',
      '--key-file',
      '/k.pem',
    ]);
    expect(connectionFlags(all, 'login', 4)).toEqual([
      '--plain-http',
      '--insecure',
      '--ca-file',
      '/ca.pem',
      '--cert-file',
      '/c.pem',
      '--key-file',
      '/k.pem',
    ]);
    // Helm 3's registry login has no --plain-http.
    expect(connectionFlags(all, 'login', 3)[0]).toBe('--insecure');
    expect(connectionFlags({}, 'pull', 4)).toEqual([]);
  });

  it('layers target settings over the host entry', () => {
    expect(
      hostOptionsFor(
        'r:5000',
        { 'r:5000': { usernameEnv: 'U', passwordEnv: 'P', plainHttp: false, caFile: 'ca.pem' } },
        { plainHttp: true, caFile: undefined },
      ),
    ).toEqual({ usernameEnv: 'U', passwordEnv: 'P', plainHttp: true, caFile: 'ca.pem' });
    expect(hostOptionsFor('other', { 'r:5000': { plainHttp: true } }, {})).toEqual({});
  });

  it('uses plain http for loopback registries without TLS settings, like Helm 3 does', () => {
    expect(hostOptionsFor('127.0.0.1:5000', undefined, {})).toEqual({ plainHttp: true });
    expect(hostOptionsFor('localhost:5000', undefined, {})).toEqual({ plainHttp: true });
    expect(hostOptionsFor('[::1]:5000', undefined, {})).toEqual({ plainHttp: true });
    expect(hostOptionsFor('127.0.0.1:5000', undefined, { caFile: '/ca.pem' })).toEqual({ caFile: '/ca.pem' });
    expect(hostOptionsFor('127.0.0.1:5000', { '127.0.0.1:5000': { plainHttp: false } }, {})).toEqual({ plainHttp: false });
    expect(hostOptionsFor('registry.example.com', undefined, {})).toEqual({});
  });
});
