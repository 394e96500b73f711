import { CACHE_ENV } from '../../cache/cache-config';
import { ENV } from '../../config/constants';
import { COMMENT, renderYaml } from './generated-file';
import { AFFECTED_CHARTS_COMMAND, cacheRepository, DIFF_COMMAND, DIFF_DIR, type WorkflowOptions } from './workflow-options';

/** Where charts go without nx.json's registry or --registryUrl: the project's container registry. */
export const GITLAB_LOCATION = 'oci://$CI_REGISTRY_IMAGE/charts';

/**
 * Credentials of another registry than the project's: CI/CD variables of these names. The job's CI_REGISTRY
 * credentials stand in for them, so a location in this GitLab's registry needs none.
 */
export const GITLAB_REGISTRY_USERNAME = 'REGISTRY_USERNAME';
export const GITLAB_REGISTRY_PASSWORD = 'REGISTRY_PASSWORD';

/** `read`: merge request jobs; `write`: jobs of the publishing branch or tag. */
type Access = 'read' | 'write';

/**
 * The GitLab CI pipeline with the same stages as the GitHub workflow: merge requests lint and package the affected
 * charts; the main branch (or release branch, or `<chart>-v<version>` tags) publishes to the project's container
 * registry with the job's CI_REGISTRY credentials, passed to helm on stdin (or to the registry nx.json or --registryUrl
 * names, with the credentials of REGISTRY_USERNAME and REGISTRY_PASSWORD when set). With `--shards`, `parallel` runs the
 * linting and packaging as that many jobs, each taking its share of the affected charts.
 */
export function renderGitlabCi(options: WorkflowOptions): string {
  const cacheInRegistry = options.remoteCache === 'registry';
  const sharded = options.shards > 1;
  const publishForTags = options.trigger === 'tags';
  const { location, host } = options.publish;
  const publishRule = publishForTags
    ? { if: '$CI_COMMIT_TAG =~ /^.+-v.+$/' }
    : { if: `$CI_COMMIT_BRANCH == "${options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch}"` };
  const installHelm = [
    'curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz" | tar -xz -C /usr/local/bin --strip-components=1 linux-amd64/helm',
    'npm ci',
  ];
  const login = host
    ? `printf '%s' "\${${GITLAB_REGISTRY_PASSWORD}:-$CI_REGISTRY_PASSWORD}" | helm registry login "$REGISTRY_HOST" --username "\${${GITLAB_REGISTRY_USERNAME}:-$CI_REGISTRY_USER}" --password-stdin`
    : 'printf \'%s\' "$CI_REGISTRY_PASSWORD" | helm registry login "$CI_REGISTRY" --username "$CI_REGISTRY_USER" --password-stdin';
  const registryHost = host ? '$REGISTRY_HOST' : '$CI_REGISTRY';
  /** Variables and scripts of the jobs that log in: publishing always, the others for the cache in the registry. */
  const registryAccess = (access: Access) => ({
    variables: {
      // Only jobs that may publish are told where charts go; nx.json's registry is left to the plugin.
      ...(access === 'write' && options.publish.source !== 'nx.json' ? { [ENV.registry]: location } : {}),
      ...(host ? { REGISTRY_HOST: host } : {}),
      HELM_REGISTRY_CONFIG: '$CI_PROJECT_DIR/.registry/config.json',
      ...(cacheInRegistry ? { [CACHE_ENV.repository]: cacheRepository(location) } : {}),
      ...(cacheInRegistry && access === 'read' ? { [CACHE_ENV.readOnly]: 'true' } : {}),
    },
    // Merge requests log in only to read Nx's cache: without a login it is missed, and nothing else fails.
    login: access === 'read' ? `${login} || echo "Not logged in to ${registryHost}: Nx's remote cache is missed."` : login,
    logout: [`helm registry logout "${registryHost}" || true`, 'rm -rf "$CI_PROJECT_DIR/.registry"'],
  });
  const gpgVariables = options.sign === 'gpg' ? Object.fromEntries(options.signingEnv.map((name) => [name, `$${name}`])) : undefined;
  // A new branch has no previous commit: compare with the parent commit then.
  const pushBase =
    'BASE="$CI_COMMIT_BEFORE_SHA"; if [ "$BASE" = "0000000000000000000000000000000000000000" ]; then BASE="$(git rev-parse HEAD~1)"; fi';
  /** This job's share of the affected charts: every CI_NODE_TOTAL-th of the sorted list, from the CI_NODE_INDEX-th. */
  const shardProjects = [
    `PROJECTS="$(${AFFECTED_CHARTS_COMMAND} | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const n=Number(process.env.CI_NODE_TOTAL),i=Number(process.env.CI_NODE_INDEX)-1;console.log(JSON.parse(s).sort().filter((_,k)=>k%n===i).join(","))})')"`,
    'if [ -z "$PROJECTS" ]; then echo "No affected chart in shard $CI_NODE_INDEX of $CI_NODE_TOTAL."; exit 0; fi',
  ];
  // render-chart validates what the charts render, and leaves the head's renders in the cache for nx-helm diff.
  const checkTargets = 'check-version lint-chart render-chart package-chart';

  const checkAccess = registryAccess('read');
  const check = {
    ...(cacheInRegistry
      ? {
          [COMMENT]:
            "Merge requests get a registry token that could write too: NX_HELM_CACHE_READ_ONLY keeps them from writing Nx's " +
            "cache, which the publishing job trusts. Merge requests from forks run in the fork's project, with its registry.",
        }
      : {}),
    stage: 'check',
    rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }],
    ...(sharded ? { parallel: options.shards } : {}),
    ...(options.sign === 'gpg' || cacheInRegistry
      ? {
          variables: {
            ...(options.sign === 'gpg' ? { [ENV.sign]: 'false' } : {}),
            ...(cacheInRegistry ? checkAccess.variables : {}),
          },
        }
      : {}),
    before_script: [...installHelm, ...(cacheInRegistry ? [checkAccess.login] : [])],
    // nx affected and check-version both read NX_BASE / NX_HEAD.
    script: [
      'export NX_BASE="$CI_MERGE_REQUEST_DIFF_BASE_SHA" NX_HEAD="$CI_COMMIT_SHA"',
      ...(sharded
        ? [...shardProjects, `npx nx run-many -t ${checkTargets} --projects="$PROJECTS"`]
        : [`npx nx affected -t ${checkTargets}`]),
    ],
    ...(cacheInRegistry ? { after_script: checkAccess.logout } : {}),
  };

  /** The rendered changes of the affected charts, for the reviewers of a merge request: in the log and as an artifact. */
  const diff = {
    [COMMENT]:
      'The rendered changes of the affected charts, once per merge request (also with shards): the report is printed ' +
      'in the job log and kept as an artifact, which the merge request links to (expose_as).',
    stage: 'check',
    rules: check.rules,
    ...(cacheInRegistry ? { variables: checkAccess.variables } : {}),
    before_script: check.before_script,
    script: ['export NX_BASE="$CI_MERGE_REQUEST_DIFF_BASE_SHA" NX_HEAD="$CI_COMMIT_SHA"', DIFF_COMMAND, `cat ${DIFF_DIR}/report.md`],
    ...(cacheInRegistry ? { after_script: checkAccess.logout } : {}),
    artifacts: { name: 'chart-diff', expose_as: 'Chart diff', paths: [`${DIFF_DIR}/`] },
  };

  const writeAccess = registryAccess('write');
  // A tag publishes the one chart it names, which the publishing job checks itself: nothing to shard.
  const shardedPublish = sharded && !publishForTags;
  const publishShard = {
    [COMMENT]:
      'Before anything is published, the affected charts are linted and packaged in parallel; the publishing job (a later ' +
      'stage) then takes their results from the remote cache, and does not start when one of them fails.',
    stage: 'check',
    rules: [publishRule],
    parallel: options.shards,
    ...(cacheInRegistry || gpgVariables ? { variables: { ...(cacheInRegistry ? writeAccess.variables : {}), ...gpgVariables } } : {}),
    before_script: [...installHelm, ...(cacheInRegistry ? [writeAccess.login] : [])],
    script: [
      pushBase,
      'export NX_BASE="$BASE" NX_HEAD="$CI_COMMIT_SHA"',
      ...shardProjects,
      'npx nx run-many -t lint-chart package-chart --projects="$PROJECTS"',
    ],
    ...(cacheInRegistry ? { after_script: writeAccess.logout } : {}),
  };

  const pipeline = {
    stages: ['check', 'publish'],
    variables: {
      HELM_VERSION: options.helmVersion,
      // nx affected compares commits: fetch the whole history.
      GIT_DEPTH: '0',
      // This Nx runs nx-helm's executors in batches (many charts per process) only when asked.
      ...(options.batchMode ? { NX_BATCH_MODE: 'true' } : {}),
    },
    default: { image: `node:${options.nodeVersion}` },
    check,
    diff,
    ...(shardedPublish ? { 'publish-shard': publishShard } : {}),
    publish: {
      stage: 'publish',
      rules: [publishRule],
      // One publishing job at a time: the version check and the push must not interleave.
      resource_group: 'helm-charts',
      variables: { ...writeAccess.variables, ...gpgVariables },
      before_script: [...installHelm, writeAccess.login],
      script: publishForTags
        ? [
            'CHART="${CI_COMMIT_TAG%-v*}"; VERSION="${CI_COMMIT_TAG##*-v}"',
            'ACTUAL="$(npx nx show project "$CHART" --json | node -e \'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).metadata["nx-helm"].chartVersion))\')"',
            'if [ "$ACTUAL" != "$VERSION" ]; then echo "Tag $CI_COMMIT_TAG names version $VERSION, but chart $CHART is at version $ACTUAL in Chart.yaml."; exit 1; fi',
            'npx nx run "$CHART:push-chart"',
            'npx --no-install nx-helm summary',
          ]
        : [pushBase, 'npx nx affected -t push-chart --base="$BASE" --head="$CI_COMMIT_SHA"', 'npx --no-install nx-helm summary'],
      after_script: writeAccess.logout,
    },
  };
  return renderYaml(pipeline);
}
