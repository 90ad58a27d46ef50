#!/usr/bin/env bash
# The main job: the Llama example. Writes a real-shaped random checkpoint (sharded, with an index) into the demo
# folder checkpoints/llama-demo if there is none, loads it with ModelGen in one process, runs a forward pass and
# prints the report. Extra arguments go to the example (see ./run.sh --help); for several ranks see the README.
#
# Standard output carries only the example's report (so `./run.sh --json | jq` works); the build, when one is needed,
# writes to standard error. The example is built only when a file it is built from is newer than the last build.
set -euo pipefail
cd "$(dirname "$0")"

project=examples/ModelGen.Examples.Llama
dll=$project/bin/Release/net10.0/ModelGen.Examples.Llama.dll
# Touched when a build by this script succeeds: the dll itself keeps its old time when a build changes nothing in it.
stamp=$project/obj/Release/run.sh.built

# What the example is built from: its sources and those of the projects it references, and the repository's build
# settings. Documentation does not count.
inputs=(examples/ModelGen.Examples.Llama examples/ModelGen.Examples.Common runtime generator
        Directory.Build.props Directory.Build.targets Directory.Packages.props nuget.config)

newer_input() {
    find "${inputs[@]}" \( -name bin -o -name obj \) -prune -o -type f ! -name '*.md' -newer "$stamp" -print -quit 2>/dev/null
}

if [[ ! -f $dll || ! -f $stamp ]]; then
    if [[ ! -f $project/obj/project.assets.json ]]; then
        echo "run.sh: first build of the example: restoring NuGet packages (TorchSharp and libtorch, about 0.7 GB" \
             "the first time) and compiling the runtime, the generator and the example; this takes one to a few minutes." >&2
    else
        echo "run.sh: building the example (Release); this takes about half a minute." >&2
    fi
    reason=build
elif changed=$(newer_input || true); [[ -n $changed ]]; then
    echo "run.sh: $changed changed since the last build: rebuilding the example (Release)." >&2
    reason=build
else
    echo "run.sh: the example is up to date (no build)." >&2
    reason=none
fi

if [[ $reason == build ]]; then
    mkdir -p "$(dirname "$stamp")"
    started=$(mktemp "$stamp.XXXXXX")
    # The stamp takes the time the build started, so a file edited during the build still counts as newer.
    if ! dotnet build "$project" -c Release -nologo -v q -clp:ErrorsOnly >&2; then
        rm -f "$started"
        echo "run.sh: the build failed (errors above)." >&2
        exit 1
    fi
    mv -f "$started" "$stamp"
fi

exec dotnet "$dll" "$@"
