#!/usr/bin/env bash
# Installs the peers the benchmarks compare against and that the tests do not need:
# Debian's python3-torch (PyTorch 1.13 with gloo) for the pytorch scenario of load.sh, and Open MPI.
set -euo pipefail
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends python3-torch openmpi-bin libopenmpi-dev >/dev/null
/usr/bin/python3 -c 'import torch; print("python3-torch", torch.__version__)'
