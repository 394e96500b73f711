import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import packageExecutor from '../src/executors/package/executor';
import { captureLogger } from '../src/testing/capture-logger';
import { copyExampleCharts } from '../src/testing/example-charts';
import { executorContextFor } from '../src/testing/executor-context';
import { helm3, mainHelm } from '../src/testing/helm-binaries';
import { pushChart, readPushRecord, verifyChart } from '../src/testing/push-helpers';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';
import { generateSigningKey, type TestSigningKey } from '../src/testing/signing-keys';
import { createTempWorkspace, type TempWorkspace } from '../src/testing/temp-workspace';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('provenance signing (real gpg, helm and registry)', () => {
  let keys: TempWorkspace;
  let signer: TestSigningKey;
  let stranger: TestSigningKey;
  let registry: RegistryServer;
  let workspace: TempWorkspace;
  let log: ReturnType<typeof captureLogger>;

  beforeAll(async () => {
    keys = createTempWorkspace('nx-helm-keys-');
    signer = generateSigningKey(keys.root, 'charts@example.com', 'signing-Pa55phrase');
    stranger = generateSigningKey(keys.root, 'someone@example.com', 'other-pass');
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry.stop();
    keys.dispose();
  });
  beforeEach(() => {
    workspace = createTempWorkspace();
    copyExampleCharts(workspace);
    log = captureLogger();
    process.env.TEST_SIGNING_PASSPHRASE = signer.passphrase;
  });
  afterEach(() => {
    log.restore();
    workspace.dispose();
    delete process.env.TEST_SIGNING_PASSPHRASE;
    delete process.env.TEST_SIGNING_KEY;
  });

  const packageSigned = (sign: object, helmPath = mainHelm()) =>
    packageExecutor(
      { helmPath, outputPath: 'dist/charts/web', sign: { key: signer.email, passphraseEnv: 'TEST_SIGNING_PASSPHRASE', ...sign } },
      executorContextFor(workspace.root, 'web', 'charts/web'),
    );
  const archive = () => join(workspace.root, 'dist/charts/web/web-0.1.0.tgz');

  it('writes a provenance file that helm 4 and helm 3 verify, keeping the archive reproducible', async () => {
    await expect(packageSigned({ keyring: signer.secretKeyring })).resolves.toEqual({ success: true });
    expect(existsSync(`${archive()}.prov`)).toBe(true);
    for (const helm of [mainHelm(), helm3()]) {
      const verified = execFileSync(helm, ['verify', archive(), '--keyring', signer.publicKeyring], { encoding: 'utf8' });
      expect(verified).toContain(`Chart Hash Verified: sha256:${sha256(archive())}`);
    }
    const first = sha256(archive());
    await expect(packageSigned({ keyring: signer.secretKeyring }, helm3())).resolves.toEqual({ success: true });
    expect(sha256(archive())).toBe(first);
    expect(log.output()).not.toContain(signer.passphrase);
  });

  it('takes the secret key from an environment variable (ASCII-armored)', async () => {
    process.env.TEST_SIGNING_KEY = signer.armoredSecretKey;
    await expect(packageSigned({ keyringEnv: 'TEST_SIGNING_KEY' })).resolves.toEqual({ success: true });
    expect(execFileSync(mainHelm(), ['verify', archive(), '--keyring', signer.publicKeyring], { encoding: 'utf8' })).toContain(
      'Chart Hash Verified',
    );
  });

  it('explains a wrong passphrase, an unknown key and a missing variable', async () => {
    process.env.TEST_SIGNING_PASSPHRASE = 'not-the-passphrase';
    await expect(packageSigned({ keyring: signer.secretKeyring })).resolves.toEqual({ success: false });
    expect(log.output()).toContain(
      'Signing web-0.1.0.tgz with key "charts@example.com" failed: the passphrase in TEST_SIGNING_PASSPHRASE does not unlock it.',
    );
    expect(log.output()).not.toContain('not-the-passphrase');

    process.env.TEST_SIGNING_PASSPHRASE = signer.passphrase;
    await expect(packageSigned({ keyring: signer.secretKeyring, key: 'nobody@example.com' })).resolves.toEqual({ success: false });
    expect(log.output()).toContain(`there is no secret key "nobody@example.com" in the keyring (file ${signer.secretKeyring})`);

    await expect(packageSigned({ keyringEnv: 'TEST_SIGNING_KEY' })).resolves.toEqual({ success: false });
    expect(log.output()).toContain('Signing is configured with keyringEnv "TEST_SIGNING_KEY", but that environment variable is not set.');
  });

  it('pushes the provenance layer, and verify-chart checks the signature on the chart pulled by digest', async () => {
    await expect(packageSigned({ keyring: signer.secretKeyring })).resolves.toEqual({ success: true });
    await expect(pushChart(workspace.root, 'web', { helmPath: mainHelm(), registry: `oci://${registry.host}/signed` })).resolves.toEqual({
      success: true,
    });
    const manifest = await registry.manifest('signed/web', '0.1.0');
    expect(manifest.layers.map((layer) => layer.mediaType)).toContain('application/vnd.cncf.helm.chart.provenance.v1.prov');
    expect(manifest.layers.find((layer) => layer.mediaType.endsWith('prov'))?.digest).toBe(`sha256:${sha256(`${archive()}.prov`)}`);

    const verified = await verifyChart(workspace.root, 'web', { helmPath: mainHelm(), keyring: signer.publicKeyring });
    expect({ ...verified, output: verified.success ? '' : log.output() }).toEqual({ success: true, output: '' });
    expect(log.output()).toContain(`Verified oci://${registry.host}/signed/web@${readPushRecord(workspace.root, 'web').digest}`);
    expect(log.output()).toContain('and its provenance signature is valid.');

    await expect(verifyChart(workspace.root, 'web', { helmPath: mainHelm(), keyring: stranger.publicKeyring })).resolves.toEqual({
      success: false,
    });
    expect(log.output()).toMatch(
      /The provenance signature of oci:\/\/.*\/signed\/web@sha256:[0-9a-f]{64} did not verify with the keyring .*someone@example\.com-pubring\.gpg\./,
    );
  });
});
