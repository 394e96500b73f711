import { parseCtConfig } from './ct-config';
import { resolveLintSettings } from './lint-settings';

describe('lint settings', () => {
  const ct = parseCtConfig('helm-lint-extra-args: --kube-version 1.31.0\n', 'ct.yaml');

  it("keeps nx-helm's stricter defaults without a ct.yaml", () => {
    expect(resolveLintSettings({}, undefined, undefined)).toEqual({ strict: true, defaultValues: 'always', extraArgs: [] });
  });

  it('lints as ct does with a ct.yaml: no --strict, ci values instead of the defaults, its extra arguments', () => {
    expect(resolveLintSettings({}, undefined, ct)).toEqual({
      strict: false,
      defaultValues: 'when-no-ci-values',
      extraArgs: ['--kube-version', '1.31.0'],
    });
    const strictCt = parseCtConfig('helm-lint-extra-args: --strict\n', 'ct.yaml');
    expect(resolveLintSettings({}, undefined, strictCt)).toEqual({ strict: true, defaultValues: 'when-no-ci-values', extraArgs: [] });
  });

  it('lets the plugin option override ct.yaml, and flags override both', () => {
    const plugin = { strict: true, defaultValues: 'always' as const, extraArgs: ['--quiet'] };
    expect(resolveLintSettings({}, plugin, ct)).toEqual({ strict: true, defaultValues: 'always', extraArgs: ['--quiet'] });
    expect(resolveLintSettings({ strict: false, defaultValues: 'when-no-ci-values', extraArgs: [] }, plugin, ct)).toEqual({
      strict: false,
      defaultValues: 'when-no-ci-values',
      extraArgs: [],
    });
  });
});
