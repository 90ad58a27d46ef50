#!/usr/bin/env bash
# Distributed-loading benchmark: ModelGen's loader against the floor of this machine and against peers, all in
# one run, with 1 and several ranks. Prints one JSON object per (scenario, ranks) on stdout; writes a Markdown
# summary with the targets checked to OUT/load-summary.md (and to stderr), and a chart to OUT/load.png.
#
#   benchmarks/load.sh [--ranks 1,3] [--param-gib 1.5] [--shard-mib 1024] [--scenarios floor,floor-mapped,modelgen,naive,pytorch] [--reps 3] [--out DIR]
#
# Scenarios:
#   floor     rank 0 reads the bytes once into fresh memory and broadcasts them raw into fresh memory (no torch logic)
#   floor-mapped  rank 0 maps the files (the page cache is its copy); the other ranks copy the raw bytes straight out
#             of rank 0's memory into fresh memory: the floor of what the loader does by default on one machine
#   modelgen  the Llama example, defaults: meta construction, rank 0 maps the checkpoint, peer reads on one
#             machine, no init of loaded tensors
#   modelgen-copy  the same without the one-machine shortcuts: rank 0 reads into fresh memory, MPI broadcast
#   naive     every rank builds the model on the CPU (random init) and loads every shard with TorchSharp.PyBridge
#   pytorch   PyTorch 1.13 (Debian python3-torch): meta model, to_empty, rank 0 reads memory-mapped, gloo broadcast
#             (benchmarks/setup-peers.sh installs python3-torch)
set -euo pipefail
cd "$(dirname "$0")/.."

ranks_list=1,3; param_gib=1.5; shard_mib=1024; scenarios=floor,modelgen,naive; reps=3; out=${TMPDIR:-/tmp}/modelgen-load
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks_list=$2; shift 2 ;;
    --param-gib) param_gib=$2; shift 2 ;;
    --shard-mib) shard_mib=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

dotnet build benchmarks/ModelGen.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2
bench=benchmarks/ModelGen.Benchmarks/bin/Release/net10.0/ModelGen.Benchmarks.dll
llama=examples/ModelGen.Examples.Llama/bin/Release/net10.0/ModelGen.Examples.Llama.dll
checkpoint="$out/llama-${param_gib}gib-${shard_mib}mib-shards"
size_mib=$(awk -v g="$param_gib" 'BEGIN { printf "%d", g * 1024 }')
mkdir -p "$out"
rm -rf "$out/runs"
mkdir -p "$out/runs"

# The example writes the checkpoint when it is missing (and loads it once: a warm-up).
dotnet "$llama" --checkpoint "$checkpoint" --create-random --size-mib "$size_mib" --shard-mib "$shard_mib" --no-forward --json > /dev/null
cat "$checkpoint"/*.safetensors > /dev/null   # page cache warm for every scenario alike

mpi_flags=(--oversubscribe --bind-to none)
[ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)

launch() { # ranks program args...
  local ranks=$1; shift
  if [ "$ranks" -eq 1 ]; then "$@"; else mpirun -np "$ranks" "${mpi_flags[@]}" "$@"; fi
}

port=29600
IFS=, read -r -a rank_counts <<< "$ranks_list"
IFS=, read -r -a scenario_list <<< "$scenarios"
for rep in $(seq "$reps"); do
  for ranks in "${rank_counts[@]}"; do
    for scenario in "${scenario_list[@]}"; do
      log="$out/runs/$scenario-$ranks-$rep.jsonl"
      echo "run $rep: $scenario on $ranks rank(s)" >&2
      case "$scenario" in
        floor)    launch "$ranks" dotnet "$bench" load-floor --checkpoint "$checkpoint" > "$log" ;;
        floor-mapped) launch "$ranks" dotnet "$bench" load-floor-mapped --checkpoint "$checkpoint" > "$log" ;;
        modelgen) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --no-forward --json > "$log" ;;
        modelgen-copy) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --no-forward --no-map --transport Broadcast --json \
                         | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-copy"/' > "$log" ;;
        naive)    launch "$ranks" dotnet "$bench" load-naive --checkpoint "$checkpoint" > "$log" ;;
        pytorch)  port=$((port + 1)); launch "$ranks" /usr/bin/python3 benchmarks/pytorch/load_broadcast.py --checkpoint "$checkpoint" --port "$port" > "$log" ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
      esac
    done
  done
done

dotnet "$bench" summarize-load --runs "$out/runs" --markdown "$out/load-summary.md" --chart "$out/load.png"
cat "$out/load-summary.md" >&2
