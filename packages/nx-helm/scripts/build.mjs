// Builds the plugin: compiles TypeScript to dist/ and copies the JSON schemas and generator templates
// that the compiled code and executors.json/generators.json point at.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(packageRoot, 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(packageRoot, 'tsconfig.lib.json')], { stdio: 'inherit' });

function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry === 'files') {
        cpSync(path, join(dist, relative(packageRoot, path)), { recursive: true });
      } else {
        copyAssets(path);
      }
    } else if (entry.endsWith('.json')) {
      cpSync(path, join(dist, relative(packageRoot, path)));
    }
  }
}
copyAssets(join(packageRoot, 'src'));

// The `nx-helm` command (package.json "bin").
chmodSync(join(dist, 'src/cli/main.js'), 0o755);
