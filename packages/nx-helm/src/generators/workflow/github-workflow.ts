import { CACHE_ENV } from '../../cache/cache-config';
import { ENV } from '../../config/constants';
import { actionRef, SHA_COMMENT } from './action-pins';
import { COMMENT, renderYaml } from './generated-file';
import { PRESETS, readOnlyCredentials, type StepTemplate } from './registry-presets';
import { AFFECTED_CHARTS_COMMAND, cacheRepository, DIFF_COMMAND, DIFF_DIR, type WorkflowOptions } from './workflow-options';

type Step = Record<string, unknown>;
type Job = Record<string, unknown>;
/** `read`: jobs of pull requests, whose code is under review (and from forks gets no secrets); `write`: jobs of pushes. */
type Access = 'read' | 'write';

/** Id of the login step, whose outcome tells pull request jobs whether they can use the cache. */
const LOGIN_STEP = 'registry-login';
/** Id of the step that renders the changes: the comment and the artifact need its report. */
const DIFF_STEP = 'diff';

/**
 * The GitHub Actions workflow: pull requests lint and package the affected charts; pushes to the main branch (or a
 * release branch, or `<chart>-v<version>` tags) publish them, or with `--trigger release` run `nx release` and attach
 * each released chart's assets to its GitHub release. Secrets only ever reach steps through `env` and helm through
 * stdin; every job gets the least permissions it needs. With `--shards`, a plan job splits the affected charts and
 * that many jobs lint and package them in parallel, sharing the remote cache.
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
  const withEnv = (env: Record<string, string> | undefined) => (env && Object.keys(env).length > 0 ? { env } : {});
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
  const cacheInRegistry = options.remoteCache === 'registry';
  const { location } = options.publish;
  /** A location that names its host is logged in to there: the preset's variables for the host are not needed. */
  const registryHost = options.publish.host ?? preset.host;
  // nx.json's registry stays the plugin's: the jobs only tell the plugin where to push when nx.json names no registry.
  const setsRegistry = options.publish.source !== 'nx.json';
  const credential = (name: string) => /PASSWORD|USERNAME/.test(name);
  const usedByLocation = (name: string) => new RegExp(`\\$\\{?${name}\\b`).test(location);
  /** The preset's settings the location is made of (a location written out needs none). */
  const locationEnv = Object.fromEntries(Object.entries(preset.loginEnv).filter(([name]) => !credential(name) && usedByLocation(name)));
  const loginEnv = Object.fromEntries(Object.entries(preset.loginEnv).filter(([name]) => credential(name) || usedByLocation(name)));
  const gpgEnv: Record<string, string> | undefined =
    options.sign === 'gpg' ? Object.fromEntries(options.signingEnv.map((name) => [name, `\${{ secrets.${name} }}`])) : undefined;
  /** Pull requests package unsigned: they have no access to the key. */
  const checkTaskEnv = options.sign === 'gpg' ? { [ENV.sign]: 'false' } : undefined;
  // With nx release, versions are bumped when releasing, not in pull requests.
  // render-chart validates what the charts render, and leaves the head's renders in the cache for nx-helm diff.
  const checkTargets = `${options.trigger === 'release' ? '' : 'check-version '}lint-chart render-chart package-chart`;

  /**
   * Credentials folder, cloud setup and login, shared by every job that talks to the registry. Publishing jobs must log
   * in; pull request jobs log in only to read Nx's cache, and where forks get no credentials they try and go on.
   */
  const registrySteps = (access: Access): Step[] => {
    const bestEffort = access === 'read' && !preset.loginInForks;
    const tolerated = bestEffort ? { 'continue-on-error': true } : {};
    return [
      step({
        name: 'Keep registry credentials in a folder of this job',
        // Only jobs that may publish are told where charts go.
        ...(access === 'write' && setsRegistry ? withEnv(locationEnv) : {}),
        run: [
          'mkdir -p "$RUNNER_TEMP/registry"',
          'echo "DOCKER_CONFIG=$RUNNER_TEMP/registry" >> "$GITHUB_ENV"',
          'echo "HELM_REGISTRY_CONFIG=$RUNNER_TEMP/registry/config.json" >> "$GITHUB_ENV"',
          ...(access === 'write' && setsRegistry ? [`echo "${ENV.registry}=${location}" >> "$GITHUB_ENV"`] : []),
        ].join('\n'),
      }),
      // Pull requests log in with read-only credentials: code under review never holds a token that can push.
      ...preset.setup.map((template) => ({
        ...step(access === 'read' && template.with ? { ...template, with: readOnlyCredentials(template.with) } : template),
        ...tolerated,
      })),
      {
        ...(bestEffort
          ? {
              [COMMENT]:
                'Pull requests from forks get no secrets, variables or OIDC tokens, so this login fails there. Without a login ' +
                "Nx's cache is just missed (its repository is only set after a login); nothing fails.",
            }
          : {}),
        ...step({
          name: `Log in to ${preset.title}`,
          id: LOGIN_STEP,
          ...withEnv(access === 'read' ? readOnlyCredentials(loginEnv) : loginEnv),
          run: preset.login,
        }),
        ...tolerated,
      },
      ...(cacheInRegistry
        ? [
            {
              name: "Keep Nx's remote cache in the registry",
              ...(bestEffort ? { if: `steps.${LOGIN_STEP}.outcome == 'success'` } : {}),
              ...withEnv(locationEnv),
              run: `echo "${CACHE_ENV.repository}=${cacheRepository(location)}" >> "$GITHUB_ENV"`,
            },
          ]
        : []),
    ];
  };
  const logoutStep: Step = {
    name: 'Log out and remove the registry credentials',
    if: 'always()',
    run: ['helm registry logout "$REGISTRY_HOST" || true', 'rm -rf "$RUNNER_TEMP/registry"'].join('\n'),
  };
  /** Jobs that only lint and package log in just for the cache in the registry. */
  const taskJobSteps = (access: Access, ...tasks: Step[]): Step[] =>
    cacheInRegistry ? [...setupSteps('affected'), ...registrySteps(access), ...tasks, logoutStep] : [...setupSteps('affected'), ...tasks];
  const taskJobEnv = (access: Access) =>
    withEnv({
      ...(cacheInRegistry ? { REGISTRY_HOST: registryHost } : {}),
      ...(cacheInRegistry && access === 'read' ? { [CACHE_ENV.readOnly]: 'true' } : {}),
      ...remoteCacheEnv(options, access),
    });
  const taskJobPermissions = (access: Access) => ({
    contents: 'read',
    actions: 'read',
    ...(cacheInRegistry ? (access === 'read' ? preset.readPermissions : preset.permissions) : {}),
  });

  /**
   * The rendered changes of the affected charts, for the reviewers of a pull request: a comment on it (updated on every
   * push), the job summary and an artifact. `afterLint`: in the job that lints, whose outcome must not hide them.
   */
  const reviewSteps = (afterLint: boolean): Step[] => {
    const reported = `!cancelled() && steps.${DIFF_STEP}.outcome == 'success'`;
    return [
      {
        ...(afterLint
          ? {
              [COMMENT]:
                'Also when linting failed (a missing version bump, say): the comment then shows the changes of this push, not of an earlier one.',
            }
          : {}),
        name: 'Render the changes of the affected charts',
        id: DIFF_STEP,
        ...(afterLint ? { if: '!cancelled()' } : {}),
        run: DIFF_COMMAND,
      },
      {
        [COMMENT]:
          'Pull requests from forks get a read-only GITHUB_TOKEN: pr-comment then leaves the report in the job summary, with a ' +
          'notice. --soft makes any other failure to comment (GitHub down, say) a warning: a comment never fails the check.',
        name: 'Comment the changes on the pull request',
        if: reported,
        env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
        run: `npx --no-install nx-helm pr-comment --file ${DIFF_DIR}/report.md --soft`,
      },
      {
        name: 'Keep the diff reports as an artifact',
        if: reported,
        uses: actionRef('uploadArtifact', options.pinActions),
        with: { name: 'chart-diff', path: `${DIFF_DIR}/` },
      },
    ];
  };
  /** What the jobs that comment on pull requests may do, besides what their tasks need. */
  const commentPermission = { 'pull-requests': 'write' };

  const closingSteps: Step[] = [
    {
      name: 'Summarise the published charts',
      if: 'always()',
      run: `npx --no-install nx-helm summary --format markdown --sign ${options.sign} --output "$GITHUB_STEP_SUMMARY"`,
    },
    logoutStep,
  ];
  const publishSteps: Step[] = [
    ...setupSteps(publishForTags ? 'tags' : 'affected'),
    ...registrySteps('write'),
    {
      name: publishForTags ? 'Push the chart named by the tag' : 'Push the affected charts',
      shell: 'bash',
      ...withEnv(gpgEnv),
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
    ...registrySteps('write'),
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

  const pullRequest = "github.event_name == 'pull_request'";
  const publishJobId = options.trigger === 'release' ? 'release' : 'publish';
  const publishCondition =
    options.trigger === 'release'
      ? // workflow_dispatch may be run on any branch; releases come from the main branch only.
        `(github.event_name == 'push' || github.event_name == 'workflow_dispatch') && github.ref == ${expressionString(`refs/heads/${options.mainBranch}`)}`
      : "github.event_name == 'push'";
  const publishEvents = options.trigger === 'release' ? `(${publishCondition})` : publishCondition;

  const sharded = options.shards > 1;
  // A tag publishes the one chart it names, which the publishing job checks itself: nothing to shard.
  const shardedPublish = sharded && !publishForTags;
  const shardJobId = (access: Access) => (access === 'read' ? 'check-shard' : `${publishJobId}-shard`);
  const shardJob = (access: Access): Job => ({
    ...(access === 'read'
      ? {
          [COMMENT]: 'Job permissions cannot depend on the event: pull requests get shards of their own, which only read.',
        }
      : {
          [COMMENT]:
            options.trigger === 'release'
              ? 'Before nx release versions and tags anything, the affected charts are linted and packaged in parallel: ' +
                'one that fails stops the release before a tag is pushed. (nx release then changes the versions, so its ' +
                'own linting and packaging mostly misses the cache.)'
              : 'Before anything is published, the affected charts are linted and packaged in parallel; the publishing ' +
                'job then takes their results from the remote cache, and does not start when one of them fails.',
        }),
    name: `Lint and package shard \${{ matrix.shard }} of ${options.shards}${access === 'read' ? '' : ' for publishing'}`,
    needs: 'plan',
    if: access === 'read' ? pullRequest : publishCondition,
    'runs-on': 'ubuntu-latest',
    permissions: taskJobPermissions(access),
    // Every shard runs to the end, so one run reports the problems of all charts.
    strategy: { 'fail-fast': false, matrix: '${{ fromJSON(needs.plan.outputs.matrix) }}' },
    ...taskJobEnv(access),
    steps: [
      {
        name: 'Nothing to do: no affected chart in this shard',
        if: "matrix.projects == ''",
        run: 'echo "No affected chart in this shard."',
      },
      ...taskJobSteps(access, {
        name: access === 'read' ? 'Lint and package the charts of this shard' : 'Lint and package the charts of this shard for publishing',
        // Project names come from the code under review: they reach the shell as a variable, never as script text.
        // Pushes sign as the publishing job does, so that it finds their packages in the cache.
        env: { PROJECTS: '${{ matrix.projects }}', ...(access === 'read' ? checkTaskEnv : gpgEnv) },
        run: `npx nx run-many -t ${access === 'read' ? checkTargets : 'lint-chart package-chart'} --projects="$PROJECTS"`,
      }).map((shardStep) => {
        const { name, if: condition, ...rest } = shardStep;
        return { name, if: typeof condition === 'string' ? `${condition} && matrix.projects != ''` : "matrix.projects != ''", ...rest };
      }),
    ],
  });

  const plan: Job = {
    name: `Split the affected charts into ${options.shards} shards`,
    if: shardedPublish ? `${pullRequest} || ${publishEvents}` : pullRequest,
    'runs-on': 'ubuntu-latest',
    permissions: { contents: 'read', actions: 'read' },
    outputs: { matrix: '${{ steps.split.outputs.matrix }}' },
    steps: [
      ...setupSteps('affected'),
      {
        name: `Split the affected charts into ${options.shards} shards`,
        id: 'split',
        shell: 'bash',
        env: { SHARDS: String(options.shards) },
        run: splitScript(),
      },
    ],
  };

  const check: Job = sharded
    ? {
        [COMMENT]:
          'With shards, this job only reports their outcome under the name of the single check, so branch protection ' +
          'requires the same check whatever the number of shards. It also runs when a shard failed: a required check ' +
          'that is skipped counts as passed.',
        name: 'Lint and package the affected charts',
        needs: ['plan', 'check-shard'],
        if: `!cancelled() && ${pullRequest}`,
        'runs-on': 'ubuntu-latest',
        permissions: {},
        steps: [
          {
            name: 'Require the plan and every shard to pass',
            env: { PLAN_RESULT: '${{ needs.plan.result }}', SHARDS_RESULT: '${{ needs.check-shard.result }}' },
            run: [
              'if [ "$PLAN_RESULT" != success ] || [ "$SHARDS_RESULT" != success ]; then',
              '  echo "::error::The affected charts did not pass: plan $PLAN_RESULT, shards $SHARDS_RESULT."',
              '  exit 1',
              'fi',
            ].join('\n'),
          },
        ],
      }
    : {
        name: 'Lint and package the affected charts',
        if: pullRequest,
        'runs-on': 'ubuntu-latest',
        permissions: { ...taskJobPermissions('read'), ...commentPermission },
        ...taskJobEnv('read'),
        steps: taskJobSteps(
          'read',
          {
            name: 'Lint and package',
            ...withEnv(checkTaskEnv),
            run: `npx nx affected -t ${checkTargets}`,
          },
          ...reviewSteps(true),
        ),
      };

  const review: Job = {
    [COMMENT]: 'With shards, the changes of the affected charts are rendered once, in a job of their own next to the shards.',
    name: 'Review the changes of the affected charts',
    if: pullRequest,
    'runs-on': 'ubuntu-latest',
    permissions: { ...taskJobPermissions('read'), ...commentPermission },
    ...taskJobEnv('read'),
    steps: taskJobSteps('read', ...reviewSteps(false)),
  };

  const publishNeeds = shardedPublish ? { needs: ['plan', shardJobId('write')] } : {};
  const publishJob: Job =
    options.trigger === 'release'
      ? {
          name: `Release the charts to ${preset.title} and GitHub`,
          ...publishNeeds,
          if: publishCondition,
          'runs-on': 'ubuntu-latest',
          permissions: {
            // The release commit, its tags and the GitHub releases with their assets.
            contents: 'write',
            actions: 'read',
            ...preset.permissions,
            ...(options.sign === 'cosign' ? { 'id-token': 'write' } : {}),
          },
          env: { REGISTRY_HOST: registryHost, ...remoteCacheEnv(options, 'write') },
          steps: releaseSteps,
        }
      : {
          name: `Publish to ${preset.title}`,
          ...publishNeeds,
          if: publishCondition,
          'runs-on': 'ubuntu-latest',
          permissions: {
            contents: 'read',
            actions: 'read',
            ...preset.permissions,
            ...(options.sign === 'cosign' ? { 'id-token': 'write' } : {}),
          },
          env: { REGISTRY_HOST: registryHost, ...remoteCacheEnv(options, 'write') },
          steps: publishSteps,
        };

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
    // This Nx runs nx-helm's executors in batches (many charts per process) only when asked.
    ...(options.batchMode ? { env: { NX_BATCH_MODE: 'true' } } : {}),
    concurrency: {
      group: 'helm-charts-${{ github.ref }}',
      // Publishing runs to completion; a newer pull request commit replaces an older check.
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    },
    jobs: {
      ...(sharded ? { plan, [shardJobId('read')]: shardJob('read') } : {}),
      check,
      ...(sharded ? { diff: review } : {}),
      ...(shardedPublish ? { [shardJobId('write')]: shardJob('write') } : {}),
      [publishJobId]: publishJob,
    },
  };
  return renderYaml(workflow).split(SHA_COMMENT).join(' # ');
}

/**
 * The plan job's script: the affected charts, sorted and dealt round-robin into $SHARDS lists (their sizes differ by
 * one at most), as the matrix of the shard jobs. Every shard is in the matrix, also one without charts, so the jobs
 * and their names do not depend on what a change affects. jq writes the matrix on one line, whatever the project
 * names contain, so it cannot add lines to GITHUB_OUTPUT.
 */
function splitScript(): string {
  return [
    `CHARTS="$(${AFFECTED_CHARTS_COMMAND})"`,
    'MATRIX="$(jq -c --argjson shards "$SHARDS" \'sort as $charts | {include: [range($shards) as $shard | {shard: ($shard + 1), projects: ([$charts | to_entries[] | select(.key % $shards == $shard) | .value] | join(","))}]}\' <<< "$CHARTS")"',
    'jq -r \'.include[] | "Shard \\(.shard): \\(if .projects == "" then "no charts" else .projects end)"\' <<< "$MATRIX"',
    'echo "matrix=$MATRIX" >> "$GITHUB_OUTPUT"',
  ].join('\n');
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
 * The cache in the registry needs no token: the jobs' registry login serves it (see registrySteps).
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
