import { quietLogger } from '../testing/memory-logger';
import { checkCommandOptions, type ChartCommandOptions } from './chart-command';

describe('checkCommandOptions: a target’s options are checked as nx.json’s are', () => {
  const base: ChartCommandOptions = { workspaceRoot: '/w', chartRoot: 'charts/web', projectName: 'web', log: quietLogger };
  const token = `ghp_${'a1B2c3D4e5'.repeat(4)}`;

  it('refuses a token where a variable name belongs, naming the project and the field, never showing the token', () => {
    const check = () => checkCommandOptions({ ...base, registries: { 'ghcr.io': { usernameEnv: 'USER', passwordEnv: token } } });
    expect(check).toThrow(/the options of web/);
    expect(check).toThrow(/passwordEnv/);
    let message = '';
    try {
      check();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain(token);
  });

  it('refuses credentials in a registry URL and options of the wrong kind, shown redacted', () => {
    expect(() => checkCommandOptions({ ...base, registry: 'oci://me:secret-pass@ghcr.io/acme' } as never)).toThrow(
      /oci:\/\/\*\*\*@ghcr\.io/,
    );
    expect(() => checkCommandOptions({ ...base, registry: 'oci://me:secret-pass@ghcr.io/acme' } as never)).not.toThrow(/secret-pass/);
    expect(() => checkCommandOptions({ ...base, registries: [] as never })).toThrow(/the options of web/);
    expect(() => checkCommandOptions({ ...base, sign: 'yes' as never })).toThrow(/the options of web/);
  });

  it('accepts what nx.json accepts', () => {
    expect(() =>
      checkCommandOptions({
        ...base,
        helmPath: 'tools/helm',
        registries: { 'ghcr.io': { usernameEnv: 'GHCR_USER', passwordEnv: 'GHCR_TOKEN' } },
        publishRepositories: ['oci://ghcr.io/acme/charts'],
      }),
    ).not.toThrow();
  });
});
