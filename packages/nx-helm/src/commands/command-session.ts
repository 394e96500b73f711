import { AsyncLocalStorage } from 'node:async_hooks';
import { readCtConfig, type CtConfig } from '../config/ct-config';
import { HelmRunner } from '../helm/helm-runner';
import type { ChartRegistry } from '../registry/chart-registry';
import type { SourceChecks } from '../staging/source-checks';
import type { Logger } from '../utils/logger';
import { memo } from '../utils/memo';

/**
 * What the commands of one run share when many charts are handled in one process (a batch): helm found and its
 * version asked once, ct.yaml read once, each workspace chart archived once for all its dependents, each dependency's
 * registry asked once, and one registry connection per registry host. A command run on its own has no session and
 * does all of it itself.
 */
export class CommandSession {
  private readonly helms = new Map<string, Promise<HelmRunner>>();
  private readonly ctConfigs = new Map<string, CtConfig | undefined>();
  private readonly registries = new Map<string, Promise<ChartRegistry>>();
  /** Archives of workspace charts built into their dependents, by the chart's source folder. */
  readonly subchartArchives = new Map<string, Promise<Buffer>>();
  /** The lookups of OCI dependencies before their download, by registry and what was asked (see checkOciSources). */
  readonly sourceChecks: SourceChecks = new Map();
  private readonly currentLog = new AsyncLocalStorage<Logger>();
  /** Where what the shared parts report goes: to the log of the chart whose work asked for it (see withLog). */
  readonly log: Logger = {
    info: (message) => this.currentLog.getStore()?.info(message),
    warn: (message) => this.currentLog.getStore()?.warn(message),
    error: (message) => this.currentLog.getStore()?.error(message),
  };

  /** Runs one chart's work: what the shared parts report meanwhile goes to `log`. */
  withLog<T>(log: Logger, work: () => Promise<T>): Promise<T> {
    return this.currentLog.run(log, work);
  }

  helm(settings: Parameters<typeof HelmRunner.create>[0] & { hiddenVariables: string[] }): Promise<HelmRunner> {
    const key = JSON.stringify([settings.helmPath, settings.cwd, [...settings.hiddenVariables].sort()]);
    // A failed lookup (no helm) is reported to every chart that asks, and asked again by none.
    return memo(this.helms, key, () => HelmRunner.create(settings));
  }

  ctConfig(workspaceRoot: string, option: string | false | undefined): CtConfig | undefined {
    return memo(this.ctConfigs, JSON.stringify([workspaceRoot, option]), () => readCtConfig(workspaceRoot, option));
  }

  /**
   * The registry for `key` (host and connection settings), opened once; its `close` is a no-op for the charts that
   * share it, and `close()` of the session closes it.
   */
  async registry(key: string, open: () => Promise<ChartRegistry>): Promise<ChartRegistry> {
    const shared = await memo(this.registries, key, open);
    return {
      find: (reference) => shared.find(reference),
      push: (archivePath, reference) => shared.push(archivePath, reference),
      pull: (reference, destination, options) => shared.pull(reference, destination, options),
      close: async () => undefined,
    };
  }

  /** Closes the shared registries (logging out, removing their temporary configs). */
  async close(): Promise<void> {
    const registries = [...this.registries.values()];
    this.registries.clear();
    await Promise.all(registries.map(async (registry) => (await registry.catch(() => undefined))?.close()));
  }
}
