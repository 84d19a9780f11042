#!/usr/bin/env bash
# Runs the whole suite (.ci/run: the README's test command, then the AOT/trim check) N times, each from a fresh clone
# of this repository's committed HEAD, and prints each run's "N passed, N failed" and AOT lines and failing tests.
#
#   tests/stress.sh [N] [--hog]
#
# N defaults to 5. --hog keeps every core busy (one spinning process per core, at normal priority) for the whole
# time, as on a loaded CI machine. Exits non-zero when any run failed.
set -uo pipefail

runs=5
hog=false
for arg in "$@"; do
  case "$arg" in
    --hog) hog=true ;;
    ''|*[!0-9]*) echo "usage: $0 [N] [--hog]" >&2; exit 2 ;;
    *) runs=$arg ;;
  esac
done

repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=$(mktemp -d)
hogs=()
cleanup() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

if $hog; then
  for _ in $(seq "$(nproc)"); do
    sh -c 'while :; do :; done' &
    hogs+=($!)
  done
fi

echo "stress: $runs run(s) of .ci/run on $(git -C "$repo" rev-parse --short HEAD), CPU hog: $hog ($(nproc) cores)"
summary=()
failed_runs=0
for i in $(seq "$runs"); do
  clone="$work/run-$i"
  git clone -q "$repo" "$clone"
  start=$(date +%s)
  bash "$clone/.ci/run" > "$work/run-$i.log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - start ))
  # The suite's "N passed, N failed, N skipped" line and the AOT/trim check's verdict.
  line="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$work/run-$i.log" | tail -n 1); $(grep -E '^aot-check: (passed|FAILED)' "$work/run-$i.log" | tail -n 1)"
  result="run $i: $line (exit $status, ${seconds} s)"
  echo "$result"
  summary+=("$result")
  if [ "$status" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    # Test failures, or the build's errors when nothing ran.
    grep -E '^\s+Failed [A-Za-z]' "$work/run-$i.log" | sed -E 's/^\s+Failed /    failed: /' | sort -u
    grep -E ': error ' "$work/run-$i.log" | sort -u | head -n 5 | sed 's/^/    /'
  fi
  rm -rf "$clone"
done

echo "stress: $((runs - failed_runs)) of $runs run(s) green"
[ "$failed_runs" -eq 0 ]
