import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readHelmignore, type HelmignoreRules } from './helmignore';

/**
 * Writes a chart folder as `<name>-<version>.tgz` the way `helm dependency build` places a `file://` dependency into
 * its dependent's charts/ folder: the files helm's loader would read (the chart's .helmignore applied, links
 * followed), under a `<name>/` prefix. Done here instead of by a helm process per dependent: the dependent's lint and
 * package read it exactly as they read helm's own archive.
 */
export async function writeSubchartArchive(chartDir: string, chartName: string, destination: string, displayDir: string): Promise<void> {
  writeFileSync(destination, await subchartArchive(chartDir, chartName, displayDir));
}

/** The bytes writeSubchartArchive writes. */
export async function subchartArchive(chartDir: string, chartName: string, displayDir: string): Promise<Buffer> {
  const rules = readHelmignore(chartDir, displayDir);
  const files = listChartFiles(chartDir, rules);
  // Loaded here, not at start-up: only charts with dependencies of the workspace need it.
  const archive = (require('tar-stream') as typeof import('tar-stream')).pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const finished = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const file of files) {
    const path = join(chartDir, file);
    archive.entry({ name: `${chartName}/${file}`, mode: statSync(path).mode & 0o777, mtime: new Date(0) }, readFileSync(path));
  }
  archive.finalize();
  await finished;
  return gzipSync(Buffer.concat(chunks), { level: 1 });
}

/** The chart's files, relative and sorted, as helm's loader walks them: ignored folders are not entered. */
function listChartFiles(chartDir: string, rules: HelmignoreRules): string[] {
  const files: string[] = [];
  const walk = (relativeDir: string) => {
    for (const name of readdirSync(join(chartDir, relativeDir)).sort()) {
      const path = relativeDir ? `${relativeDir}/${name}` : name;
      const isDirectory = statSync(join(chartDir, path)).isDirectory();
      if (rules.ignores(path, isDirectory)) continue;
      if (isDirectory) walk(path);
      else files.push(path);
    }
  };
  walk('');
  return files;
}
