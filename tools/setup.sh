#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine with Node.js (>= 20.19) for the demo and the tests:
# Debian packages (docker-registry, openssl, gnupg), npm dependencies, the built plugin, and the pinned Helm 4 and Helm 3 binaries (into the git-ignored .tools/ folder).
# Idempotent; prints nothing but progress on stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian packages: the OCI registry the demo and the tests run (CNCF distribution), openssl for the tests' TLS
# certificates, gpg for provenance signing, yamllint for chart-testing's validate-yaml, tzdata for the tests that push
# in another time zone.
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
[ -e /usr/share/zoneinfo/Asia/Kolkata ] || missing+=(tzdata)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]} (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  else
    echo "setup: please install ${missing[*]} first, e.g. sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

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

# A local npm registry (verdaccio) for the install-path tests: the packed plugin is published to it and every other
# package is proxied from the machine's registry. 6.8.0 is the newest verdaccio that supports Node.js 20.
if [ ! -x .tools/verdaccio/node_modules/.bin/verdaccio ]; then
  echo "setup: installing verdaccio 6.8.0 into .tools/verdaccio" >&2
  npm install --prefix .tools/verdaccio --no-save --no-audit --no-fund --no-package-lock verdaccio@6.8.0 >&2
fi
