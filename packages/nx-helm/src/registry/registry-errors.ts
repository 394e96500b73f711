import type { ProcessResult } from '../utils/process';

export type RegistryFailureKind = 'not-found' | 'unauthorized' | 'denied' | 'tls' | 'plain-http' | 'name-invalid' | 'transient' | 'other';

export interface RegistryFailure {
  kind: RegistryFailureKind;
  /** Worth trying again: the registry or the network may recover. */
  retryable: boolean;
  /** What the user should do about it, for the error message. */
  hint: string;
}

const PATTERNS: Array<{ kind: RegistryFailureKind; pattern: RegExp }> = [
  { kind: 'plain-http', pattern: /server gave HTTP response to HTTPS client/i },
  { kind: 'tls', pattern: /x509:|certificate signed by unknown authority|tls: /i },
  { kind: 'unauthorized', pattern: /unauthorized|authentication required|\b401\b|no basic auth credentials|basic credential not found/i },
  { kind: 'denied', pattern: /\bdenied\b|forbidden|\b403\b|insufficient_scope/i },
  { kind: 'name-invalid', pattern: /name invalid|invalid reference format|NAME_INVALID/i },
  { kind: 'not-found', pattern: /: not found\b|manifest unknown|MANIFEST_UNKNOWN|NAME_UNKNOWN|\b404\b/i },
  {
    kind: 'transient',
    pattern:
      /\b(500|502|503|504)\b|too many requests|\b429\b|internal server error|bad gateway|service unavailable|gateway timeout|connection reset|connection refused|broken pipe|\bEOF\b|i\/o timeout|timed out|timeout|TLS handshake timeout|temporarily unavailable/i,
  },
];

/** Reads what went wrong from a failed helm registry command's output. */
export function classifyRegistryFailure(result: ProcessResult, host: string): RegistryFailure {
  const output = `${result.stderr}\n${result.stdout}`;
  if (result.timedOut) {
    return { kind: 'transient', retryable: true, hint: `the command timed out talking to ${host}` };
  }
  const kind = PATTERNS.find(({ pattern }) => pattern.test(output))?.kind ?? 'other';
  return { kind, retryable: kind === 'transient', hint: hintFor(kind, host) };
}

function hintFor(kind: RegistryFailureKind, host: string): string {
  switch (kind) {
    case 'unauthorized':
      return (
        `${host} did not accept the credentials (or got none). Log in (\`helm registry login ${host}\`), or configure ` +
        `usernameEnv/passwordEnv for "${host}" in the nx-helm "registries" option and set those environment variables.`
      );
    case 'denied':
      return (
        `${host} refused access. Check that the token may push to this repository: its scopes (e.g. write:packages for ` +
        'GHCR, "packages: write" in GitHub Actions) and the repository permissions for the user.'
      );
    case 'tls':
      return `the TLS certificate of ${host} could not be verified. Set caFile to its CA bundle (or insecureSkipTlsVerify for a test registry).`;
    case 'plain-http':
      return `${host} speaks plain http. Set plainHttp: true for it.`;
    case 'name-invalid':
      return 'the registry rejected the repository name: use lower case letters, digits, ".", "_", "-" and "/".';
    case 'not-found':
      return 'the chart or version does not exist in the registry.';
    case 'transient':
      return `${host} or the network failed; try again later, or allow more retries (the retries option).`;
    default:
      return 'see the helm output above.';
  }
}
