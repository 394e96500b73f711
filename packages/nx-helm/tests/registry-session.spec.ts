import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';
import { mainHelm } from '../src/testing/helm-binaries';
import { startRegistry, type RegistryServer } from '../src/testing/registry-server';

/**
 * A logged-in session keeps credentials in a temporary registry config; an interrupted run (Ctrl-C locally, a
 * cancelled CI job) must not leave it behind.
 */
describe('registry session cleanup on interrupt (real registry, built plugin)', () => {
  let registry: RegistryServer;
  beforeAll(async () => {
    registry = await startRegistry({ auth: { username: 'u', password: 'interrupt-Pa55' } });
  });
  afterAll(() => registry.stop());

  it.each(['SIGINT', 'SIGTERM'] as const)('removes the registry config on %s', async (signal) => {
    const script = `
      const { HelmRunner } = require(${JSON.stringify(join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/helm/helm-runner.js'))});
      const { RegistrySession } = require(${JSON.stringify(join(REPOSITORY_ROOT, 'packages/nx-helm/dist/src/registry/registry-session.js'))});
      (async () => {
        const helm = await HelmRunner.create({ helmPath: process.env.TEST_HELM });
        await RegistrySession.open(helm, process.env.TEST_HOST, { usernameEnv: 'TEST_USER', passwordEnv: 'TEST_PASSWORD', plainHttp: true });
        console.log(process.env.HELM_REGISTRY_CONFIG || 'logged-in');
        setInterval(() => undefined, 1000);
      })();
    `;
    // The child gets a temporary folder of its own, so only its registry config is looked at.
    const childTmp = mkdtempSync(join(tmpdir(), 'nx-helm-interrupt-'));
    const configDirs = () => readdirSync(childTmp).filter((name) => name.startsWith('nx-helm-registry-'));
    const child = spawn(process.execPath, ['-e', script], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        TEST_HELM: mainHelm(),
        TEST_HOST: registry.host,
        TEST_USER: 'u',
        TEST_PASSWORD: 'interrupt-Pa55',
        TMPDIR: childTmp,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    try {
      const [configDir] = configDirs();
      expect(existsSync(join(childTmp, configDir, 'config.json'))).toBe(true);
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, received) => resolve(received)));
      child.kill(signal);
      expect(await exited).toBe(signal);
      expect(configDirs()).toEqual([]);
    } finally {
      rmSync(childTmp, { recursive: true, force: true });
    }
  });
});
