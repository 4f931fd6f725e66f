#!/usr/bin/env bash
# Instruction counts (callgrind) of one cold load_config + validate_config +
# create plans of the `skiff spec` config, in a fresh process:
#
#   bench/parse/cold.sh [BUILD_DIR]      (default: build)
#
# Prints the inclusive Ir of each stage (parse-bench --once runs each as its
# own function: skiff_bench_load, skiff_bench_validate, skiff_bench_plans)
# and their sum.  Instruction counts do not move with the machine's load,
# unlike wall times; the µs figures come from `parse-bench [N]`.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
build=${1:-build}
bench=$build/bench/parse/parse-bench
[ -x "$bench" ] || { echo "cold.sh: $bench not built (ninja -C $build bench/parse/parse-bench)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "cold.sh: valgrind is not installed" >&2; exit 2; }
out=$(mktemp /tmp/skiff-cold.XXXXXX)
trap 'rm -f "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out" -q "$bench" --once >/dev/null
callgrind_annotate --inclusive=yes --threshold=100 "$out" 2>/dev/null |
	awk '/skiff_bench_(load|validate|plans)[ (\[]|skiff_bench_(load|validate|plans)$/ {
		gsub(",", "", $1)
		name = $0; sub(/.*skiff_bench_/, "", name); sub(/[ (\[].*/, "", name)
		if (!(name in ir)) { ir[name] = $1; total += $1 }
	}
	END {
		printf "load_config  %12d Ir\n", ir["load"]
		printf "validate     %12d Ir\n", ir["validate"]
		printf "plans        %12d Ir\n", ir["plans"]
		printf "total        %12d Ir\n", total
	}'
