import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '../src/testing/example-charts';

const PACKAGE = join(REPOSITORY_ROOT, 'packages/nx-helm');

/** What `npm publish` would upload: the npm page shows its README, and its LICENSE travels with it. */
describe('the published package', () => {
  const files = (
    JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: PACKAGE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as Array<{
      files: Array<{ path: string }>;
    }>
  )[0].files.map((file) => file.path);

  it('holds a README and a LICENSE next to the code, executors and generators, and no tests', () => {
    expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'executors.json', 'generators.json']));
    expect(files).toContain('dist/src/cli/main.js');
    expect(files.filter((file) => /\.spec\./.test(file))).toEqual([]);
  });

  it('has a README that says what it is, how to install it and the first commands', () => {
    const readme = readFileSync(join(PACKAGE, 'README.md'), 'utf8');
    expect(readme).toMatch(/^# nx-helm\n/);
    for (const text of ['npx nx add nx-helm', '--preset=nx-helm', 'npx nx run-many -t lint-chart package-chart', 'push-chart']) {
      expect(readme).toContain(text);
    }
    expect(readFileSync(join(PACKAGE, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });
});
