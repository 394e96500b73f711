import { normalizePluginOptions } from './plugin-options';
import { checkRenderOptions, resolveRenderSettings } from './render-settings';

const WHERE = 'The nx-helm plugin option "render" in nx.json';

describe('render settings', () => {
  it('takes the command options first, then the plugin option, then the defaults', () => {
    expect(resolveRenderSettings({}, undefined, '1.33.0')).toEqual({
      releaseName: undefined,
      namespace: 'default',
      kubeVersion: '1.33.0',
      apiVersions: [],
      validate: true,
      strict: true,
      unknownKinds: 'skip',
    });
    expect(resolveRenderSettings({ namespace: 'cli' }, { namespace: 'apps', kubeVersion: 'v1.31', strict: false }, '1.33.0')).toMatchObject(
      {
        namespace: 'cli',
        kubeVersion: '1.31',
        strict: false,
      },
    );
  });

  it.each([
    [{ kubeVersion: 'latest' }, '"kubeVersion" must be a Kubernetes 1.x version'],
    [{ kubeVersion: '2.0' }, '"kubeVersion" must be a Kubernetes 1.x version'],
    [{ releaseName: 'a'.repeat(54) }, 'at most 53 characters'],
    [{ namespace: 'Apps' }, '"namespace" must be a lower-case DNS label'],
    [{ releaseName: 'a b' }, '"releaseName" must be a lower-case DNS label'],
    [{ apiVersions: 'monitoring.coreos.com/v1' }, '"apiVersions" must be a list of API versions'],
    [{ apiVersions: ['$(id)'] }, '"apiVersions" must be a list of API versions'],
    [{ validate: 'yes' }, '"validate" must be true or false'],
    [{ unknownKinds: 'warn' }, '"unknownKinds" must be "skip" or "fail"'],
  ])('refuses %j', (render, message) => {
    expect(() => checkRenderOptions(render as never, WHERE)).toThrow(message);
  });

  it('names a misspelt key with the closest known one', () => {
    expect(() => checkRenderOptions({ kubeVersoin: '1.31' } as never, WHERE)).toThrow('Did you mean "kubeVersion"?');
  });

  it('is checked with the other plugin options, and names its target', () => {
    expect(() => normalizePluginOptions({ render: { strict: 'no' } as never })).toThrow(
      `${WHERE} is wrong: "strict" must be true or false.`,
    );
    expect(normalizePluginOptions({}).renderTargetName).toBe('render-chart');
    expect(() => normalizePluginOptions({ renderTargetName: 'lint-chart' })).toThrow('must differ');
  });
});
