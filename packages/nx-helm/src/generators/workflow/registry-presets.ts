import type { ActionName } from './action-pins';

export const REGISTRY_PRESETS = ['ghcr', 'dockerhub', 'ecr', 'acr', 'gar', 'harbor', 'generic'] as const;
export type RegistryPreset = (typeof REGISTRY_PRESETS)[number];

/** A GitHub Actions step, before action references are resolved. */
export interface StepTemplate {
  name: string;
  id?: string;
  action?: ActionName;
  with?: Record<string, string>;
  env?: Record<string, string>;
  run?: string;
}

export interface RegistryPresetDefinition {
  title: string;
  /** Registry host (for login), as a GitHub expression or literal; a location that names its host replaces it. */
  host: string;
  /** The hosts of this registry, to tell it from a location's host; none: any host. */
  hosts?: RegExp;
  /** Default `oci://` location charts go to; a shell expression evaluated in a step. */
  location: string;
  /** Extra job permissions (contents: read is always there). */
  permissions: Record<string, 'read' | 'write'>;
  /**
   * Extra permissions of pull request jobs that log in only to read Nx's cache. id-token: write grants no access by
   * itself: it lets the job ask for an OIDC token, and the cloud role's trust policy decides what a pull request gets.
   */
  readPermissions: Record<string, 'read' | 'write'>;
  /**
   * Whether pull requests from forks can log in. Only GITHUB_TOKEN reaches them: GitHub passes them no secrets, no
   * configuration variables and no OIDC token.
   */
  loginInForks: boolean;
  /** Steps before login (cloud credentials). */
  setup: StepTemplate[];
  /** Environment of the login step: names the secrets, never their values. */
  loginEnv: Record<string, string>;
  /** Shell that logs in; reads the password from $REGISTRY_PASSWORD (or a command) on stdin. */
  login: string;
  /** What some of the variables and secrets the workflow names must hold, for the generator's message. */
  hints: Record<string, string>;
}

const passwordLogin = (username: string) =>
  `printf '%s' "$REGISTRY_PASSWORD" | helm registry login "$REGISTRY_HOST" --username "${username}" --password-stdin`;

export const PRESETS: Record<RegistryPreset, RegistryPresetDefinition> = {
  ghcr: {
    title: 'GitHub Container Registry',
    host: 'ghcr.io',
    hosts: /^ghcr\.io$/,
    // Repository owners may contain upper case letters; OCI names may not.
    location: 'oci://ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/charts',
    permissions: { packages: 'write' },
    readPermissions: { packages: 'read' },
    loginInForks: true,
    setup: [],
    loginEnv: { REGISTRY_USERNAME: '${{ github.actor }}', REGISTRY_PASSWORD: '${{ secrets.GITHUB_TOKEN }}' },
    login: passwordLogin('$REGISTRY_USERNAME'),
    hints: {},
  },
  dockerhub: {
    title: 'Docker Hub',
    host: 'registry-1.docker.io',
    hosts: /^((registry-1|index)\.)?docker\.io$/,
    location: 'oci://registry-1.docker.io/${DOCKERHUB_NAMESPACE}',
    permissions: {},
    readPermissions: {},
    loginInForks: false,
    setup: [],
    loginEnv: {
      REGISTRY_USERNAME: '${{ vars.DOCKERHUB_USERNAME }}',
      REGISTRY_PASSWORD: '${{ secrets.DOCKERHUB_TOKEN }}',
      DOCKERHUB_NAMESPACE: '${{ vars.DOCKERHUB_NAMESPACE }}',
    },
    login: passwordLogin('$REGISTRY_USERNAME'),
    hints: { DOCKERHUB_TOKEN: 'an access token with write scope' },
  },
  ecr: {
    title: 'Amazon ECR',
    host: '${{ vars.AWS_ACCOUNT_ID }}.dkr.ecr.${{ vars.AWS_REGION }}.amazonaws.com',
    hosts: /^\d+\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/,
    location: 'oci://${REGISTRY_HOST}/charts',
    permissions: { 'id-token': 'write' },
    readPermissions: { 'id-token': 'write' },
    loginInForks: false,
    setup: [
      {
        name: 'Configure AWS credentials',
        action: 'awsCredentials',
        with: { 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': '${{ vars.AWS_REGION }}' },
      },
    ],
    loginEnv: {},
    login: 'aws ecr get-login-password --region "$AWS_REGION" | helm registry login "$REGISTRY_HOST" --username AWS --password-stdin',
    hints: { AWS_ROLE_ARN: 'a role trusting GitHub OIDC, allowed to push to ECR' },
  },
  acr: {
    title: 'Azure Container Registry',
    host: '${{ vars.ACR_NAME }}.azurecr.io',
    hosts: /^[a-z0-9-]+\.azurecr\.(io|cn|us)$/,
    location: 'oci://${REGISTRY_HOST}/helm',
    permissions: {},
    readPermissions: {},
    loginInForks: false,
    setup: [],
    loginEnv: { REGISTRY_USERNAME: '${{ vars.ACR_USERNAME }}', REGISTRY_PASSWORD: '${{ secrets.ACR_PASSWORD }}' },
    login: passwordLogin('$REGISTRY_USERNAME'),
    hints: { ACR_USERNAME: 'a service principal or token with push rights' },
  },
  gar: {
    title: 'Google Artifact Registry',
    host: '${{ vars.GAR_LOCATION }}-docker.pkg.dev',
    hosts: /^[a-z0-9-]+-docker\.pkg\.dev$/,
    location: 'oci://${REGISTRY_HOST}/${GCP_PROJECT}/${GAR_REPOSITORY}',
    permissions: { 'id-token': 'write' },
    readPermissions: { 'id-token': 'write' },
    loginInForks: false,
    setup: [
      {
        name: 'Authenticate to Google Cloud',
        id: 'gcp',
        action: 'googleAuth',
        with: {
          workload_identity_provider: '${{ vars.GCP_WORKLOAD_IDENTITY_PROVIDER }}',
          service_account: '${{ vars.GCP_SERVICE_ACCOUNT }}',
          token_format: 'access_token',
        },
      },
    ],
    loginEnv: {
      REGISTRY_PASSWORD: '${{ steps.gcp.outputs.access_token }}',
      GCP_PROJECT: '${{ vars.GCP_PROJECT }}',
      GAR_REPOSITORY: '${{ vars.GAR_REPOSITORY }}',
    },
    login: passwordLogin('oauth2accesstoken'),
    hints: { GCP_SERVICE_ACCOUNT: 'allowed to push to the repository' },
  },
  harbor: {
    title: 'Harbor',
    host: '${{ vars.HARBOR_HOST }}',
    location: 'oci://${REGISTRY_HOST}/${HARBOR_PROJECT}',
    permissions: {},
    readPermissions: {},
    loginInForks: false,
    setup: [],
    loginEnv: {
      REGISTRY_USERNAME: '${{ vars.HARBOR_USERNAME }}',
      REGISTRY_PASSWORD: '${{ secrets.HARBOR_PASSWORD }}',
      HARBOR_PROJECT: '${{ vars.HARBOR_PROJECT }}',
    },
    login: passwordLogin('$REGISTRY_USERNAME'),
    hints: { HARBOR_USERNAME: 'a robot account' },
  },
  generic: {
    title: 'OCI registry',
    host: '${{ vars.REGISTRY_HOST }}',
    location: 'oci://${REGISTRY_HOST}/${REGISTRY_PATH}',
    permissions: {},
    readPermissions: {},
    loginInForks: false,
    setup: [],
    loginEnv: {
      REGISTRY_USERNAME: '${{ vars.REGISTRY_USERNAME }}',
      REGISTRY_PASSWORD: '${{ secrets.REGISTRY_PASSWORD }}',
      REGISTRY_PATH: '${{ vars.REGISTRY_PATH }}',
    },
    login: passwordLogin('$REGISTRY_USERNAME'),
    hints: {},
  },
};

/** The credentials a preset names (secrets and variables), in a step's values. */
const CREDENTIAL = /\b(secrets|vars)\.([A-Z0-9_]+?)_(TOKEN|PASSWORD|USERNAME|ROLE_ARN|SERVICE_ACCOUNT)\b/g;

/**
 * The same values naming read-only credentials, for jobs that only read Nx's cache (pull requests): DOCKERHUB_TOKEN
 * becomes DOCKERHUB_READ_TOKEN, AWS_ROLE_ARN AWS_READ_ROLE_ARN, and so on. GITHUB_TOKEN stays: the job's
 * permissions make it read-only.
 */
export function readOnlyCredentials(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      value.replace(CREDENTIAL, (match, kind: string, prefix: string, suffix: string) =>
        prefix === 'GITHUB' ? match : `${kind}.${prefix}_READ_${suffix}`,
      ),
    ]),
  );
}

/**
 * The preset that logs in to `host` (a location's host, with its port): the one whose hosts it is, else generic. Harbor
 * runs on any host, so its preset is only ever chosen with --registry.
 */
export function presetForHost(host: string): RegistryPreset {
  return REGISTRY_PRESETS.find((preset) => PRESETS[preset].hosts?.test(host.toLowerCase())) ?? 'generic';
}
