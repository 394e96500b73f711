import { findChallenge, parseWwwAuthenticate } from './www-authenticate';

describe('parseWwwAuthenticate', () => {
  it('reads a docker token challenge, with the comma inside the quoted scope kept', () => {
    const header = 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/web:pull,push"';
    expect(parseWwwAuthenticate(header)).toEqual([
      { scheme: 'bearer', params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/web:pull,push' } },
    ]);
  });

  it('reads a basic challenge, with case-insensitive scheme and parameter names', () => {
    expect(parseWwwAuthenticate('BASIC Realm="nx-helm test"')).toEqual([{ scheme: 'basic', params: { realm: 'nx-helm test' } }]);
  });

  it('reads unquoted values, spaces around "=" and ",", and backslash escapes in quoted values', () => {
    const header =
      'Bearer realm = "https://auth.example/token" , service=registry.example, error="insufficient_scope", note="a \\"quoted\\" word"';
    expect(parseWwwAuthenticate(header)).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', error: 'insufficient_scope', note: 'a "quoted" word' },
      },
    ]);
  });

  it('splits several challenges in one header (as Node joins repeated headers)', () => {
    const challenges = parseWwwAuthenticate('Basic realm="a, b", Bearer realm="https://auth/token",service="s", Negotiate');
    expect(challenges.map((challenge) => challenge.scheme)).toEqual(['basic', 'bearer', 'negotiate']);
    expect(challenges[0].params).toEqual({ realm: 'a, b' });
    expect(findChallenge(challenges, 'Bearer')?.params).toEqual({ realm: 'https://auth/token', service: 's' });
  });

  it('reads the token68 form without taking it for a parameter', () => {
    expect(parseWwwAuthenticate('Negotiate YIIBhwYGKwYBBQUCoIIBezCCAXeg==, Basic realm="x"')).toEqual([
      { scheme: 'negotiate', params: {}, token68: 'YIIBhwYGKwYBBQUCoIIBezCCAXeg==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('gives what it could read from malformed input and nothing from an empty header', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('Bearer realm="https://auth/token",service="unterminated')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth/token' } },
    ]);
    expect(findChallenge(parseWwwAuthenticate('Basic realm="x"'), 'bearer')).toBeUndefined();
  });
});
