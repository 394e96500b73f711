import type { CtConfig } from './ct-config';

/** Which runs of `helm lint` use the chart's default values. */
export type DefaultValuesMode = 'always' | 'when-no-ci-values';
export const DEFAULT_VALUES_MODES: readonly DefaultValuesMode[] = ['always', 'when-no-ci-values'];

/** The `lint` plugin option: how lint-chart runs helm lint. */
export interface LintPluginOptions {
  /** `helm lint --strict` (warnings fail). Default true; false with a ct.yaml, as ct does. */
  strict?: boolean;
  /**
   * `always`: lint with the default values and once per ci/*-values.yaml (default). `when-no-ci-values`: with the
   * ci values files instead of the defaults, and with the defaults only when there are none (ct's rule; default with
   * a ct.yaml).
   */
  defaultValues?: DefaultValuesMode;
  /** More `helm lint` arguments, e.g. ["--kube-version", "1.31.0"]. Default: ct.yaml's helm-lint-extra-args. */
  extraArgs?: string[];
}

export interface LintSettings {
  strict: boolean;
  defaultValues: DefaultValuesMode;
  extraArgs: string[];
}

/**
 * How helm lint runs for a chart: flags of the command first, then the plugin's `lint` option, then ct.yaml (as ct
 * lints: no --strict unless its helm-lint-extra-args say so, ci values instead of the defaults), then nx-helm's
 * stricter defaults.
 */
export function resolveLintSettings(
  given: LintPluginOptions,
  pluginOptions: LintPluginOptions | undefined,
  ct: CtConfig | undefined,
): LintSettings {
  const extraArgs = given.extraArgs ?? pluginOptions?.extraArgs ?? ct?.helmLintExtraArgs ?? [];
  return {
    strict: given.strict ?? pluginOptions?.strict ?? (ct ? extraArgs.includes('--strict') : true),
    defaultValues: given.defaultValues ?? pluginOptions?.defaultValues ?? (ct ? 'when-no-ci-values' : 'always'),
    // --strict is the strict setting's business: never passed twice, nor against strict: false.
    extraArgs: extraArgs.filter((arg) => arg !== '--strict'),
  };
}
