import { stringify } from 'yaml';
import { ENV } from '../../config/constants';
import { GPG_KEY_ENV, GPG_PASSPHRASE_ENV, type WorkflowOptions } from './workflow-options';

/**
 * The GitLab CI pipeline with the same stages as the GitHub workflow: merge requests lint and package the affected
 * charts; the main branch (or release branch, or `<chart>-v<version>` tags) publishes to the project's container
 * registry with the job's CI_REGISTRY credentials, passed to helm on stdin.
 */
export function renderGitlabCi(options: WorkflowOptions): string {
  const publishRule =
    options.trigger === 'tags'
      ? { if: '$CI_COMMIT_TAG =~ /^.+-v.+$/' }
      : { if: `$CI_COMMIT_BRANCH == "${options.trigger === 'release-branch' ? options.releaseBranch : options.mainBranch}"` };
  const installHelm = [
    'curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz" | tar -xz -C /usr/local/bin --strip-components=1 linux-amd64/helm',
    'npm ci',
  ];
  const pipeline = {
    stages: ['check', 'publish'],
    variables: {
      HELM_VERSION: options.helmVersion,
      // nx affected compares commits: fetch the whole history.
      GIT_DEPTH: '0',
    },
    default: { image: `node:${options.nodeVersion}` },
    check: {
      stage: 'check',
      rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }],
      ...(options.sign === 'gpg' ? { variables: { [ENV.sign]: 'false' } } : {}),
      before_script: installHelm,
      // nx affected and check-version both read NX_BASE / NX_HEAD.
      script: [
        'export NX_BASE="$CI_MERGE_REQUEST_DIFF_BASE_SHA" NX_HEAD="$CI_COMMIT_SHA"',
        'npx nx affected -t check-version lint-chart package-chart',
      ],
    },
    publish: {
      stage: 'publish',
      rules: [publishRule],
      // One publishing job at a time: the version check and the push must not interleave.
      resource_group: 'helm-charts',
      variables: {
        [ENV.registry]: options.registryUrl ?? 'oci://$CI_REGISTRY_IMAGE/charts',
        HELM_REGISTRY_CONFIG: '$CI_PROJECT_DIR/.registry/config.json',
        ...(options.sign === 'gpg' ? { [GPG_KEY_ENV]: `$${GPG_KEY_ENV}`, [GPG_PASSPHRASE_ENV]: `$${GPG_PASSPHRASE_ENV}` } : {}),
      },
      before_script: [
        ...installHelm,
        'printf \'%s\' "$CI_REGISTRY_PASSWORD" | helm registry login "$CI_REGISTRY" --username "$CI_REGISTRY_USER" --password-stdin',
      ],
      script:
        options.trigger === 'tags'
          ? [
              'CHART="${CI_COMMIT_TAG%-v*}"; VERSION="${CI_COMMIT_TAG##*-v}"',
              'ACTUAL="$(npx nx show project "$CHART" --json | node -e \'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).metadata["nx-helm"].chartVersion))\')"',
              'if [ "$ACTUAL" != "$VERSION" ]; then echo "Tag $CI_COMMIT_TAG names version $VERSION, but chart $CHART is at version $ACTUAL in Chart.yaml."; exit 1; fi',
              'npx nx run "$CHART:push-chart"',
              'npx --no-install nx-helm summary',
            ]
          : [
              // A new branch has no previous commit: compare with the parent commit then.
              'BASE="$CI_COMMIT_BEFORE_SHA"; if [ "$BASE" = "0000000000000000000000000000000000000000" ]; then BASE="$(git rev-parse HEAD~1)"; fi',
              'npx nx affected -t push-chart --base="$BASE" --head="$CI_COMMIT_SHA"',
              'npx --no-install nx-helm summary',
            ],
      after_script: ['helm registry logout "$CI_REGISTRY" || true', 'rm -rf "$CI_PROJECT_DIR/.registry"'],
    },
  };
  return stringify(pipeline, { lineWidth: 0, aliasDuplicateObjects: false });
}
