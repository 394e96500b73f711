import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NxHelmError } from '../../utils/nx-helm-error';
import { resolveCredentials } from './credentials';

/**
 * A credential helper speaking docker's protocol: the server address on stdin, JSON on stdout, "credentials not
 * found" on stdout with a non-zero exit for unknown servers. It logs every server address it was asked for.
 */
const HELPER = `#!/bin/sh
read -r server
printf '%s\\n' "$server" >> "$(dirname "$0")/asked.log"
case "$server" in
  helper.example:5000) printf '{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}' "$server" ;;
  token.example) printf '{"ServerURL":"%s","Username":"<token>","Secret":"identity-from-helper"}' "$server" ;;
  https://index.docker.io/v1/) printf '{"Username":"hub-user","Secret":"hub-secret"}' ;;
  store.example) printf '{"Username":"store-user","Secret":"store-secret"}' ;;
  broken.example) echo "the keychain is locked" >&2; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

const basic = (username: string, password: string) => Buffer.from(`${username}:${password}`).toString('base64');

describe('resolveCredentials', () => {
  let root: string;
  let home: string;
  let binDir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-helm-credentials-'));
    home = join(root, 'home');
    binDir = join(root, 'bin');
    mkdirSync(home);
    mkdirSync(binDir);
    writeFileSync(join(binDir, 'docker-credential-nxtest'), HELPER);
    chmodSync(join(binDir, 'docker-credential-nxtest'), 0o755);
    env = { HOME: home, PATH: `${binDir}:${process.env.PATH}` };
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const writeJson = (file: string, content: unknown) => {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const helperWasAskedFor = () => {
    try {
      return readFileSync(join(binDir, 'asked.log'), 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };

  describe('environment variables named in the registries option', () => {
    it('come first, before any saved login', async () => {
      writeJson(join(home, '.docker/config.json'), { auths: { 'r.example': { auth: basic('saved', 'saved-pass') } } });
      const credentials = await resolveCredentials(
        'r.example',
        { usernameEnv: 'REG_USER', passwordEnv: 'REG_PASS' },
        { ...env, REG_USER: 'ci-user', REG_PASS: 'ci-pass' },
      );
      expect(credentials).toEqual({ username: 'ci-user', password: 'ci-pass' });
    });

    it('must both be set: an error names the missing variables, never a value', async () => {
      const attempt = resolveCredentials(
        'r.example',
        { usernameEnv: 'REG_USER', passwordEnv: 'REG_PASS' },
        { ...env, REG_USER: 'ci-user', REG_PASS: '' },
      );
      await expect(attempt).rejects.toThrow(NxHelmError);
      await expect(attempt).rejects.toThrow(/r\.example.*REG_PASS are not set or empty/);
      await expect(attempt).rejects.not.toThrow(/ci-user/);
    });

    it('must both be configured', async () => {
      await expect(resolveCredentials('r.example', { usernameEnv: 'REG_USER' }, { ...env, REG_USER: 'u' })).rejects.toThrow(
        /only one of usernameEnv and passwordEnv is set \(usernameEnv: REG_USER\)/,
      );
    });
  });

  describe("helm's registry config", () => {
    it('is read from HELM_REGISTRY_CONFIG', async () => {
      const file = writeJson(join(root, 'helm-registry.json'), { auths: { '127.0.0.1:5000': { auth: basic('helm-user', 'pa:ss:word') } } });
      expect(await resolveCredentials('127.0.0.1:5000', undefined, { ...env, HELM_REGISTRY_CONFIG: file })).toEqual({
        username: 'helm-user',
        password: 'pa:ss:word',
      });
    });

    it('is read from $XDG_CONFIG_HOME/helm, else from $HOME/.config/helm', async () => {
      writeJson(join(root, 'xdg/helm/registry/config.json'), { auths: { 'r.example': { auth: basic('xdg-user', 'x') } } });
      writeJson(join(home, '.config/helm/registry/config.json'), { auths: { 'r.example': { auth: basic('home-user', 'h') } } });
      expect(await resolveCredentials('r.example', undefined, { ...env, XDG_CONFIG_HOME: join(root, 'xdg') })).toEqual({
        username: 'xdg-user',
        password: 'x',
      });
      expect(await resolveCredentials('r.example', undefined, env)).toEqual({ username: 'home-user', password: 'h' });
    });

    it("wins over docker's config", async () => {
      writeJson(join(home, '.config/helm/registry/config.json'), { auths: { 'r.example': { auth: basic('helm-user', 'h') } } });
      writeJson(join(home, '.docker/config.json'), { auths: { 'r.example': { auth: basic('docker-user', 'd') } } });
      expect(await resolveCredentials('r.example', undefined, env)).toEqual({ username: 'helm-user', password: 'h' });
    });
  });

  describe("docker's config", () => {
    it('is read from $DOCKER_CONFIG, else from $HOME/.docker', async () => {
      writeJson(join(root, 'docker-dir/config.json'), { auths: { 'r.example': { username: 'dc-user', password: 'dc-pass' } } });
      writeJson(join(home, '.docker/config.json'), { auths: { 'r.example': { auth: basic('home-user', 'h') } } });
      expect(await resolveCredentials('r.example', undefined, { ...env, DOCKER_CONFIG: join(root, 'docker-dir') })).toEqual({
        username: 'dc-user',
        password: 'dc-pass',
      });
      expect(await resolveCredentials('r.example', undefined, env)).toEqual({ username: 'home-user', password: 'h' });
    });

    it('matches keys written with a scheme or a path, but not other hosts', async () => {
      writeJson(join(home, '.docker/config.json'), {
        auths: {
          'https://r.example:5000/v2/': { auth: basic('legacy-user', 'l') },
          'r.example:50001': { auth: basic('other-port', 'o') },
        },
      });
      expect(await resolveCredentials('r.example:5000', undefined, env)).toEqual({ username: 'legacy-user', password: 'l' });
      expect(await resolveCredentials('r.example', undefined, env)).toBeUndefined();
    });

    it('finds Docker Hub logins under https://index.docker.io/v1/ for registry-1.docker.io and docker.io', async () => {
      writeJson(join(home, '.docker/config.json'), { auths: { 'https://index.docker.io/v1/': { auth: basic('hub', 'hub-pass') } } });
      expect(await resolveCredentials('registry-1.docker.io', undefined, env)).toEqual({ username: 'hub', password: 'hub-pass' });
      expect(await resolveCredentials('docker.io', undefined, env)).toEqual({ username: 'hub', password: 'hub-pass' });
    });

    it('gives an identity token as one', async () => {
      writeJson(join(home, '.docker/config.json'), {
        auths: { 'acr.example': { auth: basic('00000000-0000-0000-0000-000000000000', ''), identitytoken: 'refresh-me' } },
      });
      expect(await resolveCredentials('acr.example', undefined, env)).toEqual({ identityToken: 'refresh-me' });
    });
  });

  describe('credential helpers', () => {
    it('are asked for the host first when credHelpers names one, with the host on stdin', async () => {
      writeJson(join(home, '.docker/config.json'), {
        credHelpers: { 'helper.example:5000': 'nxtest' },
        auths: { 'helper.example:5000': { auth: basic('stale', 's') } },
      });
      expect(await resolveCredentials('helper.example:5000', undefined, env)).toEqual({
        username: 'helper-user',
        password: 'helper-secret',
      });
      expect(helperWasAskedFor()).toEqual(['helper.example:5000']);
    });

    it('answer "<token>" as the user name for an identity token', async () => {
      writeJson(join(home, '.docker/config.json'), { credHelpers: { 'token.example': 'nxtest' } });
      expect(await resolveCredentials('token.example', undefined, env)).toEqual({ identityToken: 'identity-from-helper' });
    });

    it('are asked with the Docker Hub address for Docker Hub', async () => {
      writeJson(join(home, '.docker/config.json'), { credHelpers: { 'https://index.docker.io/v1/': 'nxtest' } });
      expect(await resolveCredentials('registry-1.docker.io', undefined, env)).toEqual({ username: 'hub-user', password: 'hub-secret' });
      expect(helperWasAskedFor()).toEqual(['https://index.docker.io/v1/']);
    });

    it('serve as the global credsStore when the config has no usable login for the host', async () => {
      writeJson(join(home, '.docker/config.json'), { credsStore: 'nxtest', auths: { 'store.example': {} } });
      expect(await resolveCredentials('store.example', undefined, env)).toEqual({ username: 'store-user', password: 'store-secret' });
      expect(helperWasAskedFor()).toEqual(['store.example']);
    });

    it('that hold nothing for the host mean no credentials', async () => {
      writeJson(join(home, '.docker/config.json'), { credsStore: 'nxtest' });
      expect(await resolveCredentials('unknown.example', undefined, env)).toBeUndefined();
      expect(helperWasAskedFor()).toEqual(['unknown.example']);
    });

    it('that fail otherwise give an error naming the helper', async () => {
      writeJson(join(home, '.docker/config.json'), { credHelpers: { 'broken.example': 'nxtest' } });
      await expect(resolveCredentials('broken.example', undefined, env)).rejects.toThrow(
        /docker-credential-nxtest \(configured for broken\.example.*exited with code 3: the keychain is locked/,
      );
    });

    it('that are not installed give an error saying so', async () => {
      writeJson(join(home, '.docker/config.json'), { credHelpers: { 'r.example': 'not-installed' } });
      await expect(resolveCredentials('r.example', undefined, env)).rejects.toThrow(
        /docker-credential-not-installed .*installed and on PATH/,
      );
    });
  });

  it('skips missing, unreadable and malformed config files', async () => {
    const unreadable = writeJson(join(root, 'unreadable.json'), { auths: { 'r.example': { auth: basic('u', 'p') } } });
    chmodSync(unreadable, 0o000);
    writeFileSync(join(root, 'malformed.json'), '{ "auths": ');
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker/config.json'), '[]');
    // Root reads any file, so the unreadable one is only skipped for other users; the others are skipped for all.
    const readable = process.getuid?.() === 0;
    expect(await resolveCredentials('r.example', undefined, { ...env, HELM_REGISTRY_CONFIG: join(root, 'missing.json') })).toBeUndefined();
    expect(
      await resolveCredentials('r.example', undefined, { ...env, HELM_REGISTRY_CONFIG: join(root, 'malformed.json') }),
    ).toBeUndefined();
    expect(await resolveCredentials('r.example', undefined, { ...env, HELM_REGISTRY_CONFIG: unreadable })).toEqual(
      readable ? { username: 'u', password: 'p' } : undefined,
    );
    expect(await resolveCredentials('r.example', undefined, { PATH: env.PATH })).toBeUndefined();
  });
});
