import { chmodSync } from 'node:fs';
import { mainHelm, helm3 } from '../testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../testing/temp-workspace';
import { NxHelmError } from '../utils/nx-helm-error';
import { describeHelmFailure, HelmRunner, REGISTRY_COMMAND_TIMEOUT_SETTING } from './helm-runner';
import type { ProcessResult } from '../utils/process';
import { isSupportedHelmVersion, parseHelmVersion } from './helm-version';

describe('parseHelmVersion / isSupportedHelmVersion', () => {
  it('reads template and --short output', () => {
    expect(parseHelmVersion('v4.1.4')).toBe('4.1.4');
    expect(parseHelmVersion('v3.17.3+ge4da497')).toBe('3.17.3');
    expect(parseHelmVersion('garbage')).toBeUndefined();
  });

  it('requires Helm 3.8 or newer', () => {
    expect(isSupportedHelmVersion('3.7.2')).toBe(false);
    expect(isSupportedHelmVersion('3.8.0')).toBe(true);
    expect(isSupportedHelmVersion('4.1.4')).toBe(true);
  });
});

describe('HelmRunner', () => {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = createTempWorkspace()));
  afterEach(() => workspace.dispose());

  const fakeHelm = (script: string) => {
    const file = workspace.write('helm', `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  it('runs the real helm 4 and reports its version', async () => {
    const helm = await HelmRunner.create({ helmPath: mainHelm() });
    expect(helm.majorVersion).toBe(4);
    const result = await helm.run(['version', '--short']);
    expect(result.failed).toBe(false);
    expect(result.stdout).toMatch(new RegExp(`^v${helm.version.replace(/\./g, '\\.')}`));
  });

  it('runs the real helm 3', async () => {
    const helm = await HelmRunner.create({ helmPath: helm3() });
    expect(helm.majorVersion).toBe(3);
    expect(helm.version).toMatch(/^3\.(8|9|\d\d)\./);
  });

  it('passes arguments without a shell and input on stdin', async () => {
    const echo = fakeHelm('case "$1" in version) echo v4.0.0 ;; *) printf "%s|" "$@"; cat ;; esac');
    const helm = await HelmRunner.create({ helmPath: echo });
    const result = await helm.run(['a b', '$HOME', '`id`'], { input: 'from-stdin' });
    expect(result.stdout).toBe('a b|$HOME|`id`|from-stdin');
  });

  it('refuses a helm older than 3.8 with a message that says what to do', async () => {
    const old = fakeHelm('echo v3.7.2');
    await expect(HelmRunner.create({ helmPath: old })).rejects.toThrow(
      new NxHelmError(
        `Helm 3.7.2 at ${old} (found through helmPath option) is too old: nx-helm needs Helm 3.8.0 or newer (OCI registry support). ` +
          'Install a newer Helm (https://helm.sh/docs/intro/install/) and put it on PATH or set HELM_BIN.',
      ),
    );
  });

  it('reports a binary that is not helm', async () => {
    const broken = fakeHelm('echo "segmentation fault" >&2; exit 3');
    await expect(HelmRunner.create({ helmPath: broken })).rejects.toThrow(NxHelmError);
    await expect(HelmRunner.create({ helmPath: broken })).rejects.toThrow(/did not report a Helm version: segmentation fault/);
  });
});

describe('describeHelmFailure', () => {
  const timedOut = { args: ['push', 'web.tgz'], exitCode: undefined, failed: true, timedOut: true, stdout: '', stderr: '' };

  it('says a command that ran out of time was stopped, and which setting gives it more', () => {
    expect(describeHelmFailure(timedOut as unknown as ProcessResult)).toBe(
      '`helm push web.tgz` did not finish in time and was stopped (a registry or chart repository that does not answer?); ' +
        'if it needs longer, set NX_HELM_COMMAND_TIMEOUT to more seconds',
    );
    expect(describeHelmFailure(timedOut as unknown as ProcessResult, REGISTRY_COMMAND_TIMEOUT_SETTING)).toContain(
      'set the commandTimeoutMs option (--command-timeout-ms) to more milliseconds',
    );
  });
});
