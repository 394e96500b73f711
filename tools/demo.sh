#!/usr/bin/env bash
# The demo: the main job end to end against a local OCI registry. The nx-helm plugin lints, packages and pushes
# every example chart in charts/ with the real helm, pulls one back by digest to verify it, shows that a re-run is
# served from the Nx cache and skips every already-published chart, then stops the registry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash tools/setup.sh
export HELM_BIN="${HELM_BIN:-$root/.tools/helm/v4.1.4/helm}"
export NX_DAEMON=false NX_NO_CLOUD=true
rm -rf dist/charts

source tools/local-registry.sh
export NX_HELM_REGISTRY="oci://$LOCAL_REGISTRY/charts"
echo "== Local registry at $LOCAL_REGISTRY; charts go to $NX_HELM_REGISTRY"

echo
echo "== Charts found by the nx-helm plugin"
npx nx show projects --with-target push-chart

echo
echo "== nx run-many -t lint-chart package-chart push-chart"
npx nx run-many -t lint-chart package-chart push-chart --output-style=static
npx nx-helm summary

echo
echo "== Pull platform back by its digest and check it against what was pushed"
npx nx run platform:verify-chart --output-style=static

echo
echo "== The same run again: lint and package come from the Nx cache, every push is skipped"
npx nx run-many -t lint-chart package-chart push-chart
npx nx-helm summary
