#!/usr/bin/env bash
# The AOT/trim check, a CI step after the tests (.ci/run). Publishes eng/aot/AotConsumer (the connector packages and
# Connectors.AspNetCore, Connectors.Redis) for net8.0 and net10.0, each with PublishAot (native code) and with PublishTrimmed
# (self-contained, trimmed IL), counts the trim/AOT warnings of each publish, and runs each binary against its
# in-process fake providers.
# Fails when a publish or a run fails, or when a warning comes from this repository's code (Connectors.*, the
# consumer's own Program and fakes): only warnings whose origin is in Microsoft.* or System.* are reported and let
# through. The README's claim ("no trim or AOT warnings") is this script's result.
set -uo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
out=$(mktemp -d)
status=0
bash ../../tests/apt-install.sh /usr/bin/redis-server -- redis-server # one step runs codes on a redis-server it starts

check() { # <name> <publish arguments...>
  local name=$1
  shift
  local log="$out/$name.log"
  if ! dotnet publish AotConsumer.csproj -c Release -clp:NoSummary -o "$out/$name" "$@" >"$log" 2>&1; then
    cat "$log"
    echo "aot-check: $name: publish FAILED"
    status=1
    return
  fi
  # One line per warning (MSBuild may print one twice); the origin is what follows "warning ILnnnn: ".
  local warnings ours
  warnings=$(grep -E 'warning IL[0-9]{4}' "$log" | sed -E 's/ \[[^]]*\]$//' | sort -u)
  ours=$(printf '%s\n' "$warnings" | grep -E 'warning IL[0-9]{4}: ' | grep -v -E 'warning IL[0-9]{4}: (Microsoft|System)\.' || true)
  local total=0 own=0
  [ -n "$warnings" ] && total=$(printf '%s\n' "$warnings" | wc -l)
  [ -n "$ours" ] && own=$(printf '%s\n' "$ours" | wc -l)
  [ -n "$warnings" ] && printf '%s\n' "$warnings"
  local run
  run=$("$out/$name/AotConsumer" 2>&1)
  local code=$?
  printf '%s\n' "$run"
  echo "aot-check: $name: $total trim/AOT warning(s), $own from Connectors.* or the consumer; run exit code $code; published folder $(du -sh "$out/$name" | cut -f1)"
  if [ "$own" -ne 0 ] || [ "$code" -ne 0 ]; then
    status=1
  fi
}

for tfm in net8.0 net10.0; do
  check "$tfm-aot" -p:AotTargetFramework=$tfm -p:PublishAot=true
  check "$tfm-trimmed" -p:AotTargetFramework=$tfm -p:PublishTrimmed=true -r linux-x64 --self-contained
done
rm -rf "$out"
[ "$status" -eq 0 ] && echo "aot-check: passed" || echo "aot-check: FAILED"
exit "$status"
