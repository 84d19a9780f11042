#!/usr/bin/env bash
# Usage: bash eng/update-public-api.sh [Redis]. Rewrites each package's public API files (src/<Package>/PublicAPI/<tfm>/PublicAPI.Unshipped.txt) from its code, for
# every target framework, with Microsoft.CodeAnalysis.PublicApiAnalyzers' own code fix: run it after an intended
# change to a public API and commit the result (the build fails on any public API the files do not list: RS0016,
# RS0017). Nothing has shipped yet (0.1.0 is unreleased), so the whole surface is "Unshipped" and Shipped holds only
# the nullable marker; at the first release, move Unshipped's lines to Shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*${1:-}*/*.csproj; do # an argument limits it to packages whose name contains it
  dir=$(dirname "$project")
  for tfm in net8.0 net10.0; do
    mkdir -p "$dir/PublicAPI/$tfm"
    [ -f "$dir/PublicAPI/$tfm/PublicAPI.Shipped.txt" ] || echo '#nullable enable' > "$dir/PublicAPI/$tfm/PublicAPI.Shipped.txt"
    echo '#nullable enable' > "$dir/PublicAPI/$tfm/PublicAPI.Unshipped.txt"
    PublicApiTargetFramework=$tfm dotnet format analyzers "$project" --diagnostics RS0016 RS0017 RS0037 --severity info
    # One sorted entry per line, the marker first: files that diff cleanly.
    { echo '#nullable enable'; grep -v '^#nullable enable$' "$dir/PublicAPI/$tfm/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/PublicAPI/$tfm/PublicAPI.Unshipped.tmp"
    mv "$dir/PublicAPI/$tfm/PublicAPI.Unshipped.tmp" "$dir/PublicAPI/$tfm/PublicAPI.Unshipped.txt"
    echo "$dir ($tfm): $(($(wc -l < "$dir/PublicAPI/$tfm/PublicAPI.Unshipped.txt") - 1)) entries"
  done
done
