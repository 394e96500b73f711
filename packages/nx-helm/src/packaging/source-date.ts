import { execFileSync } from 'node:child_process';
import { NxHelmError } from '../utils/nx-helm-error';

/** Used when neither SOURCE_DATE_EPOCH nor git history gives a time: 1980-01-01, the earliest time zip-era tools accept. */
export const FALLBACK_SOURCE_DATE = new Date(Date.UTC(1980, 0, 1));

export interface SourceDate {
  date: Date;
  origin: 'SOURCE_DATE_EPOCH' | 'git' | 'fallback';
}

/**
 * The timestamp stamped into a chart package: SOURCE_DATE_EPOCH when set (the reproducible-builds convention),
 * else the time of the last git commit that touched any of `paths`, else a fixed date. All three are the same on every
 * clone and machine, so the package bytes are too.
 */
export function sourceDateFor(paths: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): SourceDate {
  const epoch = env.SOURCE_DATE_EPOCH?.trim();
  if (epoch) {
    if (!/^\d+$/.test(epoch)) {
      throw new NxHelmError(`SOURCE_DATE_EPOCH is "${epoch}", which is not a number of seconds since 1970; unset it or set it to e.g. $(git log -1 --format=%ct).`);
    }
    return { date: new Date(Number(epoch) * 1000), origin: 'SOURCE_DATE_EPOCH' };
  }
  try {
    const output = execFileSync('git', ['log', '-1', '--format=%ct', '--', ...paths], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (/^\d+$/.test(output)) {
      return { date: new Date(Number(output) * 1000), origin: 'git' };
    }
  } catch {
    // not a git repository, or git is missing: fall through to the fixed date
  }
  return { date: FALLBACK_SOURCE_DATE, origin: 'fallback' };
}
