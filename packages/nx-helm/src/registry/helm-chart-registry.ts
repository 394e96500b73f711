import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HelmRunner } from '../helm/helm-runner';
import { NxHelmError } from '../utils/nx-helm-error';
import type { ChartRegistry, PublishedChart, PulledChart } from './chart-registry';
import { helmChartArtifact } from './helm-chart-artifact';
import { CHART_LAYER_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE, OciClient } from './oci/oci-client';
import { reportedDigest, runRegistryCommand } from './registry-command';
import { configuredCredentials, type RegistryHostOptions } from './registry-options';
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
 * A registry host as nx-helm uses it. Versions are looked up and charts pushed over the OCI distribution API by
 * nx-helm's own client: a push uploads exactly the artifact `helm push` would (helmChartArtifact), so digests are the
 * same as helm's, and every request is retried on its own, which helm's push does not do for a dropped connection.
 * Pulls go through helm, as users pull; helm logs in (into a temporary config) only on the first pull.
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
    // The client reads the credentials itself; this fails early, and clearly, when their variables are not set.
    configuredCredentials(this.host, this.connection, this.settings.env ?? process.env);
    const provenancePath = `${archivePath}.prov`;
    const artifact = await helmChartArtifact(readFileSync(archivePath), {
      // helm takes the archive's modification time as the manifest's `created`.
      created: statSync(archivePath).mtime,
      provenance: existsSync(provenancePath) ? readFileSync(provenancePath) : undefined,
      origin: archivePath,
    });
    const { name, version } = artifact.metadata;
    if (!reference.reference.endsWith(`/${name}:${version.replace(/\+/g, '_')}`)) {
      throw new NxHelmError(
        `${archivePath} holds the chart ${name} ${version}, not the one to push to ${reference.reference}. Package the chart again.`,
        { reference: reference.reference, file: archivePath },
      );
    }
    const repository = repositoryPath(reference);
    for (const blob of artifact.blobs) {
      await this.client.uploadBlob(repository, blob);
    }
    const digest = await this.client.putManifest(repository, reference.tag, artifact.manifest, OCI_MANIFEST_MEDIA_TYPE);
    this.log(`Pushed ${reference.reference} (${digest}).`);
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
