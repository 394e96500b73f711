import type { SigningOptions } from '../packaging/provenance';
import type { RegistriesOptions } from '../registry/registry-options';

/**
 * Names of the environment variables that hold secrets according to the target's options: every registry's
 * credentials and the signing key's keyring and passphrase. They are kept away from helm's environment.
 */
export function secretVariables(options: { registries?: RegistriesOptions; sign?: SigningOptions }): string[] {
  const registries = Object.values(options.registries ?? {}).flatMap((entry) => [entry.usernameEnv, entry.passwordEnv]);
  const signing = [options.sign?.keyringEnv, options.sign?.passphraseEnv];
  return [...registries, ...signing].filter((name): name is string => Boolean(name));
}
