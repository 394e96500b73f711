import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestSigningKey {
  email: string;
  passphrase: string;
  secretKeyring: string;
  publicKeyring: string;
  /** The secret keyring, ASCII-armored, as CI secrets usually hold it. */
  armoredSecretKey: string;
}

/** Generates an RSA signing key with GnuPG in `dir` (a throw-away GnuPG home) and exports its keyrings. */
export function generateSigningKey(dir: string, email: string, passphrase: string): TestSigningKey {
  const home = join(dir, `gnupg-${email}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const gpg = (args: string[], input?: string) =>
    execFileSync('gpg', ['--batch', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], {
      input,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
  gpg(
    ['--gen-key'],
    [
      'Key-Type: RSA',
      'Key-Length: 2048',
      'Name-Real: Chart Signer',
      `Name-Email: ${email}`,
      'Expire-Date: 0',
      `Passphrase: ${passphrase}`,
      '%commit',
      '',
    ].join('\n'),
  );
  const secretKeyring = join(dir, `${email}-secring.gpg`);
  const publicKeyring = join(dir, `${email}-pubring.gpg`);
  writeFileSync(secretKeyring, gpg(['--export-secret-keys', email]));
  writeFileSync(publicKeyring, gpg(['--export', email]));
  const armoredSecretKey = gpg(['--armor', '--export-secret-keys', email]).toString('utf8');
  execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { stdio: 'ignore' });
  return { email, passphrase, secretKeyring, publicKeyring, armoredSecretKey };
}
