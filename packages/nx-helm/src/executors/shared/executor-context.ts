import { logger, type ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { NxHelmError } from '../../utils/nx-helm-error';

export interface ExecutorProject {
  name: string;
  /** Project root relative to the workspace root. */
  root: string;
  /** Absolute project root. */
  dir: string;
}

export function projectOf(context: ExecutorContext): ExecutorProject {
  const name = context.projectName;
  const config = name ? context.projectsConfigurations?.projects[name] : undefined;
  if (!name || !config) {
    throw new Error('This executor must run as a target of an Nx project (no project in the executor context).');
  }
  return { name, root: config.root, dir: join(context.root, config.root) };
}

/**
 * Reports an error the way users should see it: our own errors already say what failed, where and what to do,
 * so they are printed as they are; anything unexpected keeps its stack for a bug report.
 */
export function reportFailure(target: string, project: string, error: unknown): { success: false } {
  const detail =
    error instanceof NxHelmError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  logger.error(`${target} failed for ${project}:\n${detail}`);
  return { success: false };
}
