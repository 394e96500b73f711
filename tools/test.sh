#!/usr/bin/env bash
# The test command: sets the machine up (tools/setup.sh) and runs `npm test` with the pinned helm binaries:
# HELM_BIN (Helm 4, used everywhere) and HELM3_BIN (Helm 3 smoke tests). Set either to test another helm.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash tools/setup.sh
export HELM_BIN="${HELM_BIN:-$root/.tools/helm/v4.1.4/helm}"
export HELM3_BIN="${HELM3_BIN:-$root/.tools/helm/v3.17.3/helm}"
npm test -- "$@"
