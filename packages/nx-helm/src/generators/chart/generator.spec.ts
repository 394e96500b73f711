import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mainHelm, helm3 } from '../../testing/helm-binaries';
import { createTempWorkspace, type TempWorkspace } from '../../testing/temp-workspace';
import { writeTreeToDisk } from '../../testing/tree-on-disk';
import { chartGenerator } from './generator';

describe('chart generator', () => {
  let tree: Tree;
  beforeEach(() => (tree = createTreeWithEmptyWorkspace()));

  const files = (root: string) =>
    tree
      .listChanges()
      .map((change) => change.path)
      .filter((path) => path.startsWith(`${root}/`))
      .sort();

  it('writes an application chart with schema, ci values, README and .helmignore', async () => {
    await chartGenerator(tree, { name: 'payments' });
    expect(files('charts/payments')).toEqual([
      'charts/payments/.helmignore',
      'charts/payments/Chart.yaml',
      'charts/payments/README.md',
      'charts/payments/ci/default-values.yaml',
      'charts/payments/templates/NOTES.txt',
      'charts/payments/templates/_helpers.tpl',
      'charts/payments/templates/deployment.yaml',
      'charts/payments/templates/service.yaml',
      'charts/payments/values.schema.json',
      'charts/payments/values.yaml',
    ]);
    expect(parse(tree.read('charts/payments/Chart.yaml', 'utf-8')!)).toEqual({
      apiVersion: 'v2',
      name: 'payments',
      description: 'A Helm chart for payments.',
      type: 'application',
      version: '0.1.0',
      appVersion: '1.0.0',
    });
    expect(tree.read('charts/payments/templates/_helpers.tpl', 'utf-8')).toContain('define "payments.fullname"');
  });

  it('writes a library chart in another directory', async () => {
    await chartGenerator(tree, { name: 'base', type: 'library', directory: 'libs/helm' });
    expect(files('libs/helm/base')).toEqual([
      'libs/helm/base/.helmignore',
      'libs/helm/base/Chart.yaml',
      'libs/helm/base/README.md',
      'libs/helm/base/ci/default-values.yaml',
      'libs/helm/base/templates/_helpers.tpl',
      'libs/helm/base/values.yaml',
    ]);
    expect(parse(tree.read('libs/helm/base/Chart.yaml', 'utf-8')!)).toMatchObject({ type: 'library', version: '0.1.0' });
  });

  it('adds file:// dependencies on workspace charts, pinned to their versions', async () => {
    await chartGenerator(tree, { name: 'base', type: 'library', directory: 'libs' });
    tree.write('libs/base/Chart.yaml', tree.read('libs/base/Chart.yaml', 'utf-8')!.replace('version: 0.1.0', 'version: 1.2.0'));
    await chartGenerator(tree, { name: 'api', dependsOn: ['base'] });
    expect(parse(tree.read('charts/api/Chart.yaml', 'utf-8')!).dependencies).toEqual([
      { name: 'base', version: '^1.2.0', repository: 'file://../../libs/base' },
    ]);
  });

  it('rejects bad names, unknown dependencies, bad types and existing folders with clear errors', async () => {
    await expect(chartGenerator(tree, { name: 'My_Chart' })).rejects.toThrow(
      '"My_Chart" is not a valid chart name: use lower case letters, digits and dashes',
    );
    await expect(chartGenerator(tree, { name: 'api', dependsOn: ['nope'] })).rejects.toThrow(
      '--dependsOn names "nope", which is not a chart of this workspace. There are no charts yet: create the dependency first.',
    );
    await chartGenerator(tree, { name: 'api' });
    await expect(chartGenerator(tree, { name: 'web', dependsOn: ['nope'] })).rejects.toThrow('Charts: api.');
    await expect(chartGenerator(tree, { name: 'web', type: 'service' as never })).rejects.toThrow(
      '--type must be application or library, not "service".',
    );
    await expect(chartGenerator(tree, { name: 'api' })).rejects.toThrow('charts/api already exists and is not empty.');
  });

  describe('as generated, with real helm', () => {
    let workspace: TempWorkspace;
    beforeEach(() => (workspace = createTempWorkspace()));
    afterEach(() => workspace.dispose());

    it('passes helm lint --strict (Helm 4 and 3) and renders, with a dependency on a generated library', async () => {
      await chartGenerator(tree, { name: 'base', type: 'library' });
      await chartGenerator(tree, { name: 'api', dependsOn: ['base'] });
      writeTreeToDisk(tree, workspace.root);
      const api = join(workspace.root, 'charts/api');
      execFileSync(mainHelm(), ['dependency', 'build', api], { stdio: 'pipe' });
      for (const helm of [mainHelm(), helm3()]) {
        for (const chart of [api, join(workspace.root, 'charts/base')]) {
          const output = execFileSync(helm, ['lint', '--strict', chart, '--values', join(chart, 'ci/default-values.yaml')], {
            encoding: 'utf8',
          });
          expect(output).toContain('1 chart(s) linted, 0 chart(s) failed');
        }
      }
      const rendered = execFileSync(mainHelm(), ['template', 'demo', api], { encoding: 'utf8' });
      expect(rendered).toContain('kind: Deployment');
      expect(rendered).toContain('image: "nginx:1.0.0"');
      // The schema is enforced: a value of the wrong type is rejected.
      expect(() => execFileSync(mainHelm(), ['template', 'demo', api, '--set', 'replicaCount=many'], { stdio: 'pipe' })).toThrow(
        /replicaCount/,
      );
    });
  });
});
