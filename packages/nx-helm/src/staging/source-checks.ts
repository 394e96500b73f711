import type { ChartDependency } from '../chart/chart-model';
import { describeDependencies } from '../chart/describe-dependencies';
import { COMMAND_TIMEOUT_VARIABLE } from '../helm/helm-runner';
import { formatSeconds } from '../registry/http-transport';
import { OciClient, RegistryRequestError } from '../registry/oci/oci-client';
import type { RegistryHostOptions } from '../registry/registry-options';
import { chartReference, parseRegistryLocation, repositoryPath, type RegistryLocation } from '../registry/registry-reference';
import { memo } from '../utils/memo';
import { NxHelmError } from '../utils/nx-helm-error';

/** How long a registry or chart repository may take to start answering, or pause in an answer: as for pushes. */
const ANSWER_TIMEOUT_MS = 10_000;
/** One whole lookup request (a manifest, a page of tags): generous, since the answer timeout catches a silent host. */
const LOOKUP_TIMEOUT_MS = 60_000;

/** How long nx-helm waits for the hosts a chart's dependencies come from, before `helm dependency build` runs. */
export interface SourceBounds {
  /** Time for a host to start answering a request, and that an answer may pause; a host is asked twice at most. */
  answerMs: number;
  /** Time for one whole lookup request. */
  lookupMs: number;
  /** NX_HELM_COMMAND_TIMEOUT: no request waits longer than a helm command may. */
  commandMs: number;
}

/** The bounds of the pushes' client, shortened when NX_HELM_COMMAND_TIMEOUT is shorter: two answers must fit in it. */
export function sourceBounds(commandTimeoutMs: number): SourceBounds {
  return {
    answerMs: Math.min(ANSWER_TIMEOUT_MS, commandTimeoutMs / 2),
    lookupMs: Math.min(LOOKUP_TIMEOUT_MS, commandTimeoutMs),
    commandMs: commandTimeoutMs,
  };
}

/** The fix for a host that does not answer: `check` says where its address is written. */
export function unansweredFix(check: string, host: string, bounds: SourceBounds): string {
  const wait =
    bounds.answerMs < ANSWER_TIMEOUT_MS
      ? `${formatSeconds(bounds.answerMs)} (half of ${COMMAND_TIMEOUT_VARIABLE}; raise it for a host that is only slow)`
      : formatSeconds(bounds.answerMs);
  return (
    `${check}, and that ${host} is up and can be reached from here (proxy, firewall); then try again. nx-helm gives up on ` +
    `a host that does not answer within ${wait}, asked twice, rather than let \`helm dependency build\` wait for ` +
    `${COMMAND_TIMEOUT_VARIABLE} (${formatSeconds(bounds.commandMs)}).`
  );
}

/** An OCI dependency to check, with the connection settings of its registry host. */
export interface OciSource {
  dependency: ChartDependency;
  chartFile: string;
  host: string;
  connection: RegistryHostOptions;
}

/** Lookups already made in this run, by registry, connection and what was asked: the request that timed out, if any. */
export type SourceChecks = Map<string, Promise<RegistryRequestError | undefined>>;

/**
 * Asks the registry of every OCI dependency, with nx-helm's own client and its bounds, what `helm dependency build`
 * asks first: the manifest of an exact version, else the repository's tags. helm has no timeout of its own, so a
 * registry that takes the connection and never answers (or stops in the middle of an answer) would keep it waiting
 * for NX_HELM_COMMAND_TIMEOUT; here it fails the chart within twice the answer timeout, naming the dependency, the
 * host, what was asked and the fix. Every other outcome (found, missing, refused, unauthorized) is left to helm, which
 * reports it as before. Credentials are those the registry client uses for pushes: the variables named in the
 * `registries` option, else the user's saved logins, only once the registry asks for them. `checks` shares the
 * lookups between the charts of one run (a batch), so that a silent registry keeps them waiting once.
 */
export async function checkOciSources(
  sources: OciSource[],
  settings: { env: NodeJS.ProcessEnv; bounds: SourceBounds; checks?: SourceChecks },
): Promise<void> {
  if (sources.length === 0) return;
  const checks: SourceChecks = settings.checks ?? new Map();
  const clients = new Map<string, OciClient>();
  const outcomes = await Promise.all(
    sources.map(async (source) => {
      const lookup = lookupOf(source.dependency);
      if (!lookup) return undefined;
      const connectionKey = JSON.stringify([source.host, source.connection]);
      const key = JSON.stringify([connectionKey, lookup]);
      const timedOut = await memo(checks, key, () =>
        ask(() => {
          const client = memo(clients, connectionKey, () => newClient(source, settings));
          return lookup.tag ? client.getManifest(lookup.repository, lookup.tag) : client.listTags(lookup.repository);
        }),
      );
      return timedOut && { source, error: timedOut };
    }),
  );
  const failures = outcomes.filter((outcome) => outcome !== undefined);
  if (failures.length === 0) return;
  const { host } = failures[0].source;
  const silent = failures.filter((failure) => failure.source.host === host);
  const dependencies = silent.map((failure) => failure.source.dependency);
  const locations = [...new Set(silent.map(({ source }) => locationOf(source)))];
  const repositories = [...new Set(dependencies.map((dependency) => dependency.repository))];
  const summary = failures[0].error.facts.summary ?? failures[0].error.message.split('\n')[0];
  const first = silent[0].source;
  throw new NxHelmError(
    `The registry ${host} of ${dependencies.length > 1 ? 'dependencies' : 'dependency'} ${describeDependencies(dependencies)} ` +
      `(${locations.join(', ')}) could not be read: it does not answer.\n${summary.replace(/\.$/, '')} (asked twice).\n` +
      `Fix: ${unansweredFix(`check the repository ${repositories.join(', ')} in ${locations.join(', ')} (host and port)`, host, settings.bounds)}`,
    { file: first.dependency.file ?? first.chartFile, line: first.dependency.line, cause: failures[0].error },
  );
}

/** Where helm looks first for the dependency: the tag of an exact version, else the repository's tag list. */
function lookupOf(dependency: ChartDependency): { repository: string; tag?: string } | undefined {
  if (!dependency.name) return undefined;
  let location: RegistryLocation;
  try {
    location = parseRegistryLocation(dependency.repository ?? '', `the dependency "${dependency.name}"`);
  } catch {
    return undefined; // a repository helm cannot use either: reported where the chart is read
  }
  const version = (dependency.version ?? '').trim().replace(/^=\s*/, '');
  const reference = chartReference(location, dependency.name, version);
  const exact = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version);
  return { repository: repositoryPath(reference), tag: exact ? reference.tag : undefined };
}

function newClient(source: OciSource, settings: { env: NodeJS.ProcessEnv; bounds: SourceBounds }): OciClient {
  const { answerMs, lookupMs } = settings.bounds;
  return new OciClient({
    host: source.host,
    connection: source.connection,
    env: settings.env,
    timeoutMs: lookupMs,
    answerTimeoutMs: answerMs,
    stallTimeoutMs: answerMs,
    // Only a request that ran out of time is asked again (see ask): anything else is helm's to report.
    retry: { retries: 0, initialDelayMs: 0, maxDelayMs: 0 },
  });
}

/**
 * Runs a lookup, once more if it ran out of time; the request that ran out of time twice, else undefined. Other
 * failures (a name the client refuses, missing credential variables, HTTP errors) are helm's to report, in its words.
 */
async function ask(lookup: () => Promise<unknown>): Promise<RegistryRequestError | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await lookup();
      return undefined;
    } catch (error) {
      if (!(error instanceof NxHelmError)) throw error;
      if (!(error instanceof RegistryRequestError) || !error.facts.timedOut) return undefined;
      if (attempt >= 2) return error;
    }
  }
}

function locationOf(source: OciSource): string {
  return `${source.dependency.file ?? source.chartFile}${source.dependency.line ? `:${source.dependency.line}` : ''}`;
}
