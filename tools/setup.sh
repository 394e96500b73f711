#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine with Node.js (>= 20.19) for the demo and the tests:
# npm dependencies, the built plugin, and the pinned Helm 4 and Helm 3 binaries (into the git-ignored .tools/ folder).
# Idempotent; prints nothing but progress on stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# `npm install --no-save` installs the versions pinned in package-lock.json like `npm ci`, but tolerates
# platform-specific optional packages (e.g. other operating systems' nx binaries) that a registry mirror lacks.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm install --no-save --no-audit --no-fund >&2
fi

echo "setup: building the nx-helm plugin" >&2
npm run build --silent >&2
# Links the package's `nx-helm` command into node_modules/.bin now that its file exists.
npm rebuild nx-helm >/dev/null 2>&1

echo "setup: helm 4 at $(bash tools/install-helm.sh 4)" >&2
echo "setup: helm 3 at $(bash tools/install-helm.sh 3)" >&2
