#!/usr/bin/env node
// Benchmark of the nx-helm plugin against the plain helm commands a chart monorepo runs without it.
//
// Every measurement is compared with a baseline measured in the same run on the same machine, and reported as a
// ratio next to its goal (never as an absolute time limit):
//   cold      cold `nx run-many -t lint-chart package-chart` vs a serial bash loop of helm commands and the same work
//             run by `xargs -P <cores>` (one dependency level after the other), in turns; the floor is the serial
//             loop's CPU seconds / cores (per size)
//   cached    the same run-many fully cached vs a bare `nx show projects` (per size)
//   affected  `nx affected` after a change to one leaf application chart, with the plugin option execution "batch" vs
//             "command" on the same workspace, in turns (per size; nx.json is restored afterwards)
//   push      `nx run-many -t push-chart` to a fresh registry vs a `helm push` loop, then the re-push of the same
//             charts (all skipped, no blob uploaded) vs both (size: the first of --sizes)
//   remote-cache  the Nx cache in an OCI registry (NX_HELM_CACHE_REPOSITORY): a cold run-many that writes every entry vs
//             the same cold run without the cache, then a fresh clone served from the registry vs the same run from
//             its local cache, with the share of remote hits (size: the first of --sizes)
//   graph     cold `nx show projects` with the plugin vs the same workspace with hand-written project.json files
//   nodes     the plugin's createNodes and createDependencies called in-process (no goal)
//   startup   `nx-helm lint`: from its start to its first helm call, beside a bare `node -e 0`
//   render    cold `nx run-many -t render-chart` (helm template of every values set, validation included) vs the same
//             run's cold `nx run-many -t lint-chart`, in turns (size: the first of --sizes)
//   diff      `nx-helm diff` after a change to libraries that affects ~80% of the charts, with the base renders in
//             Nx's cache, vs rendering those charts twice without the cache (size: the first of --sizes)
//   multi-chart  whether one helm command for many charts pays: `helm lint` and `helm package` of 20 charts made by
//            `helm create`, one command per chart vs one command for all (no goal; what batches rely on)
//
// Usage (after tools/setup.sh): node tools/bench/run.mjs
//   [--only cold,cached,affected,push,remote-cache,graph,nodes,startup,render,diff] [--sizes 100,500] [--graph-size 1000]
//   [--cold-rounds 1] [--execution batch|command] [--out tools/bench/results/bench.json] [--reevaluate]
//   --execution    writes {"execution": ...} into the nx-helm plugin options of every generated workspace's nx.json
//                  (default: unset, so the plugin's default for the installed Nx applies); the affected item sets
//                  both values itself
//   --cold-rounds  rounds of the cold item (default 1); the three runs take turns going first, the medians are reported
//   --reevaluate   recomputes the goals (limits, notes) of the --out file from its measurements, without measuring
// Environment: HELM_BIN (default .tools/helm/v4.1.4/helm), REGISTRY_BIN (default docker-registry).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, release, tmpdir, type as osType } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXAMPLE_CHARTS = join(REPO, 'charts');
/** Charts of the multi-chart item. */
const MULTI_CHART_COUNT = 20;
const ITEMS = ['cold', 'cached', 'affected', 'push', 'remote-cache', 'graph', 'nodes', 'startup', 'multi-chart', 'render', 'diff'];
/** Rounds for the cheap measurements; their median is reported. */
const ROUNDS = 3;
const NODES_ROUNDS = 5;
const STARTUP_ROUNDS = 15;
/** The values of the plugin option `execution`, and what the results say when a workspace's nx.json leaves it unset. */
const EXECUTION_MODES = ['command', 'batch'];
const EXECUTION_DEFAULT = 'batch (Nx default for this version)';

const log = (message) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
/**
 * The steps of round `index`, in turns: each round starts one step further on (for two steps: A B, then B A), so that
 * no side of a comparison always runs first or always gets the machine's quieter moments.
 */
const inTurn = (index, steps) => steps.map((_, position) => steps[(position + index) % steps.length]);
const round = (value, digits = 2) => (value === undefined || value === null ? null : Number(value.toFixed(digits)));

// ---------------------------------------------------------------------------------------------------------------
// Command line

function parseArguments(argv) {
  const options = {
    only: ITEMS,
    sizes: [100, 500],
    graphSize: 1000,
    coldRounds: 1,
    execution: undefined,
    out: join(REPO, 'tools/bench/results/bench.json'),
  };
  for (let index = 0; index < argv.length; index++) {
    const [flag, inlineValue] = argv[index].split(/=(.*)/s);
    const value = () => inlineValue ?? argv[++index] ?? fail(`${flag} needs a value`);
    if (flag === '--only')
      options.only = value()
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    else if (flag === '--sizes') options.sizes = value().split(',').map(Number);
    else if (flag === '--graph-size') options.graphSize = Number(value());
    else if (flag === '--cold-rounds') options.coldRounds = Number(value());
    else if (flag === '--execution') options.execution = value();
    else if (flag === '--out') options.out = resolve(value());
    else if (flag === '--reevaluate') options.reevaluate = true;
    else if (flag === '--help' || flag === '-h') {
      const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0];
      console.log(header.replace(/^#!.*\n/, '').replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else fail(`unknown option ${flag}`);
  }
  const unknown = options.only.filter((item) => !ITEMS.includes(item));
  if (unknown.length > 0) fail(`unknown item(s) in --only: ${unknown.join(', ')} (known: ${ITEMS.join(', ')})`);
  // Fewer than 5 charts cannot hold a library, an umbrella and a leaf application.
  if (options.sizes.length === 0 || options.sizes.some((size) => !Number.isInteger(size) || size < 5))
    fail('--sizes must be integers >= 5');
  if (!Number.isInteger(options.graphSize) || options.graphSize < 5) fail('--graph-size must be an integer >= 5');
  if (!Number.isInteger(options.coldRounds) || options.coldRounds < 1) fail('--cold-rounds must be an integer >= 1');
  if (options.execution !== undefined && !EXECUTION_MODES.includes(options.execution))
    fail(`--execution must be one of ${EXECUTION_MODES.join(', ')}`);
  return options;
}

function fail(message) {
  console.error(`run.mjs: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Processes

const HELM = findHelm(process.env.HELM_BIN ?? '.tools/helm/v4.1.4/helm');
const REGISTRY_BIN = process.env.REGISTRY_BIN ?? 'docker-registry';
const NX_BIN = join(REPO, 'node_modules/nx', nxBinField());

/** An absolute path for HELM_BIN (relative to the repository, or on PATH when it is a bare name like `helm`). */
function findHelm(name) {
  if (name.includes('/')) return resolve(REPO, name);
  const found = (process.env.PATH ?? '')
    .split(':')
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
  return found ?? resolve(REPO, name);
}

function nxBinField() {
  const manifest = JSON.parse(readFileSync(join(REPO, 'node_modules/nx/package.json'), 'utf8'));
  return typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.nx;
}

/**
 * The environment of every command: nx as CI runs it (no daemon, no Nx Cloud, no terminal UI), the chosen helm, and a
 * helm configuration of the benchmark's own so the user's repositories and registry logins play no part. Inherited
 * NX_* and HELM_* variables are dropped: they could move caches or change targets.
 *
 * Nx 24 keeps the task cache in ~/.nx/<workspace id>/ by default, shared by every checkout with the same first commit,
 * so deleting the workspace's .nx would not empty it (and each generated workspace would leave a folder in the home
 * directory). NX_CACHE_DIRECTORY and NX_WORKSPACE_DATA_DIRECTORY keep both inside the workspace's .nx.
 */
function benchEnvironment(helmHome) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(NX_|HELM_)/.test(name)));
  return {
    ...inherited,
    NODE_OPTIONS: undefined,
    SOURCE_DATE_EPOCH: undefined,
    CI: 'true',
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    NX_CACHE_DIRECTORY: '.nx/cache',
    NX_WORKSPACE_DATA_DIRECTORY: '.nx/workspace-data',
    HELM_BIN: HELM,
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
  };
}

let ENV = process.env;
/** Commands still running, stopped (with their process group) when the benchmark is interrupted or fails. */
const running = new Set();

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/**
 * CPU seconds (user + system) of this process's finished children and everything they waited for, from
 * /proc/self/stat (Linux; null elsewhere). Commands run one at a time, so the difference around a command is the CPU
 * its whole process tree used: on 2 cores, a tool that burns more CPU than the serial loop cannot beat it.
 */
function childCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // Fields 16 and 17 of stat (cutime, cstime), counted from the state field (3).
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Where commands write their output; set to a folder of the run's temporary directory. */
let OUTPUT_DIR = tmpdir();
let outputCount = 0;

/**
 * Runs a command to its end and returns its exit code, its output (stdout and stderr, without colours), its
 * wall-clock time in seconds, from spawn to exit, and the CPU seconds its processes used. Each command gets a process
 * group of its own, so stopping it also stops the helm and node processes it started.
 *
 * The output goes to a file, not to a pipe from this process (a socket pair): there, nx sometimes exits before its
 * output is written, and `nx show projects` of 500 projects ends after a few hundred lines with exit code 0 (seen with
 * Nx 24.0.6, with and without the plugin).
 */
function run(command, args, { cwd, env = {} } = {}) {
  return new Promise((resolvePromise, reject) => {
    const file = join(OUTPUT_DIR, `output-${++outputCount}.log`);
    const fd = openSync(file, 'w');
    const cpuBefore = childCpuSeconds();
    const started = process.hrtime.bigint();
    let child;
    try {
      child = spawn(command, args, { cwd, env: { ...ENV, ...env }, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    running.add(child);
    child.on('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      running.delete(child);
      const cpuAfter = childCpuSeconds();
      const cpuSeconds = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
      const output = stripVTControlCharacters(readFileSync(file, 'utf8'));
      rmSync(file, { force: true });
      resolvePromise({ code, signal, output, seconds, cpuSeconds });
    });
  });
}

/** Runs a command and throws, with the end of its output, unless it exits with 0. */
async function runChecked(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${[command, ...args].join(' ')} (in ${options?.cwd}) exited with ${result.code ?? result.signal}:\n${tail(result.output)}`,
    );
  }
  return result;
}

const tail = (text, lines = 40) => text.trimEnd().split('\n').slice(-lines).join('\n');

const nx = (workspace, args, env) => run(process.execPath, [NX_BIN, ...args], { cwd: workspace, env });

function git(cwd, ...args) {
  const result = spawnSync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: ENV,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr}`);
  return result.stdout.trim();
}

function stopRunning() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// nx output

/**
 * The tasks of a run-many/affected run, from the lines nx prints when a task ends ("✔  nx run web-3:lint-chart  [local
 * cache]"), with whether each succeeded and whether it came from the cache.
 */
function parseTasks(output) {
  const tasks = [];
  for (const line of output.split('\n')) {
    const match = /^\s*([✔✖])\s+nx run (\S+?):(\S+)(.*)$/.exec(line);
    if (!match) continue;
    const [, mark, project, target, rest] = match;
    tasks.push({
      project,
      target,
      ok: mark === '✔',
      cached: /\[(local cache|remote cache|existing outputs match the cache)/.test(rest),
      remote: /\[remote cache\]/.test(rest),
    });
  }
  return tasks;
}

/**
 * The batches Nx reported ("Running 100 tasks with nx-helm:lint", printed when it runs tasks of a batch executor
 * together), per executor: how many such lines and how many tasks they named. Empty when Nx batched nothing. Only a
 * record of what Nx printed: no result depends on it.
 */
function parseBatches(output) {
  const batches = {};
  for (const [, count, executor] of output.matchAll(/Running (\d+) tasks? with (nx-helm:\S+)/g)) {
    const entry = (batches[executor] ??= { batches: 0, tasks: 0 });
    entry.batches += 1;
    entry.tasks += Number(count);
  }
  return batches;
}

/** The tasks listed under "Failed tasks:" at the end of a failed run (nx prints no ✖ line for some of them). */
function parseFailedTasks(output) {
  const section = /\nFailed tasks:\n\n((?:- \S+\n?)+)/.exec(output);
  if (!section) return [];
  return section[1]
    .trim()
    .split('\n')
    .map((line) => {
      const [project, target] = line.slice(2).split(':');
      return { project, target, ok: false, cached: false };
    });
}

/**
 * Runs an nx task command and checks that it really did what is measured: exit code 0, the "Successfully ran" line,
 * every task succeeded, and (when given) the expected number of tasks, of which `cached` came from the cache.
 */
async function nxTasks(workspace, args, { env, expectTasks, expectCached } = {}) {
  const result = await nx(workspace, args, env);
  const tasks = parseTasks(result.output);
  const failed = [...tasks.filter((task) => !task.ok), ...parseFailedTasks(result.output)];
  const cached = tasks.filter((task) => task.cached).length;
  const problems = [
    result.code !== 0 && `exit code ${result.code ?? result.signal}`,
    !/Successfully ran target/.test(result.output) && 'no "Successfully ran" line',
    failed.length > 0 &&
      `${failed.length} failed task(s): ${failed
        .slice(0, 5)
        .map((task) => `${task.project}:${task.target}`)
        .join(', ')}`,
    expectTasks !== undefined && tasks.length !== expectTasks && `${tasks.length} tasks instead of ${expectTasks}`,
    expectCached !== undefined && cached !== expectCached && `${cached} cached tasks instead of ${expectCached}`,
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new Error(`nx ${args.join(' ')} in ${workspace}: ${problems.join('; ')}\n${tail(result.output)}`);
  }
  const batches = parseBatches(result.output);
  return {
    seconds: result.seconds,
    cpuSeconds: result.cpuSeconds,
    tasks,
    cached,
    batches,
    batched: Object.keys(batches).length > 0,
    output: result.output,
  };
}

/** `nx show projects`, checked to list exactly the expected projects. */
async function showProjects(workspace, expected) {
  const result = await nx(workspace, ['show', 'projects']);
  const listed = result.output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => expected.has(line));
  if (result.code !== 0 || listed.length !== expected.size) {
    throw new Error(
      `nx show projects in ${workspace}: exit code ${result.code}, ${listed.length} of ${expected.size} projects\n${tail(result.output)}`,
    );
  }
  return result.seconds;
}

/** Removes Nx's caches: `.nx` holds the task cache and the project graph cache (workspace-data). */
const clearNxCache = (workspace, parts = ['.nx']) =>
  parts.forEach((part) => rmSync(join(workspace, part), { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------
// The plugin under test

/** The node_modules every generated workspace links to: the repository's, with nx-helm replaced by a snapshot. */
let NODE_MODULES = join(REPO, 'node_modules');
const PLUGIN_SOURCE = join(REPO, 'packages/nx-helm');
const PLUGIN_FILES = ['package.json', 'executors.json', 'generators.json', 'README.md', 'dist', 'node_modules'];

/**
 * Copies the built plugin into `temp/node_modules/nx-helm` and links every other package (and copies the .bin links,
 * which point into ../nx-helm) from the repository's node_modules. The benchmark runs for many minutes while
 * packages/nx-helm/dist may be rebuilt; with a snapshot, every measurement of one report uses the same build.
 * Returns the digest of the copied dist folder, which names that build in the report, and its time.
 */
async function snapshotPlugin(temp) {
  const modules = join(temp, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry !== 'nx-helm' && entry !== '.bin') symlinkSync(join(REPO, 'node_modules', entry), join(modules, entry));
  }
  cpSync(join(REPO, 'node_modules/.bin'), join(modules, '.bin'), { recursive: true, verbatimSymlinks: true });
  const copy = join(modules, 'nx-helm');
  for (let attempt = 1; attempt <= 20; attempt++) {
    await waitForFinishedBuild();
    const before = treeDigest(join(PLUGIN_SOURCE, 'dist'));
    const builtAt = new Date(newestModification(join(PLUGIN_SOURCE, 'dist'))).toISOString();
    rmSync(copy, { recursive: true, force: true });
    for (const file of PLUGIN_FILES.filter((name) => existsSync(join(PLUGIN_SOURCE, name)))) {
      cpSync(join(PLUGIN_SOURCE, file), join(copy, file), { recursive: true, verbatimSymlinks: true });
    }
    // A build that started while copying shows up as a changed digest: copy again.
    if (before === treeDigest(join(PLUGIN_SOURCE, 'dist')) && before === treeDigest(join(copy, 'dist'))) {
      NODE_MODULES = modules;
      return { digest: before, builtAt };
    }
    log(`  packages/nx-helm/dist changed while copying it; copying again (${attempt})`);
  }
  throw new Error('packages/nx-helm/dist kept changing; could not take a consistent copy');
}

/** The build (scripts/build.mjs) removes dist, compiles, copies assets and makes the CLI executable last. */
async function waitForFinishedBuild() {
  const cli = join(PLUGIN_SOURCE, 'dist/src/cli/main.js');
  for (let waited = 0; ; waited += 2) {
    const finished = existsSync(cli) && (statSync(cli).mode & 0o111) !== 0;
    const newest = finished ? newestModification(join(PLUGIN_SOURCE, 'dist')) : Infinity;
    if (finished && Date.now() - newest > 3000) return;
    if (waited >= 300) throw new Error('packages/nx-helm/dist is missing or being rebuilt: run npm run build');
    if (waited === 0) log('  waiting for the build of packages/nx-helm/dist to finish');
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 2000));
  }
}

const newestModification = (dir) => Math.max(...listFiles(dir).map((file) => statSync(file).mtimeMs));

function treeDigest(dir) {
  const hash = createHash('sha256');
  for (const file of listFiles(dir).sort()) hash.update(`${relative(dir, file)}\0`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

// ---------------------------------------------------------------------------------------------------------------
// Generated workspaces

/**
 * Which charts a workspace of `size` charts holds: ~10% libraries (copies of common), ~15% umbrellas (copies of
 * platform, each over one web and one worker copy) and the rest applications (copies of web and worker, alternating,
 * each on one library). Applications beyond the umbrellas' pairs are leaves: nothing depends on them.
 */
function planWorkspace(size) {
  const libraryCount = Math.max(1, Math.round(size * 0.1));
  // Keeps at least one leaf application: applications >= 2 * umbrellas + 1.
  const umbrellaCount = Math.max(1, Math.min(Math.round(size * 0.15), Math.floor((size - libraryCount - 1) / 3)));
  const applicationCount = size - libraryCount - umbrellaCount;
  let next = 1;
  const libraries = Array.from({ length: libraryCount }, () => ({ kind: 'library', name: `lib-${next++}`, dependencies: [] }));
  const applications = Array.from({ length: applicationCount }, (_, index) => {
    const template = index % 2 === 0 ? 'web' : 'worker';
    return { kind: 'application', template, name: `${template}-${next++}`, dependencies: [libraries[index % libraryCount].name] };
  });
  const umbrellas = Array.from({ length: umbrellaCount }, (_, index) => ({
    kind: 'umbrella',
    name: `platform-${next++}`,
    dependencies: [applications[2 * index].name, applications[2 * index + 1].name],
  }));
  // Dependency order: libraries, then applications, then umbrellas.
  const charts = [...libraries, ...applications, ...umbrellas];
  return { size, charts, leaf: applications[applications.length - 1] };
}

/** Replaces each `from` with `to`, failing when `from` is missing: a changed example chart must not go unnoticed. */
function substitute(text, pairs, file) {
  for (const [from, to] of pairs) {
    if (!text.includes(from)) throw new Error(`cannot generate charts: "${from}" not found in ${file}`);
    text = text.split(from).join(to);
  }
  return text;
}

function copyChart(example, target, edits) {
  cpSync(join(EXAMPLE_CHARTS, example), target, { recursive: true });
  for (const [file, pairs] of Object.entries(edits)) {
    const path = join(target, file);
    writeFileSync(path, substitute(readFileSync(path, 'utf8'), pairs, `charts/${example}/${file}`));
  }
}

/** Library helpers are renamed with the library ("lib-3.fullname"), as a real second library would be. */
function writeLibrary(dir, chart) {
  copyChart('common', dir, {
    'Chart.yaml': [['name: common', `name: ${chart.name}`]],
    'templates/_helpers.tpl': [['"common.', `"${chart.name}.`]],
  });
}

function writeApplication(dir, chart) {
  const [library] = chart.dependencies;
  const templates = readdirSync(join(EXAMPLE_CHARTS, chart.template, 'templates')).filter(
    (file) => file.endsWith('.yaml') || file.endsWith('.txt'),
  );
  copyChart(chart.template, dir, {
    'Chart.yaml': [
      [`name: ${chart.template}\n`, `name: ${chart.name}\n`],
      ['name: common', `name: ${library}`],
      ['file://../common', `file://../${library}`],
    ],
    ...Object.fromEntries(templates.map((file) => [`templates/${file}`, [['"common.', `"${library}.`]]])),
  });
}

/** Subchart values live under the subchart's name; names with dashes are read with `index` in templates. */
function writeUmbrella(dir, chart) {
  const [web, worker] = chart.dependencies;
  copyChart('platform', dir, {
    'Chart.yaml': [
      ['name: platform', `name: ${chart.name}`],
      ['name: web', `name: ${web}`],
      ['file://../web', `file://../${web}`],
      ['condition: web.enabled', `condition: ${web}.enabled`],
      ['name: worker', `name: ${worker}`],
      ['file://../worker', `file://../${worker}`],
      ['condition: worker.enabled', `condition: ${worker}.enabled`],
    ],
    'values.yaml': [
      ['web:\n', `${web}:\n`],
      ['worker:\n', `${worker}:\n`],
    ],
    'ci/web-only-values.yaml': [['worker:', `${worker}:`]],
    'templates/configmap.yaml': [
      ['-platform', `-${chart.name}`],
      ['app.kubernetes.io/name: platform', `app.kubernetes.io/name: ${chart.name}`],
      ['.Values.web.enabled', `(index .Values "${web}").enabled`],
      ['.Values.worker.enabled', `(index .Values "${worker}").enabled`],
    ],
  });
}

const CHART_WRITERS = { library: writeLibrary, application: writeApplication, umbrella: writeUmbrella };

/**
 * A git workspace of generated charts using the plugin: nx.json (with the plugin option `execution` when given),
 * package.json, .gitignore, node_modules linked to the repository's packages (with the snapshot of nx-helm), one commit.
 */
function createWorkspace(dir, plan, execution) {
  mkdirSync(dir, { recursive: true });
  for (const chart of plan.charts) CHART_WRITERS[chart.kind](join(dir, 'charts', chart.name), chart);
  const pluginOptions = execution === undefined ? {} : { execution };
  const nxJson = { plugins: [{ plugin: 'nx-helm', options: pluginOptions }], namedInputs: { default: ['{projectRoot}/**/*'] } };
  writeFileSync(join(dir, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `bench-${plan.size}`, private: true }, null, 2)}\n`);
  writeFileSync(join(dir, '.gitignore'), 'dist\n.nx\nnode_modules\n');
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'));
  commitAll(dir, `${plan.size} generated charts`, true);
  return { dir, plan, names: new Set(plan.charts.map((chart) => chart.name)), warm: false, packaged: false };
}

/** The nx-helm entry of a workspace's nx.json plugins (the one that is an object with options). */
function pluginEntry(nxJson) {
  const entry = (nxJson.plugins ?? []).find((plugin) => typeof plugin === 'object' && plugin.plugin === 'nx-helm');
  if (!entry) throw new Error('nx.json has no {"plugin": "nx-helm"} entry');
  return entry;
}

const readNxJson = (dir) => JSON.parse(readFileSync(join(dir, 'nx.json'), 'utf8'));

/** The plugin option `execution` in a workspace's nx.json, as the results record it. */
const executionOf = (dir) => pluginEntry(readNxJson(dir)).options?.execution ?? EXECUTION_DEFAULT;

/**
 * Sets the plugin option `execution` in the workspace's nx.json (removes it for undefined) and commits the change, so
 * that `nx affected --base=HEAD~1` after the next commit sees only that commit's files. Returns whether it changed.
 */
function setExecution(workspace, execution) {
  const nxJson = readNxJson(workspace.dir);
  const entry = pluginEntry(nxJson);
  if (entry.options?.execution === execution) return false;
  entry.options = { ...entry.options, execution };
  if (execution === undefined) delete entry.options.execution;
  writeFileSync(join(workspace.dir, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
  commitAll(workspace.dir, `nx-helm execution: ${execution ?? 'unset'}`);
  return true;
}

function commitAll(dir, message, init = false) {
  if (init) git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
}

/** An identical copy (sources and git history; node_modules stays a link), for a baseline that writes into it. */
function copyWorkspace(source, target) {
  cpSync(source, target, { recursive: true, verbatimSymlinks: true, filter: (path) => !/[/\\](\.nx|dist)$/.test(path) });
  return target;
}

// ---------------------------------------------------------------------------------------------------------------
// Baselines: the bash scripts users run without the plugin

/** One chart's work in both loops (bash, with $helm, $out and $chart set): what lint-chart and package-chart do. */
const CHART_WORK = `if grep -q '^dependencies:' "$chart/Chart.yaml"; then
  "$helm" dependency build "$chart"
fi
"$helm" lint --strict "$chart"
for values in "$chart"/ci/*-values.yaml; do
  [ -e "$values" ] || continue
  "$helm" lint --strict "$chart" --values "$values"
done
"$helm" package "$chart" -d "$out"`;

const indent = (text, spaces) => text.replace(/^(?=.)/gm, ' '.repeat(spaces));

/**
 * The serial loop a chart monorepo runs without nx: every chart in dependency order, so an umbrella's `helm
 * dependency build` packs subcharts whose own dependencies are already built.
 */
function writeHelmLoopScript(file, plan) {
  const charts = plan.charts.map((chart) => `charts/${chart.name}`).join(' \\\n  ');
  writeFileSync(
    file,
    `#!/usr/bin/env bash
# Lints and packages every chart, one after the other, in dependency order.
set -euo pipefail
helm="$1"
out="$2"
for chart in \\
  ${charts}; do
${indent(CHART_WORK, 2)}
done
`,
  );
  return file;
}

/**
 * Dependency levels of a plan: charts without dependencies first, then each chart one level above its highest
 * dependency (here: libraries, applications, umbrellas).
 */
function dependencyLevels(plan) {
  const level = new Map();
  for (const chart of plan.charts) {
    // plan.charts is in dependency order: every dependency has its level already.
    level.set(chart.name, Math.max(-1, ...chart.dependencies.map((name) => level.get(name))) + 1);
  }
  const levels = [];
  for (const chart of plan.charts) (levels[level.get(chart.name)] ??= []).push(`charts/${chart.name}`);
  return levels;
}

/**
 * The same work as the serial loop with `xargs -P <jobs>`: the charts of one dependency level at the same time, the
 * levels one after the other. The charts of a level are independent (`helm dependency build` reads file://
 * dependencies from their sources), but not the levels: an umbrella's dependency build packs each subchart folder with
 * the charts/ folder that subchart's own dependency build writes (helm does not build nested dependencies), so the
 * subcharts' level must be finished first.
 */
function writeParallelHelmLoopScript(file, plan) {
  const levels = dependencyLevels(plan).map(
    (charts) => `printf '%s\\n' \\\n  ${charts.join(' \\\n  ')} |\n  xargs -P "$jobs" -n 1 bash "$0" "$helm" "$out" "$jobs"`,
  );
  writeFileSync(
    file,
    `#!/usr/bin/env bash
# Lints and packages every chart, $jobs at a time (xargs -P), one dependency level after the other. Called by xargs
# with a chart as the fourth argument, it does that chart's work.
set -euo pipefail
helm="$1"
out="$2"
jobs="$3"
if [ $# -eq 4 ]; then
  chart="$4"
${indent(CHART_WORK, 2)}
  exit 0
fi
${levels.join('\n')}
`,
  );
  return { file, levels: levels.length };
}

function writePushLoopScript(file) {
  writeFileSync(
    file,
    `#!/usr/bin/env bash
# Pushes every package given, one after the other.
set -euo pipefail
helm="$1"
target="$2"
shift 2
for package in "$@"; do
  "$helm" push "$package" "$target" --plain-http
done
`,
  );
  return file;
}

// ---------------------------------------------------------------------------------------------------------------
// Registries

async function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

const registries = new Set();

/**
 * A fresh CNCF distribution registry on 127.0.0.1 with filesystem storage in a temporary folder. Its access log
 * (one line per request, on stdout) goes to a file, from which blob uploads are counted.
 */
async function startRegistry(parent, label) {
  const dir = mkdtempSync(join(parent, `registry-${label}-`));
  const host = `127.0.0.1:${await freePort()}`;
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'config.yml'), config);
  const accessLog = join(dir, 'access.log');
  const out = openSync(accessLog, 'a');
  const errors = openSync(join(dir, 'error.log'), 'a');
  const child = spawn(REGISTRY_BIN, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', out, errors] });
  closeSync(out);
  closeSync(errors);
  const registry = {
    host,
    label,
    /** The access log's length now, to count only the requests of what follows. */
    mark: () => statSync(accessLog).size,
    blobUploads: (since = 0) => countBlobUploads(readFileSync(accessLog).subarray(since).toString('utf8')),
    stop: () => stopRegistry(child, registry),
  };
  registries.add(registry);
  await waitForRegistry(child, host, () => readFileSync(join(dir, 'error.log'), 'utf8'));
  return registry;
}

/** Upload requests (POST starts one, PUT completes it, PATCH sends a chunk) and uploads started, from the access log. */
function countBlobUploads(accessLog) {
  const requests = [...accessLog.matchAll(/"(POST|PUT|PATCH) \/v2\/\S+\/blobs\/uploads\/\S* HTTP/g)].map((match) => match[1]);
  return { requests: requests.length, started: requests.filter((method) => method === 'POST').length };
}

async function waitForRegistry(child, host, errors) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${REGISTRY_BIN} exited with ${child.exitCode}: ${errors()}`);
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
  throw new Error(`${REGISTRY_BIN} did not answer on ${host} within 15 s: ${errors()}`);
}

function stopRegistry(child, registry) {
  registries.delete(registry);
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    child.once('exit', () => resolvePromise());
    child.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

/** The benchmark's state: one generated workspace per size, shared by the items of that size. */
class Bench {
  constructor(temp, options, report, save) {
    this.temp = temp;
    this.options = options;
    this.report = report;
    this.save = save;
    this.workspaces = new Map();
  }

  workspace(size) {
    if (!this.workspaces.has(size)) {
      log(`generating a workspace of ${size} charts`);
      const dir = join(this.temp, `charts-${size}`);
      this.workspaces.set(size, createWorkspace(dir, planWorkspace(size), this.options.execution));
      this.report.options.execution = executionOf(dir);
    }
    return this.workspaces.get(size);
  }

  /** Runs one item; a failure is recorded (without a number) and the other items still run. */
  async item(id, measure) {
    log(`${id}: start`);
    const started = Date.now();
    // Other work on the machine slows one side of a comparison more than the other. The load before an item shows
    // it; the load after includes the benchmark's own processes.
    const loadBefore = round(loadavg()[0]);
    try {
      const measurement = await measure();
      measurement.loadAverage1m = { before: loadBefore, after: round(loadavg()[0]) };
      this.report.measurements[id] = measurement;
      log(`${id}: done in ${((Date.now() - started) / 1000).toFixed(0)} s${summary(measurement)}`);
    } catch (error) {
      log(`${id}: FAILED: ${error.message}`);
      this.report.measurements[id] = { error: error.message };
    }
    this.save();
  }
}

/** The ratios of a measurement, for the progress line. */
function summary(measurement) {
  const ratios = measurement.ratios ?? { ratio: measurement.ratio, ratioToCold: measurement.ratioToCold };
  const text = Object.entries(ratios)
    .filter(([, value]) => typeof value === 'number')
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return text ? `: ${text}` : '';
}

/** Makes sure the workspace's charts are packaged (and linted, with `lint`) and the Nx cache holds the results. */
async function warmUp(workspace, lint = true) {
  if (lint ? workspace.warm : workspace.packaged) return;
  log(`  (not timed) nx run-many -t ${lint ? 'lint-chart ' : ''}package-chart over ${workspace.plan.size} charts`);
  await nxTasks(workspace.dir, ['run-many', '-t', ...(lint ? ['lint-chart'] : []), 'package-chart']);
  workspace.packaged = true;
  workspace.warm = lint;
}

/** The median of each field of a list of runs, and the runs' times. */
function medians(runs) {
  const pick = (field) => (runs.some((run) => run[field] === null) ? null : round(median(runs.map((run) => run[field]))));
  return { seconds: pick('seconds'), cpuSeconds: pick('cpuSeconds'), runs: runs.map((run) => round(run.seconds)) };
}

/**
 * The cold lint and package of every chart: nx-helm (run-many, empty caches), the serial helm loop and the same loop
 * with `xargs -P <cores>`, taking turns to go first (--cold-rounds rounds, medians). The floor is the serial loop's CPU
 * seconds spread over every core: the helm work alone, perfectly parallel, with nothing added.
 */
async function measureCold(bench, size) {
  const workspace = bench.workspace(size);
  const cores = availableParallelism();
  const serialScript = writeHelmLoopScript(join(bench.temp, `helm-loop-${size}.sh`), workspace.plan);
  const parallel = writeParallelHelmLoopScript(join(bench.temp, `helm-loop-parallel-${size}.sh`), workspace.plan);
  // Loads helm, node and nx into the page cache, so neither side pays for the first start.
  await runChecked(HELM, ['version', '--short']);
  await runChecked(process.execPath, [NX_BIN, '--version'], { cwd: workspace.dir });

  // The loops write charts/ folders and Chart.lock files into the sources: each runs in a fresh copy of this one,
  // taken before anything ran.
  const pristine = copyWorkspace(workspace.dir, `${workspace.dir}-pristine`);
  const loop = (name, script, args) => async () => {
    const copy = copyWorkspace(pristine, `${workspace.dir}-${name}`);
    try {
      const result = await runChecked('bash', [script, HELM, join(copy, 'out'), ...args], { cwd: copy });
      const packages = readdirSync(join(copy, 'out')).filter((file) => file.endsWith('.tgz')).length;
      if (packages !== size) throw new Error(`the ${name} helm loop made ${packages} packages instead of ${size}`);
      return result;
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  };
  const steps = {
    'serial loop': loop('serial-loop', serialScript, []),
    'parallel loop': loop('parallel-loop', parallel.file, [String(cores)]),
    'nx-helm': async () => {
      clearNxCache(workspace.dir, ['.nx', 'dist']);
      return nxTasks(workspace.dir, ['run-many', '-t', 'lint-chart', 'package-chart'], { expectTasks: 2 * size, expectCached: 0 });
    },
  };
  const runs = Object.fromEntries(Object.keys(steps).map((name) => [name, []]));
  const rounds = bench.options.coldRounds;
  try {
    for (let index = 0; index < rounds; index++) {
      for (const name of inTurn(index, Object.keys(steps))) {
        log(`  ${name} over ${size} charts${rounds > 1 ? ` (round ${index + 1} of ${rounds})` : ''}`);
        runs[name].push(await steps[name]());
        log(`  ${name}: ${runs[name].at(-1).seconds.toFixed(1)} s`);
      }
    }
  } finally {
    rmSync(pristine, { recursive: true, force: true });
  }
  workspace.warm = workspace.packaged = true;

  const nxHelm = medians(runs['nx-helm']);
  const serial = medians(runs['serial loop']);
  const parallelLoop = medians(runs['parallel loop']);
  const floorSeconds = serial.cpuSeconds === null ? null : round(serial.cpuSeconds / cores);
  const batches = runs['nx-helm'].at(-1).batches;
  return {
    charts: size,
    cores,
    rounds,
    execution: executionOf(workspace.dir),
    ...nxHelm,
    tasks: runs['nx-helm'].at(-1).tasks.length,
    batched: runs['nx-helm'].every((run) => run.batched),
    batches,
    baselines: {
      serialLoop: { command: 'bash helm loop (dependency build, lint --strict per values file, package)', ...serial },
      parallelLoop: {
        command: `the same per chart with xargs -P ${cores}, one dependency level after the other (${parallel.levels} levels)`,
        ...parallelLoop,
      },
    },
    floorSeconds,
    floor: `the serial loop's CPU seconds / ${cores} cores`,
    ratios: {
      toSerialLoop: round(nxHelm.seconds / serial.seconds, 3),
      toParallelLoop: round(nxHelm.seconds / parallelLoop.seconds, 3),
      toFloor: floorSeconds ? round(nxHelm.seconds / floorSeconds, 3) : null,
      parallelLoopToSerialLoop: round(parallelLoop.seconds / serial.seconds, 3),
    },
  };
}

async function measureCached(bench, size) {
  const workspace = bench.workspace(size);
  await warmUp(workspace);
  const cached = [];
  const show = [];
  for (let index = 0; index < ROUNDS; index++) {
    const run = await nxTasks(workspace.dir, ['run-many', '-t', 'lint-chart', 'package-chart'], {
      expectTasks: 2 * size,
      expectCached: 2 * size,
    });
    cached.push(run.seconds);
    show.push(await showProjects(workspace.dir, workspace.names));
    log(`  round ${index + 1}: cached run-many ${run.seconds.toFixed(2)} s, show projects ${show.at(-1).toFixed(2)} s`);
  }
  return {
    charts: size,
    rounds: ROUNDS,
    execution: executionOf(workspace.dir),
    seconds: round(median(cached)),
    runs: cached.map((value) => round(value)),
    baseline: { command: 'nx show projects', seconds: round(median(show)), runs: show.map((value) => round(value)) },
    ratio: round(median(cached) / median(show), 3),
  };
}

/** Edits a template of the leaf application and bumps its patch version, in one commit. */
function changeLeaf(workspace) {
  const chartDir = join(workspace.dir, 'charts', workspace.plan.leaf.name);
  const template = join(chartDir, 'templates/deployment.yaml');
  writeFileSync(template, `${readFileSync(template, 'utf8')}{{- /* changed by the benchmark at ${new Date().toISOString()} */}}\n`);
  const chartFile = join(chartDir, 'Chart.yaml');
  const text = readFileSync(chartFile, 'utf8');
  const [, major, minor, patch] = /^version: (\d+)\.(\d+)\.(\d+)$/m.exec(text);
  writeFileSync(chartFile, text.replace(/^version: .*$/m, `version: ${major}.${minor}.${Number(patch) + 1}`));
  commitAll(workspace.dir, `change ${workspace.plan.leaf.name}`);
}

/**
 * `nx affected` after a change to one leaf chart, with the plugin option execution "command" and "batch" on the same
 * workspace, the two taking turns to go first in each round. The modes infer different targets (nx:run-commands or the
 * nx-helm executors), so task hashes differ between them: a first, untimed run per mode fills its cache with the tasks
 * the leaf's tasks depend on. Before every timed run: nx.json set to the mode (committed), an untimed `nx show projects`
 * (the graph of that nx.json), then a new change of the leaf in a commit of its own; `--base=HEAD~1 --head=HEAD` sees
 * exactly that commit. nx.json is restored afterwards.
 */
async function measureAffected(bench, size) {
  const workspace = bench.workspace(size);
  const leaf = workspace.plan.leaf.name;
  const original = pluginEntry(readNxJson(workspace.dir)).options?.execution;
  const args = ['affected', '-t', 'lint-chart', 'package-chart', '--base=HEAD~1', '--head=HEAD'];
  const affected = async (mode) => {
    setExecution(workspace, mode);
    await showProjects(workspace.dir, workspace.names);
    changeLeaf(workspace);
    const run = await nxTasks(workspace.dir, args);
    const executed = run.tasks.filter((task) => !task.cached);
    return {
      ...run,
      executed,
      asExpected: executed.length === 2 && executed.every((task) => task.project === leaf),
    };
  };
  const runs = Object.fromEntries(EXECUTION_MODES.map((mode) => [mode, []]));
  try {
    for (const mode of EXECUTION_MODES) {
      log(`  (not timed) nx affected with execution "${mode}", to cache the tasks ${leaf}'s tasks depend on`);
      await affected(mode);
    }
    for (let index = 0; index < ROUNDS; index++) {
      for (const mode of inTurn(index, EXECUTION_MODES)) runs[mode].push(await affected(mode));
      const times = EXECUTION_MODES.map((mode) => `${mode} ${runs[mode].at(-1).seconds.toFixed(2)} s`).join(', ');
      log(`  round ${index + 1}: nx affected -t lint-chart package-chart after a change to ${leaf}: ${times}`);
    }
  } finally {
    setExecution(workspace, original);
    // The last change of the leaf may have run in the other mode only: the next warmUp runs what is missing.
    workspace.warm = workspace.packaged = false;
  }
  const byMode = Object.fromEntries(
    EXECUTION_MODES.map((mode) => {
      const last = runs[mode].at(-1);
      return [
        mode,
        {
          ...medians(runs[mode]),
          tasksRun: runs[mode].map((run) => run.executed.length),
          tasksFromCache: runs[mode].map((run) => run.cached),
          asExpected: runs[mode].every((run) => run.asExpected),
          batched: runs[mode].every((run) => run.batched),
          batches: last.batches,
          tasks: last.tasks.map((task) => `${task.project}:${task.target}${task.cached ? ' (cache)' : ''}`),
        },
      ];
    }),
  );
  const cold = bench.report.measurements[`cold-${size}`];
  return {
    charts: size,
    changed: leaf,
    rounds: ROUNDS,
    nxCommand: `nx ${args.join(' ')}`,
    restoredExecution: original ?? EXECUTION_DEFAULT,
    modes: byMode,
    expectedTasksRun: 2,
    asExpected: EXECUTION_MODES.every((mode) => byMode[mode].asExpected),
    ratios: {
      batchToCommand: round(byMode.batch.seconds / byMode.command.seconds, 3),
      batchToCold: cold?.seconds ? round(byMode.batch.seconds / cold.seconds, 3) : null,
    },
  };
}

/** The status of every push.json under dist/charts, checked to be `status` for each of the `size` charts. */
function checkPushRecords(workspace, status) {
  const records = findFiles(join(workspace.dir, 'dist/charts'), (name) => name === 'push.json').map((file) =>
    JSON.parse(readFileSync(file, 'utf8')),
  );
  const counts = {};
  for (const record of records) counts[record.status] = (counts[record.status] ?? 0) + 1;
  if (records.length !== workspace.plan.size || counts[status] !== workspace.plan.size) {
    throw new Error(
      `expected ${workspace.plan.size} push.json files with status "${status}", found ${JSON.stringify(counts)} in ${records.length} files`,
    );
  }
  return counts;
}

const findFiles = (dir, matches) => (existsSync(dir) ? listFiles(dir).filter((file) => matches(basename(file))) : []);

/** The access log is written as requests end; a moment's wait makes sure the last lines are in the file. */
const settle = () => new Promise((resolvePromise) => setTimeout(resolvePromise, 300));

async function measurePush(bench, size) {
  const workspace = bench.workspace(size);
  // Linted and packaged: push-chart depends on both, and only the push is timed.
  await warmUp(workspace, true);
  const packages = findFiles(join(workspace.dir, 'dist/charts'), (name) => name.endsWith('.tgz'));
  if (packages.length !== size) throw new Error(`found ${packages.length} packages instead of ${size} in ${workspace.dir}/dist/charts`);
  const nxRegistry = await startRegistry(bench.temp, 'nx');
  const loopRegistry = await startRegistry(bench.temp, 'loop');
  try {
    const env = { NX_HELM_REGISTRY: `oci://${nxRegistry.host}/bench` };
    // push-chart depends on package-chart and lint-chart: those come from the cache.
    const pushArgs = ['run-many', '-t', 'push-chart'];
    const expect = { env, expectTasks: 3 * size, expectCached: 2 * size };

    log(`  nx run-many -t push-chart: first push of ${size} charts to ${env.NX_HELM_REGISTRY}`);
    const first = await nxTasks(workspace.dir, pushArgs, expect);
    checkPushRecords(workspace, 'pushed');
    await settle();
    const firstUploads = nxRegistry.blobUploads();
    log(`  first push: ${first.seconds.toFixed(1)} s, ${firstUploads.started} blob uploads`);

    const target = `oci://${loopRegistry.host}/loop`;
    log(`  bash helm push loop of the same ${size} packages to ${target}`);
    const script = writePushLoopScript(join(bench.temp, 'push-loop.sh'));
    const loop = await runChecked('bash', [script, HELM, target, ...packages], { cwd: workspace.dir });
    await settle();
    const loopUploads = loopRegistry.blobUploads();
    log(`  helm push loop: ${loop.seconds.toFixed(1)} s, ${loopUploads.started} blob uploads`);

    log(`  nx run-many -t push-chart: re-push of the same ${size} charts`);
    const mark = nxRegistry.mark();
    const again = await nxTasks(workspace.dir, pushArgs, expect);
    const statuses = checkPushRecords(workspace, 'skipped');
    await settle();
    const againUploads = nxRegistry.blobUploads(mark);
    log(`  re-push: ${again.seconds.toFixed(1)} s, ${againUploads.requests} blob upload requests`);
    return {
      charts: size,
      execution: executionOf(workspace.dir),
      firstPush: {
        seconds: round(first.seconds),
        cpuSeconds: round(first.cpuSeconds),
        blobUploads: firstUploads.started,
        blobUploadRequests: firstUploads.requests,
        batched: first.batched,
        batches: first.batches,
      },
      helmPushLoop: {
        seconds: round(loop.seconds),
        cpuSeconds: round(loop.cpuSeconds),
        blobUploads: loopUploads.started,
        blobUploadRequests: loopUploads.requests,
      },
      rePush: {
        seconds: round(again.seconds),
        cpuSeconds: round(again.cpuSeconds),
        blobUploads: againUploads.started,
        blobUploadRequests: againUploads.requests,
        statuses,
        batched: again.batched,
        batches: again.batches,
      },
      ratios: {
        firstPushToHelmLoop: round(first.seconds / loop.seconds, 3),
        rePushToFirstPush: round(again.seconds / first.seconds, 3),
        rePushToHelmLoop: round(again.seconds / loop.seconds, 3),
      },
    };
  } finally {
    await nxRegistry.stop();
    await loopRegistry.stop();
  }
}

/**
 * The same projects declared by hand: one project.json per chart with the targets the plugin infers and the graph
 * edges as implicit dependencies, taken from the plugin workspace's `nx graph --file` output; nx.json without the
 * plugin.
 */
/**
 * The registry cache: what writing every entry adds to a cold run (the same cold run without the cache is the
 * baseline, alternating the two, the median of each), and what a fresh clone (another CI runner: no .nx) pays to get
 * every task from the registry compared with the same run from its own local cache afterwards.
 */
async function measureRemoteCache(bench, size) {
  const workspace = bench.workspace(size);
  const registry = await startRegistry(bench.temp, 'cache');
  const tasks = 2 * size;
  const args = ['run-many', '-t', 'lint-chart', 'package-chart'];
  const withCache = (name) => ({ NX_HELM_CACHE_REPOSITORY: `oci://${registry.host}/bench/${name}` });
  try {
    const plain = [];
    const writing = [];
    let stored = 0;
    const runPlain = async () => {
      clearNxCache(workspace.dir, ['.nx', 'dist']);
      plain.push((await nxTasks(workspace.dir, args, { expectTasks: tasks, expectCached: 0 })).seconds);
    };
    const runWriting = async (index) => {
      clearNxCache(workspace.dir, ['.nx', 'dist']);
      // A repository of its own per round: every entry is written, none is found.
      const run = await nxTasks(workspace.dir, args, { env: withCache(`round-${index}`), expectTasks: tasks, expectCached: 0 });
      const summary = /registry cache: 0 hits, \d+ misses, (\d+) stored/.exec(run.output);
      if (!summary) throw new Error(`no registry cache summary:\n${tail(run.output)}`);
      stored = Number(summary[1]);
      writing.push(run.seconds);
    };
    for (let index = 0; index < 2; index++) {
      // Alternating which goes first, so that neither gets the machine's quieter or busier moments every time.
      if (index % 2 === 0) {
        await runPlain();
        await runWriting(index);
      } else {
        await runWriting(index);
        await runPlain();
      }
      log(`  round ${index + 1}: cold ${plain.at(-1).toFixed(1)} s, cold writing the cache ${writing.at(-1).toFixed(1)} s`);
    }
    workspace.warm = workspace.packaged = true;

    const cloneDir = copyWorkspace(workspace.dir, `${workspace.dir}-runner-2`);
    const served = await nxTasks(cloneDir, args, { env: withCache('round-1'), expectTasks: tasks });
    const remoteHits = served.tasks.filter((task) => task.remote).length;
    const local = [];
    for (let index = 0; index < ROUNDS; index++) {
      local.push((await nxTasks(cloneDir, args, { expectTasks: tasks, expectCached: tasks })).seconds);
    }
    rmSync(cloneDir, { recursive: true, force: true });
    log(
      `  fresh clone from the registry: ${served.seconds.toFixed(2)} s (${remoteHits}/${tasks} remote hits); from its local cache ${median(local).toFixed(2)} s`,
    );
    return {
      charts: size,
      tasks,
      entriesStored: stored,
      coldWritingCache: { seconds: round(median(writing)), runs: writing.map((value) => round(value)) },
      baseline: {
        command: 'the same cold run-many without the registry cache',
        seconds: round(median(plain)),
        runs: plain.map((value) => round(value)),
      },
      freshClone: { seconds: round(served.seconds), remoteHits, remoteHitShare: round(remoteHits / tasks, 3) },
      localCache: { seconds: round(median(local)), runs: local.map((value) => round(value)) },
      ratios: {
        coldWriteToCold: round(median(writing) / median(plain), 3),
        remoteToLocal: round(served.seconds / median(local), 3),
        remoteHitShare: round(remoteHits / tasks, 3),
      },
    };
  } finally {
    await registry.stop();
  }
}

async function createProjectJsonWorkspace(source, target) {
  const graphFile = join(dirname(target), 'graph.json');
  const graphRun = await nx(source.dir, ['graph', `--file=${graphFile}`]);
  if (graphRun.code !== 0) throw new Error(`nx graph --file failed:\n${tail(graphRun.output)}`);
  const { nodes, dependencies } = JSON.parse(readFileSync(graphFile, 'utf8')).graph;
  copyWorkspace(source.dir, target);
  for (const [name, node] of Object.entries(nodes)) {
    const { root, ...configuration } = node.data;
    const implicitDependencies = (dependencies[name] ?? []).map((edge) => edge.target).filter((dependency) => nodes[dependency]);
    const project = { ...configuration, name, implicitDependencies };
    writeFileSync(join(target, root, 'project.json'), `${JSON.stringify(project, null, 2)}\n`);
  }
  const nxJson = JSON.parse(readFileSync(join(target, 'nx.json'), 'utf8'));
  delete nxJson.plugins;
  writeFileSync(join(target, 'nx.json'), `${JSON.stringify(nxJson, null, 2)}\n`);
  commitAll(target, 'hand-written project.json files instead of the plugin');
  return { dir: target, names: source.names, projects: Object.keys(nodes).length };
}

async function measureGraph(bench, size) {
  const workspace = bench.workspace(size);
  const handWritten = await createProjectJsonWorkspace(workspace, join(bench.temp, `project-json-${size}`));
  if (handWritten.projects !== size) throw new Error(`the plugin inferred ${handWritten.projects} projects instead of ${size}`);
  const withPlugin = [];
  const withProjectJson = [];
  for (let index = 0; index < ROUNDS; index++) {
    clearNxCache(workspace.dir, ['.nx/workspace-data', '.nx/cache']);
    withPlugin.push(await showProjects(workspace.dir, workspace.names));
    clearNxCache(handWritten.dir, ['.nx/workspace-data', '.nx/cache']);
    withProjectJson.push(await showProjects(handWritten.dir, handWritten.names));
    log(`  round ${index + 1}: plugin ${withPlugin.at(-1).toFixed(2)} s, project.json ${withProjectJson.at(-1).toFixed(2)} s`);
  }
  rmSync(handWritten.dir, { recursive: true, force: true });
  return {
    charts: size,
    rounds: ROUNDS,
    seconds: round(median(withPlugin)),
    runs: withPlugin.map((value) => round(value)),
    baseline: {
      command: 'nx show projects with project.json files',
      seconds: round(median(withProjectJson)),
      runs: withProjectJson.map((value) => round(value)),
    },
    ratio: round(median(withPlugin) / median(withProjectJson), 3),
  };
}

/** The plugin's createNodes and createDependencies called in-process on the graph workspace's Chart.yaml files. */
/**
 * The nx-helm command's start-up: the time from starting `nx-helm lint <application chart>` (as the inferred target
 * runs it, after Nx has built the graph) to its first helm call, read by a helm wrapper that notes when it starts.
 * Bare `node -e 0` is measured beside it, as the part no command can save.
 */
async function measureStartup(bench, size) {
  const workspace = bench.workspace(size);
  await showProjects(workspace.dir, workspace.names);
  const stamp = join(bench.temp, 'first-helm-call');
  const wrapper = join(bench.temp, 'helm-stamping');
  writeFileSync(wrapper, `#!/bin/sh\n[ -e '${stamp}' ] || date +%s%N > '${stamp}'\nexec '${HELM}' "$@"\n`, { mode: 0o755 });
  const chart = workspace.plan.charts.find((candidate) => candidate.kind === 'application');
  const cli = join(NODE_MODULES, 'nx-helm/dist/src/cli/main.js');
  const toFirstHelmCall = [];
  const bareNode = [];
  for (let index = 0; index < STARTUP_ROUNDS; index++) {
    rmSync(stamp, { force: true });
    const started = process.hrtime.bigint();
    const startedAt = BigInt(Date.now()) * 1_000_000n;
    await runChecked(process.execPath, [cli, 'lint', `charts/${chart.name}`], { cwd: workspace.dir, env: { HELM_BIN: wrapper } });
    toFirstHelmCall.push(Number(BigInt(readFileSync(stamp, 'utf8').trim()) - startedAt) / 1e6);
    const bare = process.hrtime.bigint();
    await runChecked(process.execPath, ['-e', '0']);
    bareNode.push(Number(process.hrtime.bigint() - bare) / 1e6);
    if (process.hrtime.bigint() - started > 60_000_000_000n) throw new Error('the start-up runs took over a minute');
  }
  return {
    charts: size,
    chart: chart.name,
    rounds: STARTUP_ROUNDS,
    medianMs: { toFirstHelmCall: round(median(toFirstHelmCall), 0), bareNode: round(median(bareNode), 0) },
    runsMs: toFirstHelmCall.map((ms) => round(ms, 0)),
  };
}

/** `helm lint` / `helm package` of a number of charts: one command per chart against one command for all of them. */
async function measureMultiChart(bench) {
  // Charts as `helm create` makes them: what most charts start from.
  const dir = join(bench.temp, 'multi-chart');
  mkdirSync(dir, { recursive: true });
  const dirs = Array.from({ length: MULTI_CHART_COUNT }, (_, index) => `chart-${index + 1}`);
  for (const chart of dirs) await runChecked(HELM, ['create', chart], { cwd: dir });
  const destination = join(dir, 'packages');
  const timedMs = async (commands) => {
    const started = process.hrtime.bigint();
    for (const args of commands) await runChecked(HELM, args, { cwd: dir });
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const rounds = { lintEach: [], lintOnce: [], packageEach: [], packageOnce: [] };
  for (let index = 0; index < 3; index++) {
    rounds.lintEach.push(await timedMs(dirs.map((dir) => ['lint', dir, '--strict'])));
    rounds.lintOnce.push(await timedMs([['lint', ...dirs, '--strict']]));
    rounds.packageEach.push(await timedMs(dirs.map((dir) => ['package', dir, '--destination', destination])));
    rounds.packageOnce.push(await timedMs([['package', ...dirs, '--destination', destination]]));
  }
  const medians = Object.fromEntries(Object.entries(rounds).map(([name, runs]) => [name, round(median(runs), 0)]));
  return {
    charts: dirs.length,
    medianMs: medians,
    ratios: { lint: round(medians.lintOnce / medians.lintEach, 3), package: round(medians.packageOnce / medians.packageEach, 3) },
  };
}

async function measureCreateNodes(bench, size) {
  const workspace = bench.workspace(size);
  // The plugin keeps its targets cache in Nx's workspace-data folder; loading Nx (through @nx/devkit) without these
  // would set up its shared cache folder in ~/.nx for the benchmark's own working directory.
  const dataDir = join(bench.temp, `create-nodes-data-${size}`);
  process.env.NX_WORKSPACE_DATA_DIRECTORY = dataDir;
  process.env.NX_CACHE_DIRECTORY = join(bench.temp, 'create-nodes-cache');
  const plugin = createRequire(import.meta.url)(join(NODE_MODULES, 'nx-helm/dist/index.js'));
  const createNodes = plugin.createNodesV2 ?? plugin.createNodes;
  if (!Array.isArray(createNodes) || typeof plugin.createDependencies !== 'function') {
    throw new Error('nx-helm/dist/index.js exports no createNodes/createDependencies');
  }
  const files = workspace.plan.charts.map((chart) => `charts/${chart.name}/Chart.yaml`);
  // The plugin options of the workspace's nx.json (with --execution, the targets inferred depend on them).
  const pluginOptions = pluginEntry(readNxJson(workspace.dir)).options ?? {};
  const context = { workspaceRoot: workspace.dir, nxJsonConfiguration: {} };
  const withoutCache = [];
  const withCache = [];
  let projects;
  for (let index = 0; index < NODES_ROUNDS; index++) {
    rmSync(dataDir, { recursive: true, force: true });
    withoutCache.push((await timed(() => createNodes[1](files, pluginOptions, context))).ms);
    const warm = await timed(() => createNodes[1](files, pluginOptions, context));
    withCache.push(warm.ms);
    projects = Object.fromEntries(
      warm.result.flatMap(([, result]) => Object.values(result.projects)).map((project) => [project.name, project]),
    );
  }
  const projectFileMap = Object.fromEntries(
    Object.values(projects).map((project) => [project.name, [{ file: `${project.root}/Chart.yaml`, hash: '' }]]),
  );
  const dependencyContext = {
    externalNodes: {},
    projects,
    nxJsonConfiguration: {},
    workspaceRoot: workspace.dir,
    fileMap: { projectFileMap, nonProjectFiles: [] },
    filesToProcess: { projectFileMap, nonProjectFiles: [] },
  };
  const edges = [];
  let edgeCount = 0;
  for (let index = 0; index < NODES_ROUNDS; index++) {
    const run = await timed(() => plugin.createDependencies(pluginOptions, dependencyContext));
    edges.push(run.ms);
    edgeCount = run.result.length;
  }
  return {
    charts: size,
    execution: executionOf(workspace.dir),
    projects: Object.keys(projects).length,
    edges: edgeCount,
    rounds: NODES_ROUNDS,
    medianMs: {
      createNodesWithoutCache: round(median(withoutCache), 1),
      createNodesWithCache: round(median(withCache), 1),
      createDependenciesAllFilesChanged: round(median(edges), 1),
    },
  };
}

/**
 * Cold render-chart of every chart vs cold lint-chart of every chart, taking turns to go first (ROUNDS rounds,
 * medians); both with --skip-nx-cache, so each run does all of its work.
 */
async function measureRender(bench, size) {
  const workspace = bench.workspace(size);
  const renderable = workspace.plan.charts.filter((chart) => chart.kind !== 'library').length;
  const runs = { render: [], lint: [] };
  const targets = { render: 'render-chart', lint: 'lint-chart' };
  for (let index = 0; index < ROUNDS; index++) {
    for (const kind of inTurn(index, ['render', 'lint'])) {
      const result = await nxTasks(workspace.dir, ['run-many', '-t', targets[kind], '--skip-nx-cache'], {
        expectTasks: kind === 'render' ? renderable : size,
        expectCached: 0,
      });
      runs[kind].push(result);
    }
    log(
      `  round ${index + 1}: render-chart ${runs.render.at(-1).seconds.toFixed(2)} s, lint-chart ${runs.lint.at(-1).seconds.toFixed(2)} s`,
    );
  }
  const render = medians(runs.render);
  const lint = medians(runs.lint);
  return {
    charts: size,
    renderedCharts: renderable,
    rounds: ROUNDS,
    execution: executionOf(workspace.dir),
    render: { command: 'nx run-many -t render-chart --skip-nx-cache', ...render, batches: runs.render.at(-1).batches },
    baseline: { command: 'nx run-many -t lint-chart --skip-nx-cache', ...lint, batches: runs.lint.at(-1).batches },
    ratio: round(render.seconds / lint.seconds, 3),
  };
}

/** The libraries to change so that about 80% of the charts are affected, and the renderable charts that affects. */
function librariesForShare(plan, share) {
  const dependents = (names) => {
    const affected = new Set(names);
    for (const chart of plan.charts) if (chart.dependencies.some((name) => affected.has(name))) affected.add(chart.name);
    return affected;
  };
  const libraries = plan.charts.filter((chart) => chart.kind === 'library').map((chart) => chart.name);
  for (let count = 1; count <= libraries.length; count++) {
    const affected = dependents(libraries.slice(0, count));
    const renderable = plan.charts.filter((chart) => chart.kind !== 'library' && affected.has(chart.name)).map((chart) => chart.name);
    if (renderable.length >= share * plan.size || count === libraries.length) return { libraries: libraries.slice(0, count), renderable };
  }
}

/**
 * `nx-helm diff` after a change to libraries that affects about 80% of the charts, the base renders already in Nx's
 * cache (rendered, untimed, before the change), vs rendering the affected charts twice without the cache (the base
 * and the head). Measured twice: with the head not rendered yet (diff renders it), and with the head's renders also in
 * the cache (as after a CI step that ran render-chart first).
 */
async function measureDiff(bench, size) {
  const workspace = bench.workspace(size);
  const { libraries, renderable } = librariesForShare(workspace.plan, 0.8);
  const projects = `--projects=${renderable.join(',')}`;
  const nxHelm = join(NODE_MODULES, 'nx-helm/dist/src/cli/main.js');
  // Nx 24's own cache sharing between checkouts (its default), which lets the diff render the base beside the head:
  // the benchmark's cache and workspace data folders are left to Nx here (a folder of it stays under ~/.nx).
  const env = { NX_CACHE_DIRECTORY: undefined, NX_WORKSPACE_DATA_DIRECTORY: undefined };
  log(`  (not timed) render-chart of the ${renderable.length} charts ${libraries.length} libraries affect, at the base`);
  await nxTasks(workspace.dir, ['run-many', '-t', 'render-chart', projects], { env, expectTasks: renderable.length });
  const baseline = [];
  const withHeadRendered = [];
  const withHeadCached = [];
  let last;
  for (let index = 0; index < ROUNDS; index++) {
    for (const library of libraries) {
      const helpers = join(workspace.dir, 'charts', library, 'templates/_helpers.tpl');
      // One label whose value changes each round (a second line of the same key would be invalid YAML).
      const label = `bench.example.com/round: "${Date.now()}-${index}"\n`;
      const text = readFileSync(helpers, 'utf8');
      writeFileSync(
        helpers,
        text.includes('bench.example.com/round:')
          ? text.replace(/bench\.example\.com\/round: .*\n/, label)
          : text.replace(/(\{\{- define "[^"]+\.labels" -\}\}\n)/, `$1${label}`),
      );
    }
    commitAll(workspace.dir, `change ${libraries.length} libraries (round ${index + 1})`);
    // The baseline: both sides rendered without the cache (the base is HEAD~1, the same charts at the head).
    git(workspace.dir, 'checkout', '-q', 'HEAD~1');
    const before = await nxTasks(workspace.dir, ['run-many', '-t', 'render-chart', projects, '--skip-nx-cache'], { env, expectCached: 0 });
    git(workspace.dir, 'checkout', '-q', '-');
    const after = await nxTasks(workspace.dir, ['run-many', '-t', 'render-chart', projects, '--skip-nx-cache'], { env, expectCached: 0 });
    baseline.push({ seconds: before.seconds + after.seconds, cpuSeconds: null });
    // The head's renders of the baseline run are in no cache (--skip-nx-cache writes none): diff renders them.
    const diff = await runChecked(process.execPath, [nxHelm, 'diff', '--base', 'HEAD~1'], { cwd: workspace.dir, env });
    withHeadRendered.push(diff);
    last = JSON.parse(readFileSync(join(workspace.dir, 'dist/diff/report.json'), 'utf8'));
    withHeadCached.push(await runChecked(process.execPath, [nxHelm, 'diff', '--base', 'HEAD~1'], { cwd: workspace.dir, env }));
    log(
      `  round ${index + 1}: render twice without cache ${baseline.at(-1).seconds.toFixed(2)} s, diff ${diff.seconds.toFixed(2)} s, ` +
        `diff with the head cached ${withHeadCached.at(-1).seconds.toFixed(2)} s`,
    );
  }
  const changed = last.charts.filter((chart) => chart.status === 'changed').length;
  const seconds = (runs) => round(median(runs.map((run) => run.seconds)));
  return {
    charts: size,
    changedLibraries: libraries.length,
    affectedCharts: renderable.length,
    rounds: ROUNDS,
    chartsChangedInReport: changed,
    rendersOfLastDiff: last.renders,
    diff: {
      command: 'nx-helm diff --base HEAD~1',
      seconds: seconds(withHeadRendered),
      runs: withHeadRendered.map((run) => round(run.seconds)),
    },
    diffHeadCached: { seconds: seconds(withHeadCached), runs: withHeadCached.map((run) => round(run.seconds)) },
    baseline: {
      command: `nx run-many -t render-chart --skip-nx-cache of the ${renderable.length} charts, at the base and at the head`,
      seconds: seconds(baseline),
      runs: baseline.map((run) => round(run.seconds)),
    },
    ratios: {
      diffToTwoRenders: round(seconds(withHeadRendered) / seconds(baseline), 3),
      diffHeadCachedToTwoRenders: round(seconds(withHeadCached) / seconds(baseline), 3),
    },
  };
}

async function timed(fn) {
  const started = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

// ---------------------------------------------------------------------------------------------------------------
// Goals and report

/**
 * The goals, each a limit on one ratio (lower is better) of one measurement. A goal's note is made of that
 * measurement's own numbers: given when the goal is missed, and always for the cold goals (how close nx-helm came to
 * the floor).
 */
function goalsFor(options) {
  const goals = [];
  for (const size of options.sizes) {
    const cold = `cold-${size}`;
    goals.push(
      {
        id: `${cold}-serial`,
        item: 'cold',
        measurement: cold,
        goal: `cold nx run-many (${size} charts) / serial helm bash loop <= 0.6`,
        limit: 0.6,
        // `ratio`: results files of the previous run.mjs, for --reevaluate.
        measured: (m) => m.ratios?.toSerialLoop ?? m.ratio,
        note: coldNote('serial'),
        noteAlways: true,
      },
      {
        id: `${cold}-parallel`,
        item: 'cold',
        measurement: cold,
        goal: `cold nx run-many (${size} charts) / parallel helm loop (xargs -P cores) <= 1.0`,
        limit: 1,
        measured: (m) => m.ratios?.toParallelLoop,
        note: coldNote('parallel'),
        noteAlways: true,
      },
      {
        id: `cached-${size}`,
        item: 'cached',
        measurement: `cached-${size}`,
        goal: `cached nx run-many (${size} charts) / nx show projects <= 1.5`,
        limit: 1.5,
        measured: (m) => m.ratio,
        note: cachedNote,
      },
      {
        id: `affected-${size}`,
        item: 'affected',
        measurement: `affected-${size}`,
        goal: `nx affected, one leaf changed (${size} charts): execution batch / command, same run <= 1.5, 2 tasks run`,
        limit: 1.5,
        measured: (m) => m.ratios?.batchToCommand,
        also: (m) => m.asExpected === true,
        facts: (m) => ({ tasksAsExpected: m?.asExpected ?? null }),
        note: affectedNote,
      },
    );
  }
  const first = options.sizes[0];
  const push = `push-${first}`;
  const remote = `remote-cache-${first}`;
  goals.push(
    {
      id: `${push}-first`,
      item: 'push',
      measurement: push,
      goal: `first nx push (${first} charts) / helm push loop <= 0.6`,
      limit: 0.6,
      measured: (m) => m.ratios.firstPushToHelmLoop,
      note: pushFirstNote,
    },
    {
      id: `${push}-again-loop`,
      item: 'push',
      measurement: push,
      goal: `re-push of ${first} unchanged charts / helm push loop <= 0.25, 0 blobs uploaded`,
      limit: 0.25,
      measured: (m) => m.ratios.rePushToHelmLoop,
      also: (m) => m.rePush.blobUploadRequests === 0,
      facts: (m) => ({ blobsUploadedOnRePush: m?.rePush?.blobUploadRequests ?? null }),
      note: pushAgainNote,
    },
    {
      id: `${remote}-hits`,
      item: 'remote-cache',
      measurement: remote,
      goal: `fresh clone with a warm registry cache (${first} charts): remote hits >= 95% of the tasks (as 1 - share <= 0.05)`,
      limit: 0.05,
      measured: (m) => round(1 - m.ratios.remoteHitShare, 3),
      note: (m) => `${m.freshClone.remoteHits} of ${m.tasks} tasks came from the registry (${m.entriesStored} entries stored).`,
    },
    {
      id: `${remote}-time`,
      item: 'remote-cache',
      measurement: remote,
      goal: `fresh clone served from the registry / the same run from the local cache <= 2`,
      limit: 2,
      measured: (m) => m.ratios.remoteToLocal,
      note: (m) =>
        `Measured: the fresh clone's run ${secondsText(m.freshClone.seconds)} with ${m.freshClone.remoteHits} of ${m.tasks} ` +
        `remote hits; the same run from its local cache ${secondsText(m.localCache.seconds)} (runs ${m.localCache.runs.join(', ')}).`,
    },
    {
      id: `${remote}-write`,
      item: 'remote-cache',
      measurement: remote,
      goal: `cold run-many writing the registry cache / the same cold run without it <= 1.1`,
      limit: 1.1,
      measured: (m) => m.ratios.coldWriteToCold,
      note: (m) =>
        `Measured: cold writing ${m.entriesStored} entries ${secondsText(m.coldWritingCache.seconds)} (runs ` +
        `${m.coldWritingCache.runs.join(', ')}), without the cache ${secondsText(m.baseline.seconds)} (runs ` +
        `${m.baseline.runs.join(', ')}): ${round(m.coldWritingCache.seconds - m.baseline.seconds)} s more, ` +
        `${round(((m.coldWritingCache.seconds - m.baseline.seconds) / m.entriesStored) * 1000, 1)} ms per entry. Nx stores ` +
        `the cache entries of a batch after the whole batch has run (its postRunSteps), so with batches the writes no ` +
        `longer overlap running tasks; the cache server answers each write at once and uploads behind it.`,
    },
    {
      id: `graph-${options.graphSize}`,
      item: 'graph',
      measurement: `graph-${options.graphSize}`,
      goal: `cold nx show projects (${options.graphSize} charts, daemon off), plugin / project.json <= 1.3`,
      limit: 1.3,
      measured: (m) => m.ratio,
      note: graphNote,
    },
    {
      id: `startup-${first}`,
      item: 'startup',
      measurement: `startup-${first}`,
      goal: 'nx-helm lint: start to first helm call <= 150 ms (absolute, as the issue sets it)',
      limit: 150,
      measured: (m) => m.medianMs.toFirstHelmCall,
      note: (m) =>
        `Measured: ${m.medianMs.toFirstHelmCall} ms to the first helm call (median of ${m.rounds}; runs ` +
        `${m.runsMs.join(', ')}), bare \`node -e 0\` ${m.medianMs.bareNode} ms in the same run: nx-helm's own start-up ` +
        `is ${m.medianMs.toFirstHelmCall - m.medianMs.bareNode} ms; the rest is node starting on this machine.`,
    },
  );
  goals.push(
    {
      id: `render-${first}`,
      item: 'render',
      measurement: `render-${first}`,
      goal: `cold nx run-many -t render-chart (${first} charts, validation included) / the same run's lint-chart <= 1.2`,
      limit: 1.2,
      measured: (m) => m.ratio,
      note: (m) =>
        `Measured: render-chart ${secondsText(m.render.seconds)} (runs ${m.render.runs.join(', ')}), lint-chart ` +
        `${secondsText(m.baseline.seconds)} (runs ${m.baseline.runs.join(', ')}). lint runs the default values of many ` +
        'charts (and values files of the same content) as one helm command; helm template takes one chart, so ' +
        'render-chart runs one helm process per chart and values set (3 per chart here), about 0.12 s each on this machine.',
    },
    {
      id: `diff-${first}`,
      item: 'diff',
      measurement: `diff-${first}`,
      goal: `nx-helm diff after a library change affecting ~80% of ${first} charts, base renders cached / rendering them twice without the cache <= 0.3`,
      limit: 0.3,
      measured: (m) => m.ratios.diffToTwoRenders,
      note: (m) =>
        `Measured: diff ${secondsText(m.diff.seconds)} (runs ${m.diff.runs.join(', ')}; last: ${m.rendersOfLastDiff.fromCache} renders ` +
        `from the cache, ${m.rendersOfLastDiff.rendered} rendered), rendering the ${m.affectedCharts} charts twice ` +
        `${secondsText(m.baseline.seconds)}. The head's renders are new work the diff must do (half of the baseline), so ` +
        `the ratio cannot fall below about 0.5 this way; with the head's renders also in the cache (after a render-chart ` +
        `step, as the generated workflow runs) the diff took ${secondsText(m.diffHeadCached.seconds)}: ratio ` +
        `${m.ratios.diffHeadCachedToTwoRenders}${m.ratios.diffHeadCachedToTwoRenders <= 0.3 ? ', within the limit' : ''}. That ` +
        `time is two Nx runs, one per checkout (each starts Nx with the plugins in its own process, builds its ` +
        `checkout's project graph without a daemon, hashes the ${m.affectedCharts} render tasks and restores their ` +
        `outputs), run side by side on Nx 24's shared cache, plus the worktree and the comparison.`,
    },
  );
  return goals.filter((goal) => options.only.includes(goal.item));
}

// Notes: each a function of the goal's measurement (and all measurements, and the goal), quoting measured numbers.

const secondsText = (value) => (value === null || value === undefined ? '? s' : `${value} s`);
const cpuText = (value) => (value === null || value === undefined ? 'CPU not measured' : `${value} CPU-s`);

/** What Nx printed about batches, for notes. */
function batchText(batched, batches) {
  if (batched === undefined) return '';
  if (!batched) return 'Nx printed no "Running N tasks with nx-helm:…" line.';
  const list = Object.entries(batches ?? {}).map(
    ([executor, entry]) => `${executor} ${entry.tasks} tasks in ${entry.batches} batch${entry.batches === 1 ? '' : 'es'}`,
  );
  return `Nx printed batches: ${list.join(', ')}.`;
}

const coldNote = (baseline) => (m, measurements, goal) => {
  const serial = m.baselines?.serialLoop ?? m.baseline;
  const parallel = m.baselines?.parallelLoop;
  const compared = baseline === 'serial' ? serial : parallel;
  const parts = [
    `Measured (execution: ${m.execution ?? 'not recorded'}): nx-helm ${secondsText(m.seconds)}, ${cpuText(m.cpuSeconds)}; serial ` +
      `loop ${secondsText(serial?.seconds)}, ${cpuText(serial?.cpuSeconds)}` +
      (parallel ? `; parallel loop (xargs -P ${m.cores}) ${secondsText(parallel.seconds)}, ${cpuText(parallel.cpuSeconds)}.` : '.'),
  ];
  if (m.cpuSeconds && serial?.cpuSeconds) {
    parts.push(`nx-helm used ${round(m.cpuSeconds / serial.cpuSeconds)}x the serial loop's CPU.`);
  }
  if (m.floorSeconds) {
    parts.push(
      `Floor (serial loop CPU / ${m.cores} cores) ${secondsText(m.floorSeconds)}: nx-helm took ${round(m.seconds / m.floorSeconds)}x ` +
        `the floor, ${round(Math.abs(m.seconds - m.floorSeconds), 1)} s ${m.seconds < m.floorSeconds ? 'below' : 'above'} it.`,
    );
    if (compared?.seconds) {
      const limitSeconds = round(goal.limit * compared.seconds, 1);
      parts.push(
        `The limit (${goal.limit} x the ${baseline} loop) is ${limitSeconds} s here, ` +
          `${limitSeconds < m.floorSeconds ? 'below' : 'above'} the floor` +
          (limitSeconds < m.floorSeconds ? ' (reachable only with less CPU than the loop uses).' : '.'),
      );
    }
  }
  parts.push(batchText(m.batched, m.batches));
  return parts.filter(Boolean).join(' ');
};

function cachedNote(m) {
  const tasks = 2 * m.charts;
  const extra = m.seconds - m.baseline.seconds;
  return (
    `Measured: ${tasks} cached tasks ${secondsText(m.seconds)} (runs ${m.runs.join(', ')}), nx show projects ` +
    `${secondsText(m.baseline.seconds)} (runs ${m.baseline.runs.join(', ')}): ${round(extra)} s more, ` +
    `${round((extra / tasks) * 1000, 1)} ms per cached task: Nx's own work per cached task (hashing its inputs, ` +
    `looking the hash up, restoring its outputs), which grows with the number of tasks; the plugin adds one helm ` +
    `version command per run and no process per task.`
  );
}

function affectedNote(m) {
  if (!m.modes) return 'This measurement has no batch/command comparison (results of an older run.mjs).';
  const mode = (name) => {
    const run = m.modes[name];
    return (
      `${name} ${secondsText(run.seconds)} (runs ${run.runs.join(', ')}; ${cpuText(run.cpuSeconds)}; tasks run ` +
      `${run.tasksRun.join(', ')}; batch lines from Nx: ${run.batched ? 'yes' : 'no'})`
    );
  };
  return (
    `Measured on the same workspace, in turns: ${EXECUTION_MODES.map(mode).join('; ')}. ` +
    `Expected 2 tasks run (${m.changed}'s lint-chart and package-chart): ${m.asExpected ? 'yes' : 'NO'}.`
  );
}

function pushFirstNote(m) {
  const { firstPush: first, helmPushLoop: loop } = m;
  return [
    `Measured (execution: ${m.execution ?? 'not recorded'}): first push ${secondsText(first.seconds)}, ${cpuText(first.cpuSeconds)}, ` +
      `${first.blobUploads} blob uploads; helm push loop ${secondsText(loop.seconds)}, ${cpuText(loop.cpuSeconds)}, ` +
      `${loop.blobUploads} blob uploads.`,
    batchText(first.batched, first.batches),
  ]
    .filter(Boolean)
    .join(' ');
}

function pushAgainNote(m) {
  const { rePush: again, helmPushLoop: loop, firstPush: first } = m;
  return [
    `Measured (execution: ${m.execution ?? 'not recorded'}): re-push ${secondsText(again.seconds)}, ${cpuText(again.cpuSeconds)}, ` +
      `${again.blobUploadRequests} blob upload requests, push.json ${JSON.stringify(again.statuses)}; helm push loop ` +
      `${secondsText(loop.seconds)}, ${cpuText(loop.cpuSeconds)}; first push ${secondsText(first.seconds)}.`,
    batchText(again.batched, again.batches),
  ]
    .filter(Boolean)
    .join(' ');
}

function graphNote(m, measurements) {
  const nodes = measurements[`nodes-${m.charts}`];
  const inProcess =
    nodes?.medianMs && !nodes.error
      ? ` In-process (nodes-${m.charts}): createNodes ${nodes.medianMs.createNodesWithoutCache} ms ` +
        `(${nodes.medianMs.createNodesWithCache} ms with its cache), createDependencies ` +
        `${nodes.medianMs.createDependenciesAllFilesChanged} ms.`
      : '';
  return (
    `Measured: plugin ${secondsText(m.seconds)} (runs ${m.runs.join(', ')}), project.json files ` +
    `${secondsText(m.baseline.seconds)} (runs ${m.baseline.runs.join(', ')}).${inProcess} The rest is Nx's: it ` +
    `runs the plugin in a worker process and copies each chart's inferred configuration from it, while project.json ` +
    `files are read by Nx's native code alone.`
  );
}

/** A note from a goal's function; a results file of an older run.mjs may lack a field, which leaves it empty. */
function noteFor(goal, measurement, measurements) {
  try {
    return goal.note(measurement, measurements, goal);
  } catch {
    return '';
  }
}

/** `met` needs a number within the limit (and the extra condition, when there is one). */
function evaluateGoals(options, measurements) {
  return goalsFor(options).map((goal) => {
    const measurement = measurements[goal.measurement];
    const usable = measurement !== undefined && !measurement.error;
    const value = usable ? (goal.measured(measurement) ?? undefined) : undefined;
    const extra = goal.also && usable ? goal.also(measurement) : true;
    const met = typeof value === 'number' && value <= goal.limit && extra === true;
    const missing = measurement === undefined ? 'not measured' : 'no such ratio in this measurement (an older run.mjs?)';
    return {
      id: goal.id,
      goal: goal.goal,
      'measured ratio': value ?? null,
      met,
      ...(value > goal.limit ? { missedBy: `${Math.round((value / goal.limit - 1) * 100)}% over the limit` } : {}),
      ...(goal.facts ? goal.facts(usable ? measurement : undefined) : {}),
      ...(value === undefined ? { error: measurement?.error ?? missing } : {}),
      ...(usable && (!met || goal.noteAlways) ? { note: noteFor(goal, measurement, measurements) } : {}),
    };
  });
}

function printTable(goals, measurements) {
  const rows = goals.map((goal) => [
    goal.goal,
    goal['measured ratio'] === null ? 'failed' : String(goal['measured ratio']),
    goal.met ? 'yes' : 'NO',
  ]);
  for (const [id, measurement] of Object.entries(measurements)) {
    if (measurement.error) continue;
    if (id.startsWith('cold-') && measurement.baselines) {
      const { serialLoop, parallelLoop } = measurement.baselines;
      rows.push([
        `cold (${measurement.charts} charts): nx-helm ${secondsText(measurement.seconds)}, serial loop ${secondsText(serialLoop.seconds)}, ` +
          `parallel loop ${secondsText(parallelLoop.seconds)}, floor ${secondsText(measurement.floorSeconds)}; / floor`,
        String(measurement.ratios.toFloor ?? '-'),
        '-',
      ]);
    }
    if (id.startsWith('affected-') && measurement.modes) {
      const { batch, command } = measurement.modes;
      const tasks = measurement.asExpected ? '2 tasks run' : `tasks run: batch ${batch.tasksRun}, command ${command.tasksRun}`;
      rows.push([
        `affected one leaf (${measurement.charts} charts): batch ${secondsText(batch.seconds)}, command ${secondsText(command.seconds)}, ` +
          `${tasks}; batch / cold`,
        String(measurement.ratios.batchToCold ?? '-'),
        '-',
      ]);
    }
    if (id.startsWith('nodes-')) {
      const { createNodesWithoutCache, createNodesWithCache, createDependenciesAllFilesChanged } = measurement.medianMs;
      const text = `createNodes ${createNodesWithoutCache} ms (${createNodesWithCache} ms cached), createDependencies ${createDependenciesAllFilesChanged} ms`;
      rows.push([`${text} (${measurement.charts} charts, in-process)`, '-', '-']);
    }
    if (id.startsWith('multi-chart-')) {
      const { lintEach, lintOnce, packageEach, packageOnce } = measurement.medianMs;
      rows.push([
        `helm lint of ${measurement.charts} charts: one command ${lintOnce} ms / one per chart ${lintEach} ms`,
        String(measurement.ratios.lint),
        '-',
      ]);
      rows.push([
        `helm package of ${measurement.charts} charts: one command ${packageOnce} ms / one per chart ${packageEach} ms`,
        String(measurement.ratios.package),
        '-',
      ]);
    }
  }
  const header = ['goal', 'ratio', 'met'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ');
  console.log(`\n${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n${rows.map(line).join('\n')}`);
}

function versionOf(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', env: ENV });
  return result.status === 0 ? `${result.stdout}${result.stderr}`.trim().split('\n')[0] : `unavailable (${command})`;
}

function machineFacts() {
  const packageVersion = (path) => JSON.parse(readFileSync(join(REPO, path), 'utf8')).version;
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    os: `${osType()} ${release()}`,
    node: process.version,
    helm: versionOf(HELM, ['version', '--short']),
    helmPath: relative(REPO, HELM).startsWith('..') ? HELM : relative(REPO, HELM),
    nx: packageVersion('node_modules/nx/package.json'),
    nxHelm: packageVersion('packages/nx-helm/package.json'),
    repositoryCommit: versionOf('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']),
    packagesChangedSinceCommit: versionOf('git', ['-C', REPO, 'status', '--porcelain', 'packages']) !== '',
    registry: versionOf(REGISTRY_BIN, ['--version']),
    nxParallel: 'nx default (3)',
    nxCacheDirectory: '<workspace>/.nx/cache (NX_CACHE_DIRECTORY)',
  };
}

function checkPrerequisites(options) {
  const problems = [];
  if (!existsSync(HELM)) problems.push(`no helm at ${HELM}: run bash tools/setup.sh or set HELM_BIN`);
  if (options.only.includes('push') && spawnSync(REGISTRY_BIN, ['--version']).status !== 0)
    problems.push(`no ${REGISTRY_BIN}: apt-get install docker-registry or set REGISTRY_BIN`);
  if (problems.length > 0) fail(problems.join('\n'));
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const options = parseArguments(process.argv.slice(2));
  if (options.reevaluate) {
    // Refreshes the goals (limits, notes) of an existing results file from its measurements.
    const report = JSON.parse(readFileSync(options.out, 'utf8'));
    report.goals = evaluateGoals(
      { ...report.options, only: report.options.only.filter((item) => ITEMS.includes(item)) },
      report.measurements,
    );
    writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
    printTable(report.goals, report.measurements);
    return;
  }
  checkPrerequisites(options);
  const temp = mkdtempSync(join(tmpdir(), 'nx-helm-bench-'));
  ENV = benchEnvironment(join(temp, 'helm-home'));
  OUTPUT_DIR = mkdtempSync(join(temp, 'output-'));
  let cleanedUp = false;
  const cleanUp = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    stopRunning();
    await Promise.all([...registries].map((registry) => registry.stop()));
    rmSync(temp, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      cleanUp().finally(() => process.exit(130));
    });
  }

  const report = {
    date: new Date().toISOString(),
    machine: machineFacts(),
    options: {
      only: options.only,
      sizes: options.sizes,
      graphSize: options.graphSize,
      pushSize: options.sizes[0],
      rounds: ROUNDS,
      coldRounds: options.coldRounds,
      // The plugin option written into every generated workspace's nx.json (the affected item sets both itself).
      execution: options.execution ?? EXECUTION_DEFAULT,
    },
    goals: [],
    measurements: {},
  };
  const save = () => {
    report.goals = evaluateGoals(options, report.measurements);
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  };
  const bench = new Bench(temp, options, report, save);
  log(`workspaces in ${temp}; helm ${report.machine.helm}; nx ${report.machine.nx}; ${report.machine.nproc} cores`);
  try {
    report.machine.nxHelmBuild = await snapshotPlugin(temp);
    log(`nx-helm build ${report.machine.nxHelmBuild.digest} (built ${report.machine.nxHelmBuild.builtAt}), copied for this run`);
    // First, while nothing else has run: a start-up of a tenth of a second is the measurement most upset by load.
    if (options.only.includes('startup')) await bench.item(`startup-${options.sizes[0]}`, () => measureStartup(bench, options.sizes[0]));
    for (const size of options.sizes) {
      if (options.only.includes('cold')) await bench.item(`cold-${size}`, () => measureCold(bench, size));
      if (options.only.includes('cached')) await bench.item(`cached-${size}`, () => measureCached(bench, size));
      if (options.only.includes('affected')) await bench.item(`affected-${size}`, () => measureAffected(bench, size));
    }
    if (options.only.includes('push')) await bench.item(`push-${options.sizes[0]}`, () => measurePush(bench, options.sizes[0]));
    if (options.only.includes('remote-cache')) {
      await bench.item(`remote-cache-${options.sizes[0]}`, () => measureRemoteCache(bench, options.sizes[0]));
    }
    if (options.only.includes('graph')) await bench.item(`graph-${options.graphSize}`, () => measureGraph(bench, options.graphSize));
    if (options.only.includes('multi-chart')) {
      await bench.item(`multi-chart-${options.sizes[0]}`, () => measureMultiChart(bench));
    }
    if (options.only.includes('nodes')) await bench.item(`nodes-${options.graphSize}`, () => measureCreateNodes(bench, options.graphSize));
    if (options.only.includes('render')) await bench.item(`render-${options.sizes[0]}`, () => measureRender(bench, options.sizes[0]));
    if (options.only.includes('diff')) await bench.item(`diff-${options.sizes[0]}`, () => measureDiff(bench, options.sizes[0]));
  } finally {
    await cleanUp();
  }
  save();
  printTable(report.goals, report.measurements);
  console.log(`\nresults: ${relative(process.cwd(), options.out) || options.out}`);
  const failed = Object.values(report.measurements).some((measurement) => measurement.error);
  process.exitCode = failed ? 1 : 0;
}

await main();
