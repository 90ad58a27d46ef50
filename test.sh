#!/usr/bin/env bash
# Runs the whole test suite: installs Open MPI if missing, restores, builds and tests every project.
set -euo pipefail
cd "$(dirname "$0")"

scripts/ensure-prerequisites.sh
dotnet restore ModelGen.sln
dotnet build ModelGen.sln --no-restore -c Release

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test ModelGen.sln --no-build -c Release 2>&1 | tee "$log" || status=$?

# One closing line for the whole run: the sum of every test assembly's summary.
awk '/(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  { f += $(i + 1) }
         if ($i == "Passed:")  { p += $(i + 1) }
         if ($i == "Skipped:") { s += $(i + 1) }
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' FS='[ ,]+' "$log"
exit "$status"
