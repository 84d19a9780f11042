#!/usr/bin/env bash
# Installs Debian's redis-server for the tests of shared state on Redis when missing. Idempotent; run by the build of
# the test projects that set <UsesRedis>true</UsesRedis>. The tests start their own server (no persistence, a unix
# socket in a temporary folder, no TCP port); the package's own service is not used.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "redis-server is missing and this user cannot install it: run 'apt-get install -y redis-server' as root." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends redis-server
command -v redis-server >/dev/null
