import { CHART_CONFIG_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, OciClient } from '../registry/oci/oci-client';
import { parseRegistryLocation } from '../registry/registry-reference';
import { startRegistry, type RegistryServer } from '../testing/registry-server';
import { highestPublishedVersion } from './published-versions';

/** The current version `nx release` reads with currentVersionResolver "registry", from a real registry's tags. */
describe('highestPublishedVersion (real registry, htpasswd and TLS)', () => {
  let registry: RegistryServer;
  const env = () => ({ ...process.env, REG_USER: registry.credentials!.username, REG_PASSWORD: registry.credentials!.password });
  const registries = () => ({ [registry.host]: { usernameEnv: 'REG_USER', passwordEnv: 'REG_PASSWORD', caFile: registry.caFile } });

  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'release', password: 'release-Pa55' }, tls: true });
    const client = new OciClient({ host: registry.host, connection: registries()[registry.host], env: env() });
    const config = Buffer.from('{}');
    const { digest } = await client.uploadBlob('charts/web', config);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: CHART_CONFIG_MEDIA_TYPE, digest, size: config.length },
      layers: [],
    };
    for (const tag of ['0.9.0', '1.2.0', '1.10.0', '2.0.0-rc.1', 'latest', 'v3', '1.10.0_build.5']) {
      await client.putManifest('charts/web', tag, manifest, OCI_MANIFEST_MEDIA_TYPE);
    }
    await client.uploadBlob('charts/next', config);
    await client.putManifest('charts/next', '3.0.0-rc.1', manifest, OCI_MANIFEST_MEDIA_TYPE);
    await client.putManifest('charts/next', '3.0.0-rc.2', manifest, OCI_MANIFEST_MEDIA_TYPE);
    await client.uploadBlob('charts/big', config);
    for (const tag of ['9007199254740993.0.0', '9007199254740992.5.0', '18446744073709551616.0.0']) {
      await client.putManifest('charts/big', tag, manifest, OCI_MANIFEST_MEDIA_TYPE);
    }
  });
  afterAll(() => registry.stop());

  const highest = (chart: string) =>
    highestPublishedVersion(parseRegistryLocation(`oci://${registry.host}/charts`, 'test'), chart, registries(), '/', env());

  it('is the highest SemVer tag by SemVer order (1.10.0 above 1.2.0), tags written with _ read as +, releases above prereleases', async () => {
    await expect(highest('web')).resolves.toEqual({ version: '1.10.0+build.5', repository: `${registry.host}/charts/web`, versions: 5 });
  });

  it('is the highest prerelease when there is no release, and none for a chart never published', async () => {
    await expect(highest('next')).resolves.toMatchObject({ version: '3.0.0-rc.2', versions: 2 });
    await expect(highest('missing')).resolves.toEqual({ version: undefined, repository: `${registry.host}/charts/missing`, versions: 0 });
  });

  it('orders versions with numbers above 2^53 as helm does, and leaves out those above 64 bits, which helm cannot have pushed', async () => {
    await expect(highest('big')).resolves.toMatchObject({ version: '9007199254740993.0.0', versions: 2 });
  });

  it('fails with the registry and the fix when the credentials are wrong', async () => {
    await expect(
      highestPublishedVersion(parseRegistryLocation(`oci://${registry.host}/charts`, 'test'), 'web', registries(), '/', {
        ...env(),
        REG_PASSWORD: 'wrong',
      }),
    ).rejects.toThrow(registry.host);
  });
});
