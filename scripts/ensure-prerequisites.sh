#!/usr/bin/env bash
# Installs what the tests need beyond the .NET SDK and NuGet: Open MPI for the multi-rank tests.
# Debian/Ubuntu only; uses sudo when not root. The single-process main job does not need this.
set -euo pipefail

# (ldconfig's output is captured first: with pipefail, 'grep -q' closing the pipe early would count as failure.)
libraries=$(ldconfig -p 2>/dev/null || true)
if command -v mpirun >/dev/null 2>&1 && [[ "$libraries" == *libmpi.so.40* ]]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Open MPI (mpirun, libmpi.so.40) is missing and this is not a Debian/Ubuntu system: install Open MPI 4.x and rerun." >&2
  exit 1
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "Installing Open MPI (openmpi-bin, libopenmpi-dev) for the multi-rank tests..."
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends openmpi-bin libopenmpi-dev >/dev/null
