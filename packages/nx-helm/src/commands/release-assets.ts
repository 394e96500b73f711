import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { defaultPackageOutputPath, PUSH_RECORD_FILE } from '../config/constants';
import { readNxJson } from '../config/nx-json-settings';
import { readPushRecordFile } from '../registry/push-record-file';
import { repositoryOf } from '../registry/registry-reference';
import type { PushRecord } from '../registry/chart-publisher';
import { changelogSection } from '../release/changelog-section';
import { releaseTagOf } from '../release/release-tag';
import { fileDigest } from '../utils/file-digest';
import { NxHelmError } from '../utils/nx-helm-error';
import { projectLabel, readCommandChart, type ChartCommandOptions } from './chart-command';

/** How the released chart is signed, for the lineage and the verify commands of the notes. */
export type AssetSigning = 'none' | 'cosign' | 'gpg';

export interface ReleaseAssetsOptions extends ChartCommandOptions {
  /** Where the assets go; default dist/release-assets/<chart folder>. Emptied first. */
  outputDir?: string;
  /** Folder holding the package and its push.json (package-chart's outputPath). */
  packageOutputPath?: string;
  /** The CI run that released the chart; default from GitHub Actions' or GitLab CI's variables. */
  ciRunUrl?: string;
  /** `cosign`: the chart is (about to be) signed by digest with cosign keyless; default: gpg when a .prov exists. */
  signing?: AssetSigning;
}

/** lineage.json: where a released chart came from and how to check it. */
export interface ReleaseLineage {
  chart: string;
  version: string;
  /** The git tag of the release (`release.releaseTag.pattern`, default `{projectName}-v{version}`). */
  tag: string;
  /** `oci://host/path/chart:tag`. */
  reference: string;
  /** Manifest digest in the registry: what to pull, pin and sign. */
  digest: string;
  /** sha256 (hex) of the .tgz asset. */
  archiveSha256: string;
  /** sha256 of the chart layer in the registry, when the asset is a re-packaged copy with other file times. */
  registryArchiveDigest?: string;
  gitCommit?: string;
  signatures: { provenance?: string; cosign: boolean };
  ciRunUrl?: string;
  /** When push-chart or nx release publish recorded the version as published. */
  publishedAt: string;
}

export interface ReleaseAssets {
  dir: string;
  files: string[];
  lineage: ReleaseLineage;
}

const CHART_DOCUMENTS = ['CHANGELOG.md', 'README.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt'];

/**
 * The files of a chart's release, for a GitHub (or any) release page: the package as published, its provenance, the
 * lineage, the chart's changelog, README and license, and release notes with the install and verify commands. Only a
 * chart whose version push.json records as published (pushed or skipped) has assets: anything else would describe a
 * release that is not in the registry.
 */
export function writeReleaseAssets(options: ReleaseAssetsOptions): ReleaseAssets {
  const env = options.env ?? process.env;
  const project = projectLabel(options);
  const { name, version } = readCommandChart(options).chart;
  // The release tag names the Nx project, as the plugin names it from the chart.
  const releasedProject = options.projectName ?? `${options.projectNamePrefix ?? ''}${name}`;
  const packageDir = resolve(options.workspaceRoot, options.packageOutputPath ?? defaultPackageOutputPath(options.chartRoot));
  const record = publishedRecord(join(packageDir, PUSH_RECORD_FILE), options.workspaceRoot, project, name, version);
  const archive = join(packageDir, `${name}-${version}.tgz`);
  const shownArchive = relative(options.workspaceRoot, archive);
  if (!existsSync(archive)) {
    throw new NxHelmError(`${shownArchive} does not exist: run the package-chart target of ${project} (nx release publish runs it).`, {
      file: shownArchive,
    });
  }
  const archiveDigest = fileDigest(archive);
  if (archiveDigest !== record.chartDigest && archiveDigest !== record.packagedChartDigest) {
    throw new NxHelmError(
      `${shownArchive} (${archiveDigest}) is not the package that was published as ${record.reference} (${record.chartDigest}): ` +
        `it was packaged again since. Run the push-chart (or nx-release-publish) target of ${project} again, then release-assets.`,
      { file: shownArchive, reference: record.reference },
    );
  }

  const dir = resolve(
    options.workspaceRoot,
    options.outputDir ?? `dist/release-assets/${options.chartRoot === '.' ? name : options.chartRoot}`,
  );
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const copy = (from: string) => {
    copyFileSync(from, join(dir, basename(from)));
    files.push(basename(from));
  };
  copy(archive);
  const provenance = existsSync(`${archive}.prov`) ? `${archive}.prov` : undefined;
  if (provenance) copy(provenance);
  for (const document of CHART_DOCUMENTS) {
    const file = join(options.workspaceRoot, options.chartRoot, document);
    if (existsSync(file)) copy(file);
  }

  const signing = options.signing ?? (provenance ? 'gpg' : 'none');
  const lineage: ReleaseLineage = {
    chart: name,
    version,
    tag: releaseTagOf(readNxJson(options.workspaceRoot)?.release, releasedProject, version),
    reference: record.reference,
    digest: record.digest!,
    archiveSha256: archiveDigest.replace(/^sha256:/, ''),
    ...(archiveDigest !== record.chartDigest ? { registryArchiveDigest: record.chartDigest } : {}),
    gitCommit: gitCommit(options.workspaceRoot),
    signatures: { ...(provenance ? { provenance: basename(provenance) } : {}), cosign: signing === 'cosign' },
    ciRunUrl: options.ciRunUrl ?? ciRunUrl(env),
    publishedAt: record.time,
  };
  writeFileSync(join(dir, 'lineage.json'), `${JSON.stringify(lineage, null, 2)}\n`);
  files.push('lineage.json');
  const changelog = join(options.workspaceRoot, options.chartRoot, 'CHANGELOG.md');
  const section = existsSync(changelog) ? changelogSection(readFileSync(changelog, 'utf8'), version) : undefined;
  writeFileSync(join(dir, 'release-notes.md'), releaseNotes(lineage, section, signing));
  files.push('release-notes.md');
  options.log.info(`Release assets of ${name} ${version} written to ${relative(options.workspaceRoot, dir) || '.'}: ${files.join(', ')}`);
  return { dir, files, lineage };
}

function publishedRecord(file: string, workspaceRoot: string, project: string, name: string, version: string): PushRecord {
  const shown = relative(workspaceRoot, file);
  if (!existsSync(file)) {
    throw new NxHelmError(
      `${shown} does not exist: ${project} ${version} has not been published from this workspace. Run \`nx release publish\` (or its push-chart target) first.`,
      { file: shown },
    );
  }
  const record = readPushRecordFile(file, shown);
  if (record.chart !== name || record.version !== version) {
    throw new NxHelmError(
      `${shown} records ${record.chart} ${record.version}, but the chart is ${name} ${version}: publish this version first (nx release publish).`,
      { file: shown },
    );
  }
  if (record.status === 'failed' || !record.digest) {
    throw new NxHelmError(
      `${shown}: publishing ${record.reference} failed (${record.error?.split('\n')[0] ?? 'no digest recorded'}). Publish it before writing its release assets.`,
      { file: shown, reference: record.reference },
    );
  }
  return record;
}

/** The release page's text: the changelog section, then how to install the chart and check it is the one released. */
export function releaseNotes(lineage: ReleaseLineage, changelog: string | undefined, signing: AssetSigning): string {
  const repository = repositoryOf(lineage.reference);
  const pinned = `${repository}@${lineage.digest}`;
  const image = pinned.replace(/^oci:\/\//, '');
  const archive = `${lineage.chart}-${lineage.version}.tgz`;
  const verify: string[] = [`helm pull ${pinned}`, `echo "${lineage.archiveSha256}  ${archive}" | sha256sum --check`];
  if (signing === 'cosign') {
    verify.push(
      `cosign verify ${image} --certificate-identity-regexp '^https://github.com/' --certificate-oidc-issuer https://token.actions.githubusercontent.com`,
    );
  }
  if (lineage.signatures.provenance) {
    verify.push(`helm pull ${repository} --version ${lineage.version} --verify --keyring <public keyring>`);
    verify.push(`helm verify ${archive} --keyring <public keyring>`);
  }
  return [
    `# ${lineage.chart} ${lineage.version}`,
    '',
    ...(changelog ? [changelog.trim(), ''] : []),
    '## Install',
    '',
    '```sh',
    `helm install ${lineage.chart} ${repository} --version ${lineage.version}`,
    '```',
    '',
    'Or by digest, which always gets exactly this release:',
    '',
    '```sh',
    `helm install ${lineage.chart} ${pinned}`,
    '```',
    '',
    '## Verify',
    '',
    '```sh',
    ...verify,
    '```',
    '',
    `Published as \`${lineage.reference}\` (\`${lineage.digest}\`)${lineage.gitCommit ? ` from commit ${lineage.gitCommit}` : ''}${lineage.ciRunUrl ? ` by ${lineage.ciRunUrl}` : ''}.`,
    '',
  ].join('\n');
}

function gitCommit(cwd: string): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The URL of the CI run, on GitHub Actions and GitLab CI. */
function ciRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  return env.CI_JOB_URL || undefined;
}
