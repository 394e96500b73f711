import { chmodSync } from 'node:fs';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { NxHelmError } from '../utils/nx-helm-error';
import { findHelm } from './find-helm';

describe('findHelm', () => {
  let workspace: TempWorkspace;
  let fromOption: string;
  let fromEnv: string;
  let onPath: string;

  beforeEach(() => {
    workspace = createTempWorkspace();
    const fake = (path: string) => {
      const file = workspace.write(path, '#!/bin/sh\necho fake\n');
      chmodSync(file, 0o755);
      return file;
    };
    fromOption = fake('option/helm');
    fromEnv = fake('env/helm');
    onPath = fake('bin/helm');
  });
  afterEach(() => workspace.dispose());

  const PATH = () => `/nonexistent:${workspace.root}/bin`;

  it('prefers the helmPath option, then HELM_BIN, then PATH', () => {
    expect(findHelm({ helmPath: fromOption, env: { HELM_BIN: fromEnv, PATH: PATH() } })).toEqual({
      path: fromOption,
      source: 'helmPath option',
    });
    expect(findHelm({ env: { HELM_BIN: fromEnv, PATH: PATH() } })).toEqual({ path: fromEnv, source: 'HELM_BIN' });
    expect(findHelm({ env: { PATH: PATH() } })).toEqual({ path: onPath, source: 'PATH' });
  });

  it('resolves a relative helmPath against the workspace root', () => {
    expect(findHelm({ helmPath: 'option/helm', cwd: workspace.root, env: {} }).path).toBe(fromOption);
  });

  it('fails, naming the origin, when a configured path is not an executable', () => {
    chmodSync(fromEnv, 0o644);
    expect(() => findHelm({ env: { HELM_BIN: fromEnv, PATH: PATH() } })).toThrow(
      new NxHelmError(
        `helm was not found at ${fromEnv} (from the HELM_BIN environment variable): no executable file there. ` +
          'Install Helm 3.8+ or 4.x (https://helm.sh/docs/intro/install/; in CI e.g. the azure/setup-helm action), then put it on PATH, set HELM_BIN to its path, or set the `helmPath` option of the nx-helm plugin.',
      ),
    );
    expect(() => findHelm({ helmPath: `${workspace.root}/missing`, env: {} })).toThrow(/from the helmPath option/);
  });

  it('explains how to install helm when none is found', () => {
    expect(() => findHelm({ env: { PATH: '/nonexistent' } })).toThrow(
      /^helm was not found: no helmPath option, no HELM_BIN, and no helm on PATH\. Install Helm/,
    );
  });
});
