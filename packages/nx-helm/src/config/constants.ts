/** Names shared by the plugin, the CLI, the executors and the generators. */

/** The npm package, the nx.json plugin entry and the executors' prefix. */
export const PLUGIN_NAME = 'nx-helm';

/** The CLI (package.json "bin"), which the inferred targets run. */
export const CLI_NAME = 'nx-helm';

/** Key of the chart facts in each project's metadata (read back by createDependencies and the executors). */
export const METADATA_KEY = 'nx-helm';

/** Folder packages are written under, one sub-folder per project root, as Nx's own plugins build into dist/<project root>. */
export const DEFAULT_OUTPUT_PATH = 'dist';

/** Where a chart's package goes by default: dist/<chart folder> (charts/web → dist/charts/web). */
export function defaultPackageOutputPath(chartRoot: string): string {
  return `${DEFAULT_OUTPUT_PATH}/${chartRoot}`;
}

/** Where a chart's rendered manifests go: `<outputPath>/rendered/<chart folder>` (dist/rendered/charts/web). */
export function defaultRenderOutputPath(chartRoot: string, outputPath: string = DEFAULT_OUTPUT_PATH): string {
  return chartRoot === '.' ? `${outputPath}/rendered` : `${outputPath}/rendered/${chartRoot}`;
}

/** What push-chart writes next to the package. */
export const PUSH_RECORD_FILE = 'push.json';

/** Default names of the inferred targets. */
export const DEFAULT_TARGET_NAMES = {
  checkVersion: 'check-version',
  lint: 'lint-chart',
  package: 'package-chart',
  push: 'push-chart',
  render: 'render-chart',
  verify: 'verify-chart',
} as const;

/** The target `nx release publish` runs in every released project; Nx fixes its name. */
export const RELEASE_PUBLISH_TARGET = 'nx-release-publish';

/** Environment variables nx-helm reads. */
export const ENV = {
  /** Overrides the configured registry for every chart, e.g. to publish to a staging registry from CI. */
  registry: 'NX_HELM_REGISTRY',
  /** `false` skips signing, for jobs that have no access to the key (pull requests). */
  sign: 'NX_HELM_SIGN',
  /** The plugin options of the entry that inferred a target, as JSON: set by the inferred targets for the CLI. */
  options: 'NX_HELM_OPTIONS',
  /** The reproducible-builds timestamp of packages. */
  sourceDateEpoch: 'SOURCE_DATE_EPOCH',
  /** The base commit of `nx affected` (set by nrwl/nx-set-shas), for check-version. */
  base: 'NX_BASE',
  /** The helm binary, when no helmPath option is given. */
  helmBinary: 'HELM_BIN',
  /** Set by Nx for every task: the project it runs for. */
  taskProject: 'NX_TASK_TARGET_PROJECT',
} as const;
