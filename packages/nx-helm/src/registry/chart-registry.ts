import type { ChartReference } from './registry-reference';

/** A chart version as the registry has it. */
export interface PublishedChart {
  /** Manifest digest (`sha256:…`): what to sign, pin and pull by. */
  digest: string;
  /** Digest of the chart layer: the sha256 of the .tgz that was pushed. */
  chartDigest: string;
}

export interface PulledChart {
  archivePath: string;
  /** The provenance file, when asked for and published. */
  provenancePath?: string;
  /** The manifest digest the pull reported. */
  digest?: string;
}

/**
 * What publishing and verification need from an OCI registry, and nothing more, so that they can be tested against a
 * fake as well as a real registry.
 */
export interface ChartRegistry {
  /** The chart published at the reference's tag, or undefined when the tag does not exist. */
  find(reference: ChartReference): Promise<PublishedChart | undefined>;
  /** Pushes the archive (and `<archive>.prov` when it exists) to the reference; returns the manifest digest. */
  push(archivePath: string, reference: ChartReference): Promise<string>;
  /** Pulls `oci://…/<chart>@<digest>` into `destination`, with its provenance file when `provenance` is set. */
  pull(pinnedReference: string, destination: string, options?: { provenance?: boolean }): Promise<PulledChart>;
  /** Logs out and removes any temporary credentials; never throws. */
  close(): Promise<void>;
}
