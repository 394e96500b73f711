// Benchmark: how long the nx-helm plugin takes to infer projects and edges for a large chart workspace.
// Generates N charts (a library, applications depending on it through file://, umbrellas over the applications),
// then times createNodes without and with the plugin's targets cache, and createDependencies.
// Usage: node tools/bench/create-nodes.mjs [charts=1000]   (after `npm run build`)
// Writes the results to tools/bench/results/create-nodes.json and prints them.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const plugin = createRequire(import.meta.url)(join(root, 'packages/nx-helm/dist/index.js'));
const count = Number(process.argv[2] ?? 1000);
const rounds = 5;

const workspace = mkdtempSync(join(tmpdir(), 'nx-helm-bench-'));
process.env.NX_WORKSPACE_DATA_DIRECTORY = join(workspace, '.nx/workspace-data');
const files = [];
const write = (path, text) => {
  mkdirSync(dirname(join(workspace, path)), { recursive: true });
  writeFileSync(join(workspace, path), text);
};
for (let index = 0; index < count; index++) {
  const name = index === 0 ? 'common' : index % 10 === 0 ? `umbrella-${index}` : `app-${index}`;
  const dependencies =
    index === 0
      ? []
      : index % 10 === 0
        ? [index - 1, index - 2].map((n) => ({ name: `app-${n}`, repository: `file://../app-${n}` }))
        : [{ name: 'common', repository: 'file://../common' }];
  write(
    `charts/${name}/Chart.yaml`,
    [
      'apiVersion: v2',
      `name: ${name}`,
      `version: 1.${index}.0`,
      `type: ${index === 0 ? 'library' : 'application'}`,
      ...(dependencies.length ? ['dependencies:'] : []),
      ...dependencies.flatMap((d) => [`  - name: ${d.name}`, '    version: ">=0.0.0"', `    repository: ${d.repository}`]),
      '',
    ].join('\n'),
  );
  files.push(`charts/${name}/Chart.yaml`);
}

const context = { workspaceRoot: workspace, nxJsonConfiguration: {} };
const time = async (fn) => {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const cold = [];
const warm = [];
let projects;
for (let round = 0; round < rounds; round++) {
  rmSync(process.env.NX_WORKSPACE_DATA_DIRECTORY, { recursive: true, force: true });
  cold.push((await time(() => plugin.createNodes[1](files, {}, context))).ms);
  const run = await time(() => plugin.createNodes[1](files, {}, context));
  warm.push(run.ms);
  projects = Object.fromEntries(run.result.flatMap(([, r]) => Object.values(r.projects)).map((p) => [p.name, p]));
}
const projectFileMap = Object.fromEntries(Object.values(projects).map((p) => [p.name, [{ file: `${p.root}/Chart.yaml`, hash: '' }]]));
const dependencyContext = {
  externalNodes: {},
  projects,
  nxJsonConfiguration: {},
  workspaceRoot: workspace,
  fileMap: { projectFileMap, nonProjectFiles: [] },
  filesToProcess: { projectFileMap, nonProjectFiles: [] },
};
const edges = [];
let edgeCount = 0;
for (let round = 0; round < rounds; round++) {
  const run = await time(() => plugin.createDependencies({}, dependencyContext));
  edges.push(run.ms);
  edgeCount = run.result.length;
}
rmSync(workspace, { recursive: true, force: true });

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
  charts: count,
  projects: Object.keys(projects).length,
  edges: edgeCount,
  rounds,
  medianMs: {
    createNodesWithoutCache: Math.round(median(cold)),
    createNodesWithCache: Math.round(median(warm)),
    createDependenciesAllFilesChanged: Math.round(median(edges)),
  },
};
mkdirSync(join(root, 'tools/bench/results'), { recursive: true });
writeFileSync(join(root, 'tools/bench/results/create-nodes.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
