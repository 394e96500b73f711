import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { captureLogger } from './capture-logger';
import { createTempWorkspace, type TempWorkspace } from './temp-workspace';

export const REPOSITORY_ROOT = join(__dirname, '../../../..');

/** Copies this repository's example charts into `workspace/charts`. */
export function copyExampleCharts(workspace: TempWorkspace): void {
  cpSync(join(REPOSITORY_ROOT, 'charts'), join(workspace.root, 'charts'), { recursive: true });
}

/**
 * Registers jest hooks that give each test a fresh temporary workspace holding the example charts and capture what
 * the executors log. Read the current values through the returned object.
 */
export function useExampleChartsWorkspace(): { readonly workspace: TempWorkspace; output(): string } {
  let workspace: TempWorkspace;
  let log: ReturnType<typeof captureLogger>;
  beforeEach(() => {
    workspace = createTempWorkspace();
    copyExampleCharts(workspace);
    log = captureLogger();
  });
  afterEach(() => {
    log.restore();
    workspace.dispose();
  });
  return {
    get workspace() {
      return workspace;
    },
    output: () => log.output(),
  };
}
