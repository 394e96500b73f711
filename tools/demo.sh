#!/usr/bin/env bash
# The demo: the nx-helm plugin lints and packages every example chart in charts/ with the real helm,
# then runs the same command again to show that Nx serves it from its cache.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash tools/setup.sh
npm run build --silent
export HELM_BIN="${HELM_BIN:-$root/.tools/helm/v4.1.4/helm}"
export NX_DAEMON=false NX_NO_CLOUD=true

echo
echo "== Charts found by the nx-helm plugin"
npx nx show projects --with-target package-chart

echo
echo "== nx run-many -t lint-chart package-chart"
npx nx run-many -t lint-chart package-chart --output-style=static

echo
echo "== The same again: every task comes from the Nx cache"
npx nx run-many -t lint-chart package-chart

echo
echo "== Packaged charts"
find dist/charts -name '*.tgz' | sort
