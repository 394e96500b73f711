import { resolve } from 'node:path';
import type { LintPluginOptions } from '../config/lint-settings';
import { chartReference } from '../registry/registry-reference';
import { defaultPackageOutputPath } from '../config/constants';
import { removePushRecord } from '../registry/push-record-file';
import type { PushRecord } from '../registry/chart-publisher';
import { projectLabel, readCommandChart } from './chart-command';
import { lintChart } from './lint';
import { packageChart } from './package';
import { configuredRegistry, pushChart, type PushOptions } from './push';

export interface PublishOptions extends PushOptions {
  /** Lint before publishing (the plugin's lintBeforePush, for a chart that ct.yaml does not exclude from linting). */
  lint?: boolean;
  lintSettings?: LintPluginOptions;
}

/**
 * What `nx release publish` runs for a chart: lint, package and push, in one task. Nx leaves out the tasks a release
 * target depends on when the release is filtered (`--projects`, `--groups`), so the package is built here, from the
 * Chart.yaml that `nx release version` wrote, rather than trusted to exist: publishing an older package of the same
 * version would publish something other than what was released. A dry run (`--dry-run`, NX_DRY_RUN) writes nothing
 * and contacts no registry.
 */
export async function publishChart(options: PublishOptions): Promise<PushRecord | undefined> {
  if (options.dryRun) {
    const { chart } = readCommandChart(options);
    const location = configuredRegistry(options, projectLabel(options), options.env ?? process.env);
    const target = location ? chartReference(location, chart.name, chart.version).reference : 'the configured registry';
    options.log.info(
      `Dry run: would ${options.lint ? 'lint, package' : 'package'} and push ${chart.name} ${chart.version} (the version in Chart.yaml) to ${target}.`,
    );
    return undefined;
  }
  // Before the lint and the package, which may fail too.
  removePushRecord(resolve(options.workspaceRoot, options.packageOutputPath ?? defaultPackageOutputPath(options.chartRoot)));
  if (options.lint) {
    await lintChart({ ...options, lint: options.lintSettings });
  }
  await packageChart({ ...options, outputPath: options.packageOutputPath });
  return pushChart(options);
}
