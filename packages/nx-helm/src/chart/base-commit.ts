import { NxHelmError } from '../utils/nx-helm-error';
import { runGit } from '../utils/git';

/**
 * The commit a change is compared from, as `nx affected` compares: the merge base of the base commit and HEAD (the
 * base itself when they share no history). A base that is not a commit here fails with what to fetch, and says so
 * when the clone is shallow (the usual cause in CI).
 */
export async function mergeBaseCommit(workspaceRoot: string, base: string, baseOrigin?: string): Promise<string> {
  const git = (args: string[]) => runGit(args, workspaceRoot);
  const resolved = await git(['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  if (resolved.failed) {
    const shallow = (await git(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
    throw new NxHelmError(
      shallow
        ? `The base commit ${base} is not in this clone: it is a shallow clone, so the history needed to compare with it is missing. ` +
            'Fetch the history (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`) and run again.'
        : `The base ${base}${baseOrigin ? ` (from ${baseOrigin})` : ''} is not a commit of this repository. Fetch it (e.g. \`git fetch origin main\`) or set NX_BASE / --base to an existing commit.`,
    );
  }
  const mergeBase = await git(['merge-base', resolved.stdout.trim(), 'HEAD']);
  return mergeBase.failed ? resolved.stdout.trim() : mergeBase.stdout.trim();
}
