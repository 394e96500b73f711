import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeHelmFailure, type HelmRunner } from '../helm/helm-runner';
import { NxHelmError } from '../utils/nx-helm-error';
import type { ChartRegistry, PublishedChart, PulledChart } from './chart-registry';
import { CHART_LAYER_MEDIA_TYPE, OciClient } from './oci/oci-client';
import { reportedDigest, runRegistryCommand } from './registry-command';
import type { RegistryHostOptions } from './registry-options';
import { repositoryPath, type ChartReference } from './registry-reference';
import { RegistrySession, type RegistrySessionOptions } from './registry-session';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';

export interface HelmChartRegistryOptions extends RegistrySessionOptions {
  retry?: RetryPolicy;
  log?: (line: string) => void;
  /** Bounded time of one registry HTTP request. */
  requestTimeoutMs?: number;
}

/**
 * A registry host as nx-helm uses it: versions are looked up over the OCI distribution API (one HTTP request, no helm
 * process), while pushes and pulls go through helm, which writes Helm's own manifest. helm logs in (into a temporary
 * config) only on the first push or pull, so a run that finds every chart already published starts no helm at all.
 */
export class HelmChartRegistry implements ChartRegistry {
  private session: Promise<RegistrySession> | undefined;
  private readonly client: OciClient;
  private readonly retry: RetryPolicy;
  private readonly log: (line: string) => void;

  constructor(
    private readonly helm: HelmRunner,
    readonly host: string,
    private readonly connection: RegistryHostOptions,
    private readonly settings: HelmChartRegistryOptions = {},
  ) {
    this.retry = settings.retry ?? DEFAULT_RETRY_POLICY;
    this.log = settings.log ?? (() => undefined);
    this.client = new OciClient({
      host,
      connection,
      env: settings.env,
      retry: this.retry,
      log: this.log,
      timeoutMs: settings.requestTimeoutMs,
    });
  }

  async find(reference: ChartReference): Promise<PublishedChart | undefined> {
    const found = await this.client.getManifest(repositoryPath(reference), reference.tag);
    if (!found) return undefined;
    const layer = found.manifest.layers?.find((candidate) => candidate.mediaType === CHART_LAYER_MEDIA_TYPE);
    if (!layer) {
      throw new NxHelmError(
        `${reference.reference} exists, but it is not a Helm chart (its manifest has no ${CHART_LAYER_MEDIA_TYPE} layer). ` +
          'Another artifact uses this name and tag: publish the chart under another registry path.',
        { reference: reference.reference, digest: found.digest },
      );
    }
    return { digest: found.digest, chartDigest: layer.digest };
  }

  async push(archivePath: string, reference: ChartReference): Promise<string> {
    const result = await runRegistryCommand(await this.openSession(), {
      command: 'push',
      args: ['push', archivePath, reference.registry.url],
      what: `pushing ${reference.reference}`,
      retry: this.retry,
      log: this.log,
    });
    const digest = reportedDigest(result);
    if (!digest) {
      throw new NxHelmError(
        `helm push reported success for ${reference.reference} but printed no digest:\n${describeHelmFailure(result)}`,
        {
          reference: reference.reference,
        },
      );
    }
    return digest;
  }

  async pull(pinnedReference: string, destination: string, options: { provenance?: boolean } = {}): Promise<PulledChart> {
    const result = await runRegistryCommand(await this.openSession(), {
      command: 'pull',
      args: ['pull', pinnedReference, '--destination', destination, ...(options.provenance ? ['--prov'] : [])],
      what: `pulling ${pinnedReference}`,
      retry: this.retry,
      log: this.log,
    });
    const archive = readdirSync(destination).find((file) => file.endsWith('.tgz'));
    if (!archive) {
      throw new NxHelmError(`helm pull ${pinnedReference} left no chart archive behind.`, { reference: pinnedReference });
    }
    const provenancePath = join(destination, `${archive}.prov`);
    return {
      archivePath: join(destination, archive),
      provenancePath: existsSync(provenancePath) ? provenancePath : undefined,
      digest: reportedDigest(result),
    };
  }

  /** The helm session, for helm commands beyond push and pull (e.g. `helm verify`). */
  get helmRunner(): HelmRunner {
    return this.helm;
  }

  async close(): Promise<void> {
    if (this.session) {
      await (await this.session.catch(() => undefined))?.close();
    }
  }

  private openSession(): Promise<RegistrySession> {
    this.session ??= RegistrySession.open(this.helm, this.host, this.connection, { ...this.settings, retry: this.retry, log: this.log });
    return this.session;
  }
}

/** The repository path under the host: `oci://host/acme/charts/web:1.0.0` -> `acme/charts/web`. */
