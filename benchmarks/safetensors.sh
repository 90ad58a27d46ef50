#!/usr/bin/env bash
# Reading benchmark of the safetensors layer (ModelGen) against the floor of this machine (raw positional reads
# into fresh native memory) and TorchSharp.PyBridge's load_safetensors, with and without huge pages.
# Each run is a separate process (peak RSS is per process); runs are interleaved and medians reported.
#
#   benchmarks/safetensors.sh [--gib 1.0] [--reps 5] [--dtypes bf16,f32] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

gib=1.0; reps=5; dtypes=bf16,f32; out=${TMPDIR:-/tmp}/modelgen-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --gib) gib=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --dtypes) dtypes=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

dotnet build benchmarks/ModelGen.Benchmarks -c Release -v q -nologo >&2
bench=(dotnet benchmarks/ModelGen.Benchmarks/bin/Release/net10.0/ModelGen.Benchmarks.dll)
mkdir -p "$out"
results="$out/safetensors-read.jsonl"
: > "$results"

IFS=, read -r -a dtype_list <<< "$dtypes"
for dtype in "${dtype_list[@]}"; do
  file="$out/read-$dtype-$gib.safetensors"
  [ -f "$file" ] || "${bench[@]}" make-checkpoint --out "$file" --gib "$gib" --dtype "$dtype" >&2
  cat "$file" > /dev/null   # page cache warm: every scenario reads from memory, as on a second load
  for rep in $(seq "$reps"); do
    for huge in 1 0; do
      for scenario in floor modelgen pybridge; do
        THP_MEM_ALLOC_ENABLE=$huge "${bench[@]}" safetensors-read --scenario "$scenario" --file "$file" --dtype "$dtype" | tee -a "$results" >&2
      done
    done
  done
done
"${bench[@]}" summarize-read --results "$results"
