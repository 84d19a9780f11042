#!/usr/bin/env bash
# Installs Debian's Chromium (and a CJK font, so screenshots show WeCom's Chinese names) for the browser tests
# when missing. Idempotent; run by the build of tests/Connectors.SampleHost.Tests. Never 'playwright install': it
# downloads browsers, which this network forbids.
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -d /usr/share/fonts/truetype/wqy ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "Chromium is missing and this user cannot install it: run 'apt-get install -y chromium' as root." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-wqy-zenhei
test -x /usr/bin/chromium
