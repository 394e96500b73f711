import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PushRecord } from '../registry/chart-publisher';
import packageExecutor from '../executors/package/executor';
import pushExecutor from '../executors/push/executor';
import type { PushExecutorSchema } from '../executors/push/schema';
import verifyExecutor from '../executors/verify/executor';
import type { VerifyExecutorSchema } from '../executors/verify/schema';
import { executorContextFor } from './executor-context';

export const EXAMPLE_CHART_NAMES = ['common', 'web', 'worker', 'platform'];

export async function packageCharts(workspaceRoot: string, helmPath: string, charts = EXAMPLE_CHART_NAMES): Promise<void> {
  for (const chart of charts) {
    const result = await packageExecutor(
      { helmPath, outputPath: `dist/charts/${chart}` },
      executorContextFor(workspaceRoot, chart, `charts/${chart}`),
    );
    if (!result.success) throw new Error(`packaging ${chart} failed`);
  }
}

export function pushChart(workspaceRoot: string, chart: string, options: PushExecutorSchema): Promise<{ success: boolean }> {
  return pushExecutor(
    { packageOutputPath: `dist/charts/${chart}`, ...options },
    executorContextFor(workspaceRoot, chart, `charts/${chart}`),
  );
}

export function verifyChart(workspaceRoot: string, chart: string, options: VerifyExecutorSchema): Promise<{ success: boolean }> {
  return verifyExecutor(
    { packageOutputPath: `dist/charts/${chart}`, ...options },
    executorContextFor(workspaceRoot, chart, `charts/${chart}`),
  );
}

export function readPushRecord(workspaceRoot: string, chart: string): PushRecord {
  return JSON.parse(readFileSync(join(workspaceRoot, `dist/charts/${chart}/push.json`), 'utf8')) as PushRecord;
}
