import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Chart, ChartDependency } from '../chart/chart-model';
import type { ChartProblem } from '../chart/chart-problem';
import { chartProblemError } from '../chart/chart-problem';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import { NxHelmError } from '../utils/nx-helm-error';
import { fileDigest } from '../utils/file-digest';
import { createTempDir, removeTempDir } from '../utils/temp-dirs';

/** `annotations: { "nx-helm/digest.<dependency name>": "sha256:<manifest digest>" }` pins an OCI dependency. */
export const PIN_ANNOTATION_PREFIX = 'nx-helm/digest.';

export interface DependencyPin {
  dependency: ChartDependency;
  digest: string;
}

/** The pins a chart declares, checked against its dependency list. */
export function dependencyPins(chart: Chart, chartFile: string): DependencyPin[] {
  const problems: ChartProblem[] = [];
  const pins: DependencyPin[] = [];
  for (const [key, digest] of Object.entries(chart.annotations)) {
    if (!key.startsWith(PIN_ANNOTATION_PREFIX)) continue;
    const name = key.slice(PIN_ANNOTATION_PREFIX.length);
    const dependency = chart.dependencies.find((candidate) => (candidate.alias ?? candidate.name) === name || candidate.name === name);
    const fix = `Use "${PIN_ANNOTATION_PREFIX}<dependency name>: sha256:<64 hex digits>" for an oci:// dependency (the digest \`helm push\` printed, or push.json's digest).`;
    if (!dependency) {
      problems.push({
        file: chartFile,
        field: `annotations["${key}"]`,
        message: `pins "${name}", which is not a dependency of the chart`,
        fix,
      });
    } else if (dependency.source.kind !== 'oci') {
      problems.push({ file: chartFile, field: `annotations["${key}"]`, message: `pins "${name}", which is not an oci:// dependency`, fix });
    } else if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      problems.push({
        file: chartFile,
        field: `annotations["${key}"]`,
        message: `pins "${name}" to ${JSON.stringify(digest)}, which is not a sha256 digest`,
        fix,
      });
    } else {
      pins.push({ dependency, digest });
    }
  }
  if (problems.length > 0) throw chartProblemError(problems);
  return pins;
}

/**
 * Checks that a dependency `helm dependency build` downloaded into `chartsDir` is exactly the pinned manifest: the
 * chart is pulled by digest and its archive must equal the downloaded one. A tag that was moved, or a digest the
 * registry does not have, fails with the dependency, the digest and the fix.
 */
export async function verifyDependencyPin(
  helm: HelmRunner,
  pin: DependencyPin,
  chartsDir: string,
  chartName: string,
  download: { env: NodeJS.ProcessEnv; flags: string[] },
): Promise<void> {
  const { dependency, digest } = pin;
  const repository = `${dependency.repository!.replace(/\/+$/, '')}/${dependency.name}`;
  const pinned = `${repository}@${digest}`;
  const dir = createTempDir('nx-helm-pin-');
  try {
    const pulled = await helm.run(['pull', pinned, '--destination', dir, ...download.flags], {
      env: { ...helm.environment, ...download.env },
    });
    if (pulled.failed) {
      throw new NxHelmError(
        `Chart "${chartName}" pins its dependency "${dependency.name}" to ${digest}, but ${pinned} cannot be pulled.\n` +
          `${describeHelmFailure(pulled)}\nFix: pin a digest that exists in ${dependency.repository} (push.json or \`helm push\` output show it).`,
      );
    }
    const pulledArchive = readdirSync(dir).find((file) => file.endsWith('.tgz'));
    const downloaded = existsSync(chartsDir)
      ? readdirSync(chartsDir).find((file) => file.startsWith(`${dependency.name}-`) && file.endsWith('.tgz'))
      : undefined;
    if (!pulledArchive || !downloaded || fileDigest(join(dir, pulledArchive)) !== fileDigest(join(chartsDir, downloaded))) {
      throw new NxHelmError(
        `Chart "${chartName}": the dependency "${dependency.name}" ${dependency.version ?? ''} from ${dependency.repository} is not the ` +
          `pinned ${digest}: the registry serves other content for that version (the tag was moved, or the version ` +
          'constraint picked another version). Fix: check the published chart, then update the pin or the version.',
      );
    }
  } finally {
    removeTempDir(dir);
  }
}
