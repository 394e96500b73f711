import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HelmRunner } from '../helm/helm-runner';
import type { TempWorkspace } from './temp-workspace';

/**
 * Real helm (`binary`) behind a wrapper in the workspace that logs each process started through it; `processes()`
 * counts those started since the runner was made.
 */
export async function countingHelm(workspace: TempWorkspace, binary: string): Promise<{ helm: HelmRunner; processes: () => number }> {
  const log = join(workspace.root, 'calls.log');
  const wrapper = workspace.write('helm', `#!/bin/sh\necho "$*" >> '${log}'\nexec '${binary}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const helm = await HelmRunner.create({ helmPath: wrapper });
  workspace.write('calls.log', '');
  return { helm, processes: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
}
