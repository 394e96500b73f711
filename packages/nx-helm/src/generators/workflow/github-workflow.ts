import { stringify } from 'yaml';
import { ENV } from '../../config/constants';
import { actionRef, SHA_COMMENT } from './action-pins';
import { PRESETS, type StepTemplate } from './registry-presets';
import { GPG_KEY_ENV, GPG_PASSPHRASE_ENV, type WorkflowOptions } from './workflow-options';

type Step = Record<string, unknown>;

/**
 * The GitHub Actions workflow: pull requests lint and package the affected charts; pushes to the main branch (or a
 * release branch, or `<chart>-v<version>` tags) publish them. Secrets only ever reach steps through `env` and helm
 * through stdin; every job gets the least permissions it needs.
 */
export function renderGithubWorkflow(options: WorkflowOptions): string {
  const preset = PRESETS[options.registry];
  const step = (template: StepTemplate): Step => ({
    name: template.name,
    ...(template.id ? { id: template.id } : {}),
    ...(template.action ? { uses: actionRef(template.action, options.pinActions) } : {}),
    ...(template.with ? { with: template.with } : {}),
    ...(template.env ? { env: template.env } : {}),
    ...(template.run ? { run: template.run } : {}),
  });
  const setupSteps = (forTags: boolean): Step[] => [
    step({ name: 'Check out with full history (nx affected compares commits)', action: 'checkout', with: { 'fetch-depth': '0' } }),
    step({ name: 'Set up Node.js', action: 'setupNode', with: { 'node-version': options.nodeVersion, cache: 'npm' } }),
    step({ name: 'Install dependencies', run: 'npm ci' }),
    ...(forTags
      ? []
      : [
          step({
            name: 'Set the base and head commits for nx affected',
            action: 'nxSetShas',
            with: { 'main-branch-name': options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch },
          }),
        ]),
    step({ name: 'Set up Helm', action: 'setupHelm', with: { version: options.helmVersion } }),
  ];

  const publishForTags = options.trigger === 'tags';
  const location = options.registryUrl ?? preset.location;
  const locationEnv = Object.fromEntries(Object.entries(preset.loginEnv).filter(([name]) => !/PASSWORD|USERNAME/.test(name)));
  const publishSteps: Step[] = [
    ...setupSteps(publishForTags),
    step({
      name: 'Keep registry credentials in a folder of this job',
      ...(Object.keys(locationEnv).length > 0 ? { env: locationEnv } : {}),
      run: [
        'mkdir -p "$RUNNER_TEMP/registry"',
        'echo "DOCKER_CONFIG=$RUNNER_TEMP/registry" >> "$GITHUB_ENV"',
        'echo "HELM_REGISTRY_CONFIG=$RUNNER_TEMP/registry/config.json" >> "$GITHUB_ENV"',
        `echo "${ENV.registry}=${location}" >> "$GITHUB_ENV"`,
      ].join('\n'),
    }),
    ...preset.setup.map(step),
    step({
      name: `Log in to ${preset.title}`,
      ...(Object.keys(preset.loginEnv).length > 0 ? { env: preset.loginEnv } : {}),
      run: preset.login,
    }),
    {
      name: publishForTags ? 'Push the chart named by the tag' : 'Push the affected charts',
      shell: 'bash',
      ...(options.sign === 'gpg'
        ? { env: { [GPG_KEY_ENV]: `\${{ secrets.${GPG_KEY_ENV} }}`, [GPG_PASSPHRASE_ENV]: `\${{ secrets.${GPG_PASSPHRASE_ENV} }}` } }
        : {}),
      run: publishForTags
        ? [
            "# Tags are <chart>-v<version>; the version must be the one in the chart's Chart.yaml.",
            'CHART="${GITHUB_REF_NAME%-v*}"',
            'VERSION="${GITHUB_REF_NAME##*-v}"',
            'ACTUAL="$(npx nx show project "$CHART" --json | jq -r \'.metadata["nx-helm"].chartVersion\')"',
            'if [ "$ACTUAL" != "$VERSION" ]; then',
            '  echo "::error::Tag $GITHUB_REF_NAME names version $VERSION, but chart $CHART is at version $ACTUAL in Chart.yaml."',
            '  exit 1',
            'fi',
            'npx nx run "$CHART:push-chart"',
          ].join('\n')
        : 'npx nx affected -t push-chart',
    },
    ...(options.sign === 'cosign'
      ? [
          step({ name: 'Install cosign', action: 'cosignInstaller' }),
          {
            name: 'Sign the published charts by digest (keyless)',
            // bash -eo pipefail: a failed summary or cosign fails the step. Charts a re-run reports "skipped" are signed
            // too, so a run that failed after pushing leaves no chart unsigned.
            shell: 'bash',
            run: [
              'npx --no-install nx-helm summary --format json \\',
              '  | jq -r \'.[] | select(.status == "pushed" or .status == "skipped") | (.reference | sub("^oci://"; "") | sub(":[^:/]+$"; "")) + "@" + .digest\' \\',
              '  | while read -r chart; do cosign sign --yes "$chart" || exit 1; done',
            ].join('\n'),
          },
        ]
      : []),
    {
      name: 'Summarise the published charts',
      if: 'always()',
      run: `npx --no-install nx-helm summary --format markdown --sign ${options.sign} --output "$GITHUB_STEP_SUMMARY"`,
    },
    {
      name: 'Log out and remove the registry credentials',
      if: 'always()',
      run: ['helm registry logout "$REGISTRY_HOST" || true', 'rm -rf "$RUNNER_TEMP/registry"'].join('\n'),
    },
  ];

  const workflow = {
    name: 'Helm charts',
    on: {
      pull_request: { branches: [options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch] },
      push:
        options.trigger === 'tags'
          ? { tags: ['*-v*'] }
          : { branches: [options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch] },
    },
    permissions: {},
    concurrency: {
      group: 'helm-charts-${{ github.ref }}',
      // Publishing runs to completion; a newer pull request commit replaces an older check.
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    },
    jobs: {
      check: {
        name: 'Lint and package the affected charts',
        if: "github.event_name == 'pull_request'",
        'runs-on': 'ubuntu-latest',
        permissions: { contents: 'read', actions: 'read' },
        ...(remoteCacheEnv(options, 'read') ? { env: remoteCacheEnv(options, 'read') } : {}),
        steps: [
          ...setupSteps(false),
          {
            name: 'Lint and package',
            ...(options.sign === 'gpg' ? { env: { [ENV.sign]: 'false' } } : {}),
            run: 'npx nx affected -t check-version lint-chart package-chart',
          },
        ],
      },
      publish: {
        name: `Publish to ${preset.title}`,
        if: "github.event_name == 'push'",
        'runs-on': 'ubuntu-latest',
        permissions: {
          contents: 'read',
          actions: 'read',
          ...preset.permissions,
          ...(options.sign === 'cosign' ? { 'id-token': 'write' } : {}),
        },
        env: { REGISTRY_HOST: preset.host, ...remoteCacheEnv(options, 'write') },
        steps: publishSteps,
      },
    },
  };
  return stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false }).split(SHA_COMMENT).join(' # ');
}

/**
 * Remote cache settings per job: pull requests get a read-only token (secrets named *_READ_TOKEN), so code under
 * review cannot write cache entries the publishing job would trust; the publishing job gets the read-write token.
 */
function remoteCacheEnv(options: WorkflowOptions, access: 'read' | 'write'): Record<string, string> | undefined {
  switch (options.remoteCache) {
    case 'nx-cloud':
      return { NX_CLOUD_ACCESS_TOKEN: access === 'read' ? '${{ secrets.NX_CLOUD_READ_TOKEN }}' : '${{ secrets.NX_CLOUD_ACCESS_TOKEN }}' };
    case 'self-hosted':
      return {
        NX_SELF_HOSTED_REMOTE_CACHE_SERVER: '${{ vars.NX_SELF_HOSTED_REMOTE_CACHE_SERVER }}',
        NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN:
          access === 'read'
            ? '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_READ_TOKEN }}'
            : '${{ secrets.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN }}',
      };
    default:
      return undefined;
  }
}
