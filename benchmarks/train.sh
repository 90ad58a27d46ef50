#!/usr/bin/env bash
# Training benchmark: ModelGen's replicated (DDP style) and fully sharded (FSDP style) training beside PyTorch's
# DistributedDataParallel, all in one run, on one Llama-shaped float32 checkpoint. Every scenario trains the same
# batch (one sequence per rank, of a fixed seed) with AdamW and gradient clipping to norm 1. Prints where the runs
# are; writes a Markdown summary with the targets checked to OUT/train-summary.md (and to stderr).
#
#   benchmarks/train.sh [--ranks 3] [--size-mib 512] [--shard-mib 1024] [--length 128] [--steps 4] [--threads 1]
#                       [--scenarios modelgen-replicated,modelgen-sharded,pytorch-ddp] [--reps 3] [--out DIR]
#
# Scenarios:
#   modelgen-replicated  the Llama example with --train-steps: ReplicatedTraining, gradients averaged in 25 MiB buckets
#   modelgen-sharded     the same with --shard: ShardedTraining over the fully sharded placement (units gathered before
#                        they run, recomputed in backward, full gradients reduce-scattered), AdamW over the shards
#   pytorch-ddp          PyTorch 1.13 (Debian python3-torch, gloo): benchmarks/pytorch/train_ddp.py, the same
#                        architecture loaded from the same checkpoint, DistributedDataParallel, AdamW + clip_grad_norm_
#                        (benchmarks/setup-peers.sh installs python3-torch)
#
# Each run prints, per rank, the seconds of every step (the first is left out of the medians: a warm-up), the peak
# RSS from just before training to its end (VmHWM, reset before the first step), and the bytes the training handed
# to collectives in the last step. Scenarios are interleaved within each repetition.
#
# The issue's measurement (3 ranks, about 0.5 GiB, sequence 128, batch 1 per rank):
#   benchmarks/train.sh --ranks 3 --size-mib 512 --length 128 --steps 4 --reps 3
set -euo pipefail
cd "$(dirname "$0")/.."

ranks=3; size_mib=512; shard_mib=1024; length=128; steps=4; threads=1; reps=3
scenarios=modelgen-replicated,modelgen-sharded,pytorch-ddp; out=${TMPDIR:-/tmp}/modelgen-train
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) ranks=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --shard-mib) shard_mib=$2; shift 2 ;;
    --length) length=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$steps" -ge 2 ] || { echo "--steps must be at least 2 (the first is a warm-up)" >&2; exit 2; }

. benchmarks/common.sh
check_scenarios "modelgen-replicated modelgen-sharded pytorch-ddp" "$scenarios"
mkdir -p "$out"
build_benchmark_tools "$out"
rm -rf "$out/runs"
mkdir -p "$out/runs"
checkpoint="$out/llama-${size_mib}mib-f32"
# The example writes the checkpoint when it is missing (and loads it once: a warm-up).
dotnet "$llama" --checkpoint "$checkpoint" --create-random --size-mib "$size_mib" --checkpoint-dtype f32 --shard-mib "$shard_mib" --no-forward --json > /dev/null
cat "$checkpoint"/*.safetensors > /dev/null   # page cache warm for every scenario alike

mpi_flags=(--oversubscribe --bind-to none)
[ "$(id -u)" -ne 0 ] || mpi_flags+=(--allow-run-as-root)
# One sequence of $length tokens per rank.
train=(--train-steps "$steps" --train-sequences "$ranks" --train-length "$length")

port=29700
for rep in $(seq "$reps"); do
  for scenario in "${scenario_list[@]}"; do
    log="$out/runs/$scenario-$rep.jsonl"
    echo "run $rep: $scenario on $ranks rank(s)" >&2
    case "$scenario" in
      modelgen-replicated)
        mpirun -np "$ranks" "${mpi_flags[@]}" dotnet "$llama" --checkpoint "$checkpoint" --dtype f32 --threads "$threads" "${train[@]}" --no-forward --json \
          | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-replicated"/' > "$log" ;;
      modelgen-sharded)
        mpirun -np "$ranks" "${mpi_flags[@]}" dotnet "$llama" --checkpoint "$checkpoint" --dtype f32 --threads "$threads" --shard "${train[@]}" --no-forward --json \
          | sed 's/"scenario":"[^"]*"/"scenario":"modelgen-sharded"/' > "$log" ;;
      pytorch-ddp)
        port=$((port + 1))
        mpirun -np "$ranks" "${mpi_flags[@]}" /usr/bin/python3 benchmarks/pytorch/train_ddp.py --checkpoint "$checkpoint" --port "$port" \
          --threads "$threads" "${train[@]}" > "$log" ;;
      *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
  done
done

dotnet "$bench" summarize-train --runs "$out/runs" --markdown "$out/train-summary.md"
cat "$out/train-summary.md" >&2
