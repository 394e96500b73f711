import { ENV } from '../config/constants';
import { NxHelmError } from '../utils/nx-helm-error';

/**
 * The timestamp of every package when SOURCE_DATE_EPOCH is not set: 1980-01-01T00:00:00Z, the earliest time zip-era
 * tools accept. A fixed time, as ko and Bazel use, keeps a package's bytes a function of its content alone: the same
 * chart gives the same archive on every clone, commit and machine, and costs no git call per chart.
 */
export const FALLBACK_SOURCE_DATE = new Date(Date.UTC(1980, 0, 1));

export interface SourceDate {
  date: Date;
  origin: 'SOURCE_DATE_EPOCH' | 'fixed';
}

/**
 * The timestamp stamped into a chart package (file times in the archive, Chart.lock's `generated`, and the archive's
 * own time, which `helm push` records as the manifest's `org.opencontainers.image.created`): SOURCE_DATE_EPOCH when
 * set (the reproducible-builds convention; package-chart has it as a cache input), else a fixed date.
 */
export function sourceDate(env: NodeJS.ProcessEnv = process.env): SourceDate {
  const epoch = env[ENV.sourceDateEpoch]?.trim();
  if (epoch) {
    if (!/^\d+$/.test(epoch)) {
      throw new NxHelmError(
        `${ENV.sourceDateEpoch} is "${epoch}", which is not a number of seconds since 1970; unset it or set it to e.g. $(git log -1 --format=%ct).`,
      );
    }
    return { date: new Date(Number(epoch) * 1000), origin: 'SOURCE_DATE_EPOCH' };
  }
  return { date: FALLBACK_SOURCE_DATE, origin: 'fixed' };
}
