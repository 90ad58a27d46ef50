# Sourced by the benchmark scripts (from the repository root): what every one of them does the same way.

# Exits with status 2 unless every name in the comma-separated $2 is one of the space-separated names in $1.
# Sets scenario_list to the names, in the given order.
check_scenarios() {
  local known=" $1 " scenario
  IFS=, read -r -a scenario_list <<< "$2"
  for scenario in "${scenario_list[@]}"; do
    [[ "$known" == *" $scenario "* ]] || { echo "unknown scenario $scenario (known:$known)" >&2; exit 2; }
  done
}

# Publishes the benchmark driver and the Llama example ReadyToRun (precompiled, as a job is deployed, so that no
# scenario spends its first second compiling itself) into $1/tools, and sets bench and llama to their assemblies.
# Every .NET scenario (the floors, naive, ModelGen) runs from these two, alike.
build_benchmark_tools() {
  local tools=$1/tools rid
  rid=$(dotnet --info | awk '/^ *RID:/ { print $2; exit }')
  dotnet publish benchmarks/ModelGen.Benchmarks -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o "$tools/bench" -nologo -v q -clp:ErrorsOnly >&2
  dotnet publish examples/ModelGen.Examples.Llama -c Release -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o "$tools/llama" -nologo -v q -clp:ErrorsOnly >&2
  bench=$tools/bench/ModelGen.Benchmarks.dll
  llama=$tools/llama/ModelGen.Examples.Llama.dll
}
