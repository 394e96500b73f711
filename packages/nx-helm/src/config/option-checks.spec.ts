import { normalizePluginOptions, type NxHelmPluginOptions } from './plugin-options';
import { looksLikeSecret, redactUrlCredentials } from './option-checks';

/** The message of what normalizePluginOptions throws for these options. */
function refusal(options: unknown): string {
  try {
    normalizePluginOptions(options as NxHelmPluginOptions);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the options were accepted');
}

describe('plugin options are checked as a whole', () => {
  it('names a misspelled key and the closest valid one', () => {
    expect(refusal({ registy: 'oci://ghcr.io/acme' })).toBe(
      'The nx-helm option "options" of the nx-helm plugin entry in nx.json has the unknown key "registy". Did you mean "registry"?',
    );
    expect(refusal({ lint: { stict: false } })).toContain('has the unknown key "stict". Did you mean "strict"?');
    expect(refusal({ registries: { 'ghcr.io': { passwordenv: 'GHCR_TOKEN' } } })).toContain(
      'registries["ghcr.io"] in nx.json has the unknown key "passwordenv". Did you mean "passwordEnv"?',
    );
    expect(refusal({ sign: { key: 'k', passphrase: 'x' } })).toContain('Did you mean "passphraseEnv"?');
    expect(refusal({ zzzzzzzz: 1 })).toContain('Known keys: lintTargetName, packageTargetName');
  });

  it('refuses options, registries entries and sign given as strings, without showing them', () => {
    expect(refusal('hunter2-Secret')).toBe(
      'The nx-helm option "options" of the nx-helm plugin entry in nx.json must be an object, e.g. { "registry": "oci://ghcr.io/acme/charts" }; it is a string.',
    );
    const entry = refusal({ registries: { 'ghcr.io': 'ghp_0123456789abcdefABCDEF0123456789' } });
    expect(entry).toContain('registries["ghcr.io"] in nx.json must be an object');
    expect(entry).not.toContain('ghp_');
    expect(refusal({ registries: 'user:Hunter2' })).not.toContain('Hunter2');
  });

  it.each([
    ['a GitHub token', 'ghp_0123456789abcdefABCDEF0123456789abcd'],
    ['a fine-grained GitHub token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop'],
    ['an AWS access key', 'AKIAIOSFODNN7EXAMPLE'],
    ['a generated secret', 'q8Vz3LmN0pR7sT2uW5xY9aB4cD6eF1gH'],
  ])('refuses %s where the name of a variable belongs, without printing it', (_, secret) => {
    for (const options of [
      { registries: { 'ghcr.io': { passwordEnv: secret } } },
      { registries: { 'ghcr.io': { usernameEnv: secret } } },
      { sign: { key: 'k', passphraseEnv: secret } },
    ]) {
      const message = refusal(options);
      expect(message).toMatch(/looks like a token, not the name of an environment variable/);
      expect(message).not.toContain(secret);
    }
  });

  it('accepts names of variables', () => {
    for (const name of [
      'GHCR_TOKEN',
      'GITHUB_TOKEN',
      'CI_REGISTRY_PASSWORD',
      'AWS_SECRET_ACCESS_KEY',
      'ghcr_token',
      'HARBOR_ROBOT_ACCOUNT_SECRET_2',
      'Azure_container_registry_password1',
      'helmRegistryPasswordForProduction1',
    ]) {
      expect(looksLikeSecret(name)).toBe(false);
      expect(() => normalizePluginOptions({ registries: { 'ghcr.io': { passwordEnv: name } } })).not.toThrow();
    }
  });

  it('refuses credentials in registry URLs and hosts, showing them as ***', () => {
    const registry = refusal({ registry: 'oci://robot:S3cret@harbor.example.com/charts' });
    expect(registry).toContain('"registry" in nx.json is oci://***@harbor.example.com/charts, which holds credentials');
    expect(registry).not.toContain('S3cret');
    const repository = refusal({ workspaceRepositories: ['https://me:S3cret@acme.github.io/charts'] });
    expect(repository).toContain('workspaceRepositories[0] in nx.json is https://***@acme.github.io/charts');
    expect(repository).not.toContain('S3cret');
    const host = refusal({ registries: { 'me:S3cret@ghcr.io': {} } });
    expect(host).toContain('***@ghcr.io');
    expect(host).not.toContain('S3cret');
  });

  it('redacts only user info', () => {
    expect(redactUrlCredentials('https://charts.example.com/a@b')).toBe('https://charts.example.com/a@b');
    expect(redactUrlCredentials('oci://u:p@r.example.com')).toBe('oci://***@r.example.com');
  });
});
