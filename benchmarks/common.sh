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

# Builds the benchmark driver (and, through it, the examples) and sets bench and llama to their assemblies.
build_benchmark_tools() {
  dotnet build benchmarks/ModelGen.Benchmarks -c Release -nologo -v q -clp:ErrorsOnly >&2
  bench=benchmarks/ModelGen.Benchmarks/bin/Release/net10.0/ModelGen.Benchmarks.dll
  llama=examples/ModelGen.Examples.Llama/bin/Release/net10.0/ModelGen.Examples.Llama.dll
}
