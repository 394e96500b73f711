/**
 * The actions the generated workflow uses, with the release each one is pinned to. `--pinActions sha` writes the
 * commit of that release (immutable) with the tag as a comment; the default writes the tag.
 */
export const ACTIONS = {
  checkout: { uses: 'actions/checkout', tag: 'v4.3.1', sha: '34e114876b0b11c390a56381ad16ebd13914f8d5' },
  setupNode: { uses: 'actions/setup-node', tag: 'v4.4.0', sha: '49933ea5288caeca8642d1e84afbd3f7d6820020' },
  nxSetShas: { uses: 'nrwl/nx-set-shas', tag: 'v4.4.0', sha: '3e9ad7370203c1e93d109be57f3b72eb0eb511b1' },
  setupHelm: { uses: 'azure/setup-helm', tag: 'v4.2.0', sha: 'fe7b79cd5ee1e45176fcad797de68ecaf3ca4814' },
  uploadArtifact: { uses: 'actions/upload-artifact', tag: 'v4.6.2', sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02' },
  cosignInstaller: { uses: 'sigstore/cosign-installer', tag: 'v3.9.2', sha: 'd58896d6a1865668819e1d91763c7751a165e159' },
  awsCredentials: { uses: 'aws-actions/configure-aws-credentials', tag: 'v4.3.1', sha: '7474bc4690e29a8392af63c5b98e7449536d5c3a' },
  googleAuth: { uses: 'google-github-actions/auth', tag: 'v2.1.7', sha: '6fc4af4b145ae7821d527454aa9bd537d1f2dc5f' },
} as const;

export type ActionName = keyof typeof ACTIONS;
export type PinMode = 'version' | 'sha';

/** The `uses:` value of an action; with SHA pinning the release tag follows as a YAML comment (see SHA_COMMENT). */
export function actionRef(action: ActionName, pin: PinMode): string {
  const { uses, tag, sha } = ACTIONS[action];
  return pin === 'sha' ? `${uses}@${sha}${SHA_COMMENT}${tag}` : `${uses}@${tag}`;
}

/** Marker replaced by " # " after serialisation, so the tag of a SHA-pinned action reads as a comment. */
export const SHA_COMMENT = '__PIN_COMMENT__';
