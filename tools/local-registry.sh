#!/usr/bin/env bash
# Starts a throw-away OCI registry (CNCF distribution from Debian's docker-registry package) on 127.0.0.1 with a
# free port and filesystem storage in a temporary folder, for the demo. Source it:
#
#   source tools/local-registry.sh     # sets LOCAL_REGISTRY (127.0.0.1:<port>); stops the registry on exit
set -euo pipefail

LOCAL_REGISTRY_DIR="$(mktemp -d)"
local_registry_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
LOCAL_REGISTRY="127.0.0.1:${local_registry_port}"
cat >"$LOCAL_REGISTRY_DIR/config.yml" <<CONFIG
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $LOCAL_REGISTRY_DIR/data
http:
  addr: $LOCAL_REGISTRY
CONFIG
docker-registry serve "$LOCAL_REGISTRY_DIR/config.yml" >"$LOCAL_REGISTRY_DIR/registry.log" 2>&1 &
LOCAL_REGISTRY_PID=$!

stop_local_registry() {
  kill "$LOCAL_REGISTRY_PID" 2>/dev/null || true
  wait "$LOCAL_REGISTRY_PID" 2>/dev/null || true
  rm -rf "$LOCAL_REGISTRY_DIR"
}
trap stop_local_registry EXIT

node -e '
  const url = process.argv[1];
  const deadline = Date.now() + 15000;
  (async function wait() {
    try { if ((await fetch(url)).ok) return; } catch {}
    if (Date.now() > deadline) { console.error("the local registry did not start"); process.exit(1); }
    setTimeout(wait, 100);
  })();
' "http://$LOCAL_REGISTRY/v2/"
export LOCAL_REGISTRY
