import { generateFiles, type GeneratorCallback, type Tree } from '@nx/devkit';
import { join } from 'node:path';
import { chartGenerator } from '../chart/generator';
import { initGenerator } from '../init/generator';
import { workflowGenerator } from '../workflow/generator';
import type { PresetGeneratorSchema } from './schema';

/**
 * `npx create-nx-workspace <name> --preset=nx-helm` (or `nx g nx-helm:preset`): a chart monorepo ready for
 * `nx affected -t push-chart`: the plugin, charts/common (library) and charts/app (depends on it), CI, README.
 */
export async function presetGenerator(tree: Tree, options: PresetGeneratorSchema = {}): Promise<GeneratorCallback> {
  const install = await initGenerator(tree, {
    registry: options.registry,
    skipInstall: options.skipInstall,
    release: options.release ?? true,
  });
  await chartGenerator(tree, {
    name: 'common',
    type: 'library',
    description: 'Shared templates (names, labels) for the charts of this workspace.',
  });
  await chartGenerator(tree, {
    name: 'app',
    type: 'application',
    dependsOn: ['common'],
    description: 'An example application chart built on common.',
  });
  const provider = ciProvider(options);
  if (provider !== 'none') {
    const ci = provider;
    // Charts released by nx release are published by the release workflow (GitHub only); else the main branch publishes.
    await workflowGenerator(tree, { ci, ...(ci === 'github' && (options.release ?? true) ? { trigger: 'release' } : {}) });
  }
  if (!tree.exists('README.md') || options.name) {
    generateFiles(tree, join(__dirname, 'files'), '.', {
      name: options.name ?? 'charts',
      registry: options.registry ?? 'the registry of your CI workflow',
      tmpl: '',
    });
  }
  return install;
}

/**
 * The workflow to write: `ciProvider`, else the CI create-nx-workspace forwards as `ci` (its --ci, an alias of --nxCloud)
 * when it is one the workflow generator writes, else GitHub Actions. create-nx-workspace's other answers (skip, never,
 * azure, circleci, …) concern Nx Cloud or CI systems without a generator here.
 */
export function ciProvider(options: Pick<PresetGeneratorSchema, 'ciProvider' | 'ci'>): 'github' | 'gitlab' | 'none' {
  if (options.ciProvider) return options.ciProvider;
  return options.ci === 'gitlab' || options.ci === 'github' ? options.ci : 'github';
}

export default presetGenerator;
