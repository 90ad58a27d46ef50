#!/usr/bin/env bash
# The main job: the Llama example. Writes a real-shaped random checkpoint (sharded, with an index) if there is
# none, loads it with ModelGen in one process, runs a forward pass and prints the report.
# Extra arguments go to the example (see ./run.sh --help); for several ranks see the README.
set -euo pipefail
cd "$(dirname "$0")"

dotnet build examples/ModelGen.Examples.Llama -c Release -nologo -v q -clp:ErrorsOnly
exec dotnet examples/ModelGen.Examples.Llama/bin/Release/net10.0/ModelGen.Examples.Llama.dll "$@"
