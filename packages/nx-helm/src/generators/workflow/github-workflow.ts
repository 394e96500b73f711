import { stringify } from 'yaml';
import { ENV } from '../../config/constants';
import { actionRef, SHA_COMMENT } from './action-pins';
import { PRESETS, type StepTemplate } from './registry-presets';
import { GPG_KEY_ENV, GPG_PASSPHRASE_ENV, type WorkflowOptions } from './workflow-options';

type Step = Record<string, unknown>;

/**
 * The GitHub Actions workflow: pull requests lint and package the affected charts; pushes to the main branch (or a
 * release branch, or `<chart>-v<version>` tags) publish them, or with `--trigger release` run `nx release` and attach
 * each released chart's assets to its GitHub release. Secrets only ever reach steps through `env` and helm through
 * stdin; every job gets the least permissions it needs.
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
  /** `affected`: jobs that run nx affected (they need nx-set-shas); `tags`: the job that publishes the chart a tag names; `release`: nx release. */
  const setupSteps = (kind: 'affected' | 'tags' | 'release'): Step[] => [
    kind === 'release'
      ? step({
          // nx release reads each chart's previous version from its tag, and pushes with the credentials checkout keeps.
          name: 'Check out with full history and tags (nx release starts from the last release tags)',
          action: 'checkout',
          with: { 'fetch-depth': '0', 'fetch-tags': 'true' },
        })
      : step({ name: 'Check out with full history (nx affected compares commits)', action: 'checkout', with: { 'fetch-depth': '0' } }),
    step({ name: 'Set up Node.js', action: 'setupNode', with: { 'node-version': options.nodeVersion, cache: 'npm' } }),
    step({ name: 'Install dependencies', run: 'npm ci' }),
    ...(kind !== 'affected'
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
  const gpgEnv: Record<string, string> | undefined =
    options.sign === 'gpg'
      ? { [GPG_KEY_ENV]: `\${{ secrets.${GPG_KEY_ENV} }}`, [GPG_PASSPHRASE_ENV]: `\${{ secrets.${GPG_PASSPHRASE_ENV} }}` }
      : undefined;
  const registrySteps: Step[] = [
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
  ];
  const closingSteps: Step[] = [
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
  const publishSteps: Step[] = [
    ...setupSteps(publishForTags ? 'tags' : 'affected'),
    ...registrySteps,
    {
      name: publishForTags ? 'Push the chart named by the tag' : 'Push the affected charts',
      shell: 'bash',
      ...(gpgEnv ? { env: gpgEnv } : {}),
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
    ...closingSteps,
  ];

  const releaseSteps: Step[] = [
    ...setupSteps('release'),
    step({
      // The release commit and tags are authored by the bot GITHUB_TOKEN acts as, so they read as made by CI.
      name: 'Commit as github-actions[bot]',
      run: [
        'git config user.name "github-actions[bot]"',
        'git config user.email "41898282+github-actions[bot]@users.noreply.github.com"',
      ].join('\n'),
    }),
    ...registrySteps,
    {
      name: 'Version, tag, publish the charts and create their GitHub releases',
      // Nx creates the GitHub releases with GITHUB_TOKEN. Its pushes do not start this workflow again: GitHub starts
      // no workflow for events made with GITHUB_TOKEN.
      env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}', ...gpgEnv },
      run: 'npx nx release --yes',
    },
    ...(options.sign === 'cosign' ? [step({ name: 'Install cosign', action: 'cosignInstaller' })] : []),
    {
      name: 'Attach the assets to the GitHub release of each released chart',
      // bash -eo pipefail: a failing command in a pipeline fails too.
      shell: 'bash',
      env: { GH_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
      run: releaseAssetsScript(options),
    },
    ...closingSteps,
  ];

  const workflow = {
    name: 'Helm charts',
    on: {
      pull_request: { branches: [options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch] },
      push:
        options.trigger === 'tags'
          ? { tags: ['*-v*'] }
          : { branches: [options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch] },
      // A release can also be started by hand, e.g. to complete the assets of a release whose run failed after nx release.
      ...(options.trigger === 'release' ? { workflow_dispatch: {} } : {}),
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
          ...setupSteps('affected'),
          {
            name: 'Lint and package',
            ...(options.sign === 'gpg' ? { env: { [ENV.sign]: 'false' } } : {}),
            // With nx release, versions are bumped when releasing, not in pull requests.
            run: `npx nx affected -t ${options.trigger === 'release' ? '' : 'check-version '}lint-chart package-chart`,
          },
        ],
      },
      ...(options.trigger === 'release'
        ? {
            release: {
              name: `Release the charts to ${preset.title} and GitHub`,
              // workflow_dispatch may be run on any branch; releases come from the main branch only.
              if: `(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == ${expressionString(`refs/heads/${options.mainBranch}`)}`,
              'runs-on': 'ubuntu-latest',
              permissions: {
                // The release commit, its tags and the GitHub releases with their assets.
                contents: 'write',
                actions: 'read',
                ...preset.permissions,
                ...(options.sign === 'cosign' ? { 'id-token': 'write' } : {}),
              },
              env: { REGISTRY_HOST: preset.host, ...remoteCacheEnv(options, 'write') },
              steps: releaseSteps,
            },
          }
        : {
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
          }),
    },
  };
  return stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false }).split(SHA_COMMENT).join(' # ');
}

/**
 * The script that completes the GitHub release of every chart the run's `nx release` released: the chart's archive
 * (with its .prov when GPG-signed), lineage.json, the release notes and the chart's CHANGELOG.md, README.md and LICENSE,
 * with cosign its signatures (the chart in the registry by digest, and the archive as a blob), and a table of the
 * released charts in the step summary.
 *
 * A chart that fails does not stop the others: Nx has already created every release, so stopping early would leave
 * the remaining ones without assets. The step fails after all were tried. Uploads replace existing assets, so running
 * the workflow by hand while the release commit is the tip of the main branch completes them.
 */
function releaseAssetsScript(options: WorkflowOptions): string {
  const cosign = options.sign === 'cosign';
  return [
    '# nx release tagged every project it released <project>-v<version>, on the release commit it pushed (HEAD).',
    'TAGS="$(git tag --points-at HEAD --list \'*-v*\')"',
    'if [ -z "$TAGS" ]; then',
    '  echo "No chart was released by this run." >> "$GITHUB_STEP_SUMMARY"',
    '  exit 0',
    'fi',
    'RUN_URL="$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"',
    'ROWS="$RUNNER_TEMP/released-charts.md"',
    ': > "$ROWS"',
    'FAILED=""',
    '# Every command ends in "|| return 1": bash ignores -e inside a function called as "release_chart ... || ...".',
    'release_chart() {',
    '  local TAG="$1" PROJECT INFO IS_CHART ROOT DIR SIGNED TGZ',
    '  PROJECT="${TAG%-v*}"',
    '  INFO="$(npx nx show project "$PROJECT" --json)" || return 1',
    '  # nx release may also release projects of the workspace that are not charts.',
    '  IS_CHART="$(jq -r \'.metadata["nx-helm"] != null\' <<< "$INFO")" || return 1',
    '  if [ "$IS_CHART" != true ]; then',
    '    echo "$PROJECT is not a Helm chart; no chart assets for $TAG."',
    '    return 0',
    '  fi',
    '  ROOT="$(jq -r .root <<< "$INFO")" || return 1',
    '  DIR="dist/release-assets/$PROJECT"',
    `  npx --no-install nx-helm release-assets "$ROOT" --output-dir "$DIR" --ci-run-url "$RUN_URL" --sign ${options.sign} || return 1`,
    ...(cosign
      ? [
          '  SIGNED="$(jq -r \'(.reference | sub("^oci://"; "") | sub(":[^:/]+$"; "")) + "@" + .digest\' "$DIR/lineage.json")" || return 1',
          '  cosign sign --yes "$SIGNED" || return 1',
          '  TGZ="$DIR/$(jq -r \'.chart + "-" + .version + ".tgz"\' "$DIR/lineage.json")" || return 1',
          '  cosign sign-blob --yes --bundle "$TGZ.sigstore.json" --output-signature "$TGZ.sig" --output-certificate "$TGZ.pem" "$TGZ" || return 1',
          '  # cosign 3 writes only the bundle and ignores --output-signature: a release must not go out without its .sig.',
          '  if [ ! -s "$TGZ.sig" ]; then',
          '    echo "::error::cosign wrote no $TGZ.sig."',
          '    return 1',
          '  fi',
        ]
      : []),
    '  gh release edit "$TAG" --notes-file "$DIR/release-notes.md" || return 1',
    '  gh release upload "$TAG" "$DIR"/* --clobber || return 1',
    '  jq -r \'"| \\(.chart) | \\(.version) | \\(.tag) | `\\(.digest)` | `helm install \\(.chart) \\(.reference | sub(":[^:/]+$"; "")) --version \\(.version)` |"\' "$DIR/lineage.json" >> "$ROWS" || return 1',
    '}',
    'for TAG in $TAGS; do',
    '  echo "::group::$TAG"',
    '  release_chart "$TAG" || FAILED="$FAILED $TAG"',
    '  echo "::endgroup::"',
    'done',
    'if [ -s "$ROWS" ]; then',
    '  {',
    "    echo '### Released charts'",
    '    echo',
    "    echo '| Chart | Version | Tag | Digest | Install |'",
    "    echo '| --- | --- | --- | --- | --- |'",
    '    cat "$ROWS"',
    '  } >> "$GITHUB_STEP_SUMMARY"',
    'else',
    '  echo "No chart was released by this run." >> "$GITHUB_STEP_SUMMARY"',
    'fi',
    'if [ -n "$FAILED" ]; then',
    '  echo "::error::The GitHub releases of$FAILED are incomplete (see above). Uploads replace existing assets: while the release commit is the tip of the branch, running this workflow by hand (workflow_dispatch) completes them."',
    '  echo "Incomplete GitHub releases:$FAILED" >> "$GITHUB_STEP_SUMMARY"',
    '  exit 1',
    'fi',
  ].join('\n');
}

/** A string literal of a GitHub expression (single quotes, a quote doubled). */
function expressionString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
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
