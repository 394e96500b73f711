import { runProcess, type ProcessResult } from './process';

/** git in a folder, its messages in English (LC_ALL=C) so that they can be read and quoted. */
export function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<ProcessResult> {
  return runProcess('git', args, { cwd, env: { ...env, LC_ALL: 'C' } });
}
