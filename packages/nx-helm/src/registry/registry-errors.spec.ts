import type { ProcessResult } from '../utils/process';
import { classifyRegistryFailure } from './registry-errors';

const failed = (stderr: string): ProcessResult => ({
  command: 'helm',
  args: [],
  exitCode: 1,
  stdout: '',
  stderr,
  failed: true,
  timedOut: false,
});

describe('classifyRegistryFailure', () => {
  it.each([
    ['Error: failed to perform "FetchReference" on source: r:5000/charts/web:9.9.9: not found', 'not-found', false],
    ['Error: GET "http://r/v2/x/manifests/1": response status code 401: unauthorized: authentication required', 'unauthorized', false],
    ['Error: GET "http://r/v2/x/manifests/1": basic credential not found', 'unauthorized', false],
    [
      'Error: push access denied, repository does not exist or may require authorization: denied: requested access to the resource is denied',
      'denied',
      false,
    ],
    [
      'Error: POST "https://ghcr.io/v2/x/blobs/uploads/": response status code 403: denied: installation not allowed to Write organization package',
      'denied',
      false,
    ],
    ['Error: Head "https://r/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority', 'tls', false],
    ['Error: Get "https://r/v2/": http: server gave HTTP response to HTTPS client', 'plain-http', false],
    ['Error: name invalid: invalid repository name', 'name-invalid', false],
    ['Error: POST "http://r/v2/x/blobs/uploads/": response status code 503: Service Unavailable', 'transient', true],
    ['Error: response status code 429: toomanyrequests: too many requests', 'transient', true],
    ['Error: Post "http://r/v2/x/blobs/uploads/": EOF', 'transient', true],
    ['Error: dial tcp 127.0.0.1:1: connect: connection refused', 'transient', true],
    ['Error: read tcp 10.0.0.1:5000: read: connection reset by peer', 'transient', true],
    ['Error: something else entirely', 'other', false],
  ])('%s -> %s', (stderr, kind, retryable) => {
    const failure = classifyRegistryFailure(failed(stderr), 'r.example');
    expect(failure).toMatchObject({ kind, retryable });
  });

  it('names the registry and the likely fix', () => {
    expect(classifyRegistryFailure(failed('unauthorized'), 'ghcr.io').hint).toMatch(
      /^ghcr\.io did not accept the credentials .*`helm registry login ghcr\.io`/,
    );
    expect(classifyRegistryFailure(failed('denied'), 'ghcr.io').hint).toMatch(/write:packages/);
    expect(classifyRegistryFailure(failed('x509: unknown authority'), 'r').hint).toMatch(/caFile/);
    expect(classifyRegistryFailure(failed('server gave HTTP response to HTTPS client'), 'r').hint).toMatch(/plainHttp: true/);
  });

  it('treats a timeout as transient', () => {
    expect(classifyRegistryFailure({ ...failed(''), timedOut: true }, 'r')).toMatchObject({ kind: 'transient', retryable: true });
  });
});
