#!/usr/bin/env bash
# Installs Debian packages the tests need when a file they provide is missing; idempotent.
#   bash tests/apt-install.sh <file that must exist>... -- <package>...
# Run by the test build (tests/Directory.Build.props: Chromium and a CJK font for the browser tests, so screenshots
# show WeCom's Chinese names; redis-server for the Redis tests, which start their own server; python3-aiosmtpd for the
# SMTP tests' real SMTP server) and by eng/aot/check.sh.
# Never 'playwright install': it downloads browsers, which this network forbids.
set -euo pipefail
files=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do files+=("$1"); shift; done
shift || true
missing=false
for file in "${files[@]}"; do [ -e "$file" ] || missing=true; done
$missing || exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "${files[*]} missing and this user cannot install it: run 'apt-get install -y $*' as root." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Several test projects may build at once: wait for each other's apt rather than fail on its lock. A failed
# update or install (a mirror hiccup, the lists lock, which the timeout does not cover) is tried again.
for attempt in 1 2 3; do
  if $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq \
    && $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@"; then
    break
  fi
  [ "$attempt" -lt 3 ] || exit 1
  echo "apt-get failed (attempt $attempt of 3); trying again in 10 s" >&2
  sleep 10
done
for file in "${files[@]}"; do test -e "$file"; done
