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
