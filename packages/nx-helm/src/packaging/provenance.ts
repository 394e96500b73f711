import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runProcess } from '../utils/process';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';
import { NxHelmError } from '../utils/nx-helm-error';
import { ENV } from '../config/constants';
import { readArchiveFile } from './reproducible-archive';
import { fileDigest } from '../utils/file-digest';

/** How to sign packages. The keyring is a file or an environment variable; the passphrase only ever an environment variable. */
export interface SigningOptions {
  /** Name, email or fingerprint of the secret key to sign with. */
  key: string;
  /** Secret keyring file (e.g. `gpg --export-secret-keys > secring.gpg`), relative to the workspace root. */
  keyring?: string;
  /** Environment variable holding the secret keyring, ASCII-armored or base64 of the binary form. */
  keyringEnv?: string;
  /** Environment variable holding the key's passphrase. */
  passphraseEnv?: string;
  /** Public keyring that verify-chart checks provenance with. */
  publicKeyring?: string;
}

/** Once nx.json signs, every package-chart does, also where the key is not at hand (a developer's machine). */
const UNSIGNED_FIX = `Set it, or set ${ENV.sign}=false to package unsigned (e.g. locally).`;

/**
 * Writes `<archive>.prov`: Helm's provenance format (the chart's metadata, a `...` line, and the archive's sha256 under
 * `files:`), clear-signed with GnuPG using SHA-512, as `helm package --sign` does. Signing the finished archive,
 * rather than letting helm sign while packaging, keeps the archive byte-reproducible; `helm verify` and
 * `helm pull --verify` accept the result. The key is imported into a temporary GnuPG home that is removed afterwards.
 */
export async function signChartArchive(
  archivePath: string,
  chartName: string,
  options: SigningOptions,
  keyringPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const chartYaml = await readArchiveFile(archivePath, `${chartName}/Chart.yaml`);
  if (!chartYaml) {
    throw new NxHelmError(`${archivePath} has no ${chartName}/Chart.yaml to sign.`);
  }
  const passphrase = options.passphraseEnv ? env[options.passphraseEnv] : '';
  if (passphrase === undefined) {
    throw new NxHelmError(
      `Signing is configured with passphraseEnv "${options.passphraseEnv}", but that environment variable is not set. ${UNSIGNED_FIX}`,
    );
  }
  const home = createTempDir('nx-helm-gnupg-');
  try {
    const keyringFile = join(home, 'import.gpg');
    writeFileSync(keyringFile, keyringBytes(options, keyringPath, env), { mode: 0o600 });
    const gpg = (args: string[]) =>
      runProcess('gpg', ['--batch', '--no-tty', '--homedir', home, '--pinentry-mode', 'loopback', '--passphrase-fd', '0', ...args], {
        input: `${passphrase}\n`,
        env: { PATH: env.PATH, LANG: 'C' },
      });
    const imported = await gpg(['--import', keyringFile]);
    if (imported.startError) {
      throw new NxHelmError(
        `Signing needs GnuPG, but gpg could not be run (${imported.startError}). Install it (e.g. apt-get install gnupg).`,
      );
    }
    if (imported.failed) {
      throw new NxHelmError(
        `The signing keyring (${keyringOrigin(options)}) could not be imported:\n${imported.stderr.trim()}\nFix: export it with \`gpg --export-secret-keys\`.`,
      );
    }
    const digest = fileDigest(archivePath);
    const message = join(home, 'message');
    writeFileSync(message, `${chartYaml.toString('utf8')}\n...\nfiles:\n  ${basename(archivePath)}: ${digest}\n`);
    const provenance = `${archivePath}.prov`;
    const signed = await gpg([
      '--local-user',
      options.key,
      '--digest-algo',
      'SHA512',
      '--clearsign',
      '--yes',
      '--output',
      provenance,
      message,
    ]);
    if (signed.failed) {
      const reason = /bad passphrase/i.test(signed.stderr)
        ? `the passphrase in ${options.passphraseEnv ?? '(none configured)'} does not unlock it`
        : /no secret key|skipped/i.test(signed.stderr)
          ? `there is no secret key "${options.key}" in the keyring (${keyringOrigin(options)})`
          : signed.stderr.trim();
      throw new NxHelmError(`Signing ${basename(archivePath)} with key "${options.key}" failed: ${reason}.`);
    }
    return provenance;
  } finally {
    await runProcess('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { env: { PATH: env.PATH } });
    removeTempDir(home);
  }
}

function keyringBytes(options: SigningOptions, keyringPath: string | undefined, env: NodeJS.ProcessEnv): Buffer {
  if (options.keyringEnv) {
    const value = env[options.keyringEnv];
    if (!value) {
      throw new NxHelmError(
        `Signing is configured with keyringEnv "${options.keyringEnv}", but that environment variable is not set. ${UNSIGNED_FIX}`,
      );
    }
    return value.includes('-----BEGIN PGP') ? Buffer.from(value) : Buffer.from(value, 'base64');
  }
  if (!keyringPath) {
    throw new NxHelmError('Signing needs a keyring: set sign.keyring (a file) or sign.keyringEnv (an environment variable).');
  }
  try {
    return readFileSync(keyringPath);
  } catch {
    throw new NxHelmError(`The signing keyring ${keyringPath} cannot be read. Export one with \`gpg --export-secret-keys > secring.gpg\`.`);
  }
}

function keyringOrigin(options: SigningOptions): string {
  return options.keyringEnv ? `environment variable ${options.keyringEnv}` : `file ${options.keyring}`;
}
