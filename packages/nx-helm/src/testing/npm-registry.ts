import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './example-charts';
import { freePort } from './registry-server';

/** verdaccio as tools/setup.sh installs it. */
const VERDACCIO = join(REPOSITORY_ROOT, '.tools/verdaccio/node_modules/.bin/verdaccio');

export interface NpmRegistry {
  /** http://127.0.0.1:<port>/ */
  url: string;
  /**
   * The environment that points npm, npx and Nx's package installs at this registry: a user config of its own (with
   * the registry and a token, which verdaccio takes from anyone for publishing) and no npm_config_* inherited from
   * the test run's own npm.
   */
  env: NodeJS.ProcessEnv;
  /** The newest version of a package the registry serves (proxied ones included). */
  newest(name: string): string;
  stop(): Promise<void>;
}

/**
 * A local npm registry (verdaccio) that serves the packed nx-helm plugin and proxies every other package from the
 * machine's registry, so the plugin is installed as users install it: by name, from a registry.
 */
export async function startNpmRegistry(): Promise<NpmRegistry> {
  if (!existsSync(VERDACCIO)) {
    throw new Error(`verdaccio is not installed at ${VERDACCIO}: run bash tools/setup.sh`);
  }
  const upstream = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'nx-helm-npm-registry-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  writeFileSync(
    join(dir, 'config.yaml'),
    [
      `storage: ${join(dir, 'storage')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      '    timeout: 120s',
      '    max_fails: 20',
      'packages:',
      // The plugin only from here: never the upstream package of that name.
      "  'nx-helm':",
      '    access: $all',
      '    publish: $anonymous',
      "  '**':",
      '    access: $all',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: error }',
      // Big lock files of proxied packages.
      'max_body_size: 200mb',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'npmrc'), `registry=${url}\n//127.0.0.1:${port}/:_authToken=test-token\n`);
  const env = npmEnvironment(dir, url);
  const server: ChildProcess = spawn(VERDACCIO, ['--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let log = '';
  server.stdout!.on('data', (chunk) => (log += chunk));
  server.stderr!.on('data', (chunk) => (log += chunk));
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPing(url, server, () => log);
    const packed = execFileSync('npm', ['pack', '--pack-destination', dir, join(REPOSITORY_ROOT, 'packages/nx-helm')], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .at(-1)!;
    execFileSync('npm', ['publish', join(dir, packed), '--registry', url], { env: { ...process.env, ...env }, stdio: 'pipe' });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    env,
    newest: (name) =>
      execFileSync('npm', ['view', name, 'version'], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: dir }).trim(),
    stop,
  };
}

function npmEnvironment(dir: string, url: string): NodeJS.ProcessEnv {
  // `npm test` exports its own configuration to the scripts it runs; it would override the user config here.
  const inherited = Object.keys(process.env).filter((name) => /^npm_config_/i.test(name));
  return {
    ...Object.fromEntries(inherited.map((name) => [name, undefined])),
    npm_config_userconfig: join(dir, 'npmrc'),
    npm_config_registry: url,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

async function waitForPing(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`verdaccio exited (${server.exitCode}): ${log()}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`verdaccio did not answer at ${url} within 30 s: ${log()}`);
}
