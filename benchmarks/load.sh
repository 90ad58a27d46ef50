#!/usr/bin/env bash
# Distributed-loading benchmark: ModelGen's loader against the floor of this machine and against peers, all in
# one run, with 1 and several ranks. Prints one JSON object per (checkpoint size, scenario, ranks) on stdout; writes
# a Markdown summary with the targets checked to OUT/load-summary.md (and to stderr), and a chart to OUT/load.png.
#
#   benchmarks/load.sh [--ranks 1,3] [--param-gib 1.5] [--shard-mib 1024] [--scenarios floor,modelgen,naive]
#                      [--reps 3] [--warmup 1] [--window-mib 64] [--out DIR]
#
# Every repetition runs every scenario in turn (so that a slower spell of a shared machine falls on all of them alike).
# The first --warmup repetitions are run and discarded (a fresh machine backs new memory slowly at first); their logs
# stay in OUT/warmup for inspection.
# --param-gib takes a list (0.5,1.5,3): each size gets its own checkpoint, every repetition runs every size, and the
# summary adds a table of how wall time and rank 0's peak RSS grow with the model (the scaling measurement).
# --window-mib is the window floor-sharded makes resident on rank 0 at a time.
#
# Scenarios, replicated (every rank ends up holding the whole model):
#   floor     rank 0 reads the bytes once into fresh memory and broadcasts them raw into fresh memory (no torch logic)
#   floor-mapped  rank 0 maps the files (the page cache is its copy); the other ranks copy the raw bytes straight out
#             of rank 0's memory into fresh memory: the floor of what the loader does by default on one machine
#   modelgen  the Llama example, defaults: meta construction, rank 0 maps the checkpoint, peer reads on one
#             machine, no init of loaded tensors
#   modelgen-copy  the same without the one-machine shortcuts: rank 0 reads into fresh memory, MPI broadcast
#   naive     every rank builds the model on the CPU (random init) and loads every shard with TorchSharp.PyBridge
#   pytorch   PyTorch 1.13 (Debian python3-torch): meta model, to_empty, rank 0 reads memory-mapped, gloo broadcast
#             (benchmarks/setup-peers.sh installs python3-torch)
# Scenarios, fully sharded (every rank ends up holding its torch.chunk rows of dim 0 of every tensor, P/N in all):
#   floor-sharded  rank 0 maps the files; every other rank copies only its rows of each tensor straight out of rank
#             0's memory into fresh memory; rank 0 makes the checkpoint resident window by window and drops the
#             other ranks' rows once they copied them (no model, no torch logic)
#   modelgen-sharded  the Llama example with --shard (fully sharded placement), no forward pass
#   modelgen-sharded-read  the same with --no-map: rank 0 reads each piece instead of mapping the checkpoint
#   modelgen-sharded-scatter  the same with --transport Broadcast: the slices go by MPI scatter, not peer reads
#   pytorch-sharded  what FSDP2 users run (DSD set_model_state_dict with broadcast_from_rank0): meta model, rank 0
#             reads memory-mapped, every full tensor is broadcast with gloo, every rank keeps a copy of its chunk
#
# The issue's measurement (targets at 3 ranks on 1.5 GiB, then the scaling at 3 ranks):
#   benchmarks/load.sh --ranks 1,3 --param-gib 1.5 --reps 5 \
#     --scenarios floor-mapped,modelgen,naive,pytorch,floor-sharded,modelgen-sharded,pytorch-sharded
#   benchmarks/load.sh --ranks 3 --param-gib 0.5,1.5,3 --reps 3 \
#     --scenarios floor-sharded,modelgen-sharded,pytorch-sharded --out "${TMPDIR:-/tmp}/modelgen-load-scaling"
set -euo pipefail
cd "$(dirname "$0")/.."

ranks_list=1,3; param_gibs=1.5; shard_mib=1024; scenarios=floor,modelgen,naive; reps=3; warmup=1; window_mib=64; out=${TMPDIR:-/tmp}/modelgen-load
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks_list=$2; shift 2 ;;
    --param-gib) param_gibs=$2; shift 2 ;;
    --shard-mib) shard_mib=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --window-mib) window_mib=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

[[ "$warmup" =~ ^[0-9]+$ && "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "--reps takes a positive and --warmup a non-negative whole number" >&2; exit 2; }
. benchmarks/common.sh
check_scenarios "floor floor-mapped floor-sharded modelgen modelgen-copy modelgen-sharded modelgen-sharded-read modelgen-sharded-scatter naive pytorch pytorch-sharded" "$scenarios"
mkdir -p "$out"
build_benchmark_tools "$out"
rm -rf "$out/runs" "$out/warmup"
IFS=, read -r -a sizes <<< "$param_gibs"
checkpoint_of() { echo "$out/llama-${1}gib-${shard_mib}mib-shards"; }

for param_gib in "${sizes[@]}"; do
  checkpoint=$(checkpoint_of "$param_gib")
  size_mib=$(awk -v g="$param_gib" 'BEGIN { printf "%d", g * 1024 }')
  mkdir -p "$out/runs/${param_gib}gib"
  # The example writes the checkpoint when it is missing (and loads it once: a warm-up).
  dotnet "$llama" --checkpoint "$checkpoint" --create-random --size-mib "$size_mib" --shard-mib "$shard_mib" --no-forward --json > /dev/null
  cat "$checkpoint"/*.safetensors > /dev/null   # page cache warm for every scenario alike
done

mpi_flags=(--oversubscribe --bind-to none)
[ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)

launch() { # ranks program args...
  local ranks=$1; shift
  if [ "$ranks" -eq 1 ]; then "$@"; else mpirun -np "$ranks" "${mpi_flags[@]}" "$@"; fi
}

port=29600
IFS=, read -r -a rank_counts <<< "$ranks_list"
for rep in $(seq $((1 - warmup)) "$reps"); do
  for param_gib in "${sizes[@]}"; do
    checkpoint=$(checkpoint_of "$param_gib")
    for ranks in "${rank_counts[@]}"; do
      for scenario in "${scenario_list[@]}"; do
        log="$out/runs/${param_gib}gib/$scenario-$ranks-$rep.jsonl"
        if [ "$rep" -le 0 ]; then mkdir -p "$out/warmup"; log="$out/warmup/${param_gib}gib-$scenario-$ranks-$((rep + warmup)).jsonl"; fi
        echo "run $rep: $scenario on $ranks rank(s), ${param_gib} GiB$([ "$rep" -le 0 ] && echo ' (warm-up, discarded)')" >&2
        case "$scenario" in
          floor)    launch "$ranks" dotnet "$bench" load-floor --checkpoint "$checkpoint" > "$log" ;;
          floor-mapped) launch "$ranks" dotnet "$bench" load-floor-mapped --checkpoint "$checkpoint" > "$log" ;;
          floor-sharded) launch "$ranks" dotnet "$bench" load-floor-sharded --checkpoint "$checkpoint" --window-mib "$window_mib" > "$log" ;;
          modelgen) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --no-forward --json > "$log" ;;
          modelgen-copy) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --no-forward --no-map --transport Broadcast --json \
                           | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-copy"/' > "$log" ;;
          modelgen-sharded) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --shard --no-forward --json \
                           | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-sharded"/' > "$log" ;;
          modelgen-sharded-read) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --shard --no-map --no-forward --json \
                           | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-sharded-read"/' > "$log" ;;
          modelgen-sharded-scatter) launch "$ranks" dotnet "$llama" --checkpoint "$checkpoint" --shard --transport Broadcast --no-forward --json \
                           | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-sharded-scatter"/' > "$log" ;;
          naive)    launch "$ranks" dotnet "$bench" load-naive --checkpoint "$checkpoint" > "$log" ;;
          pytorch)  port=$((port + 1)); launch "$ranks" /usr/bin/python3 benchmarks/pytorch/load_broadcast.py --checkpoint "$checkpoint" --port "$port" > "$log" ;;
          pytorch-sharded) port=$((port + 1)); launch "$ranks" /usr/bin/python3 benchmarks/pytorch/load_sharded.py --checkpoint "$checkpoint" --port "$port" > "$log" ;;
          *) echo "unknown scenario $scenario" >&2; exit 2 ;;
        esac
      done
    done
  done
done

dotnet "$bench" summarize-load --runs "$out/runs" --markdown "$out/load-summary.md" --chart "$out/load.png"
cat "$out/load-summary.md" >&2
