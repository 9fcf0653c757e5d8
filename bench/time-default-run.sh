#!/usr/bin/env bash
# The whole default run (bertgen with no arguments: 5000 epochs of the six pairs, captures, checkpoints, metrics), wall
# time, as the JIT-compiled program (dotnet build) and as the native one (dotnet publish), taken in turn so that both
# see the same minutes of a shared machine. Also checks that the two wrote the same bytes.
#
#   bench/time-default-run.sh [RUNS] [-- BERTGEN OPTIONS]     RUNS of each, 6 by default
set -euo pipefail
cd "$(dirname "$0")/.."

runs=6
if [[ $# -gt 0 && $1 != "--" ]]; then
  runs=$1
  shift
fi
[[ $# -gt 0 && $1 == "--" ]] && shift
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "time-default-run.sh: RUNS must be a whole number of 1 or more, not '$runs'" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Building the JIT-compiled program and publishing the native one..." >&2
dotnet build src/BertGen.Demo -c Release -v quiet -nologo > "$work/build.log" || { cat "$work/build.log" >&2; exit 1; }
dotnet publish src/BertGen.Demo -c Release -o "$work/native" -v quiet -nologo > "$work/publish.log" || { cat "$work/publish.log" >&2; exit 1; }
jit=src/BertGen.Demo/bin/Release/net10.0/bertgen
native=$work/native/bertgen

# One run of a program into a fresh folder: "wall-seconds loop-seconds".
run() {
  local program=$1 out=$2
  shift 2
  local start end loop
  start=$(date +%s.%N)
  "$program" "$@" --out "$out" > "$out.txt"
  end=$(date +%s.%N)
  loop=$(sed -n 's/^Trained .* in \([0-9.]*\) s.*/\1/p' "$out.txt")
  awk -v s="$start" -v e="$end" -v l="${loop:-nan}" 'BEGIN { printf "%.3f %s\n", e - s, l }'
}

for ((i = 1; i <= runs; i++)); do
  echo "jit $(run "$jit" "$work/jit-$i" "$@")" >> "$work/times"
  echo "native $(run "$native" "$work/native-$i" "$@")" >> "$work/times"
  rm -f "$work/jit-$i.txt" "$work/native-$i.txt"
  if ! diff -rq "$work/jit-$i" "$work/native-$i" > /dev/null; then
    echo "time-default-run.sh: run $i: the two programs wrote different run folders" >&2
    diff -rq "$work/jit-$i" "$work/native-$i" >&2 || true
    exit 1
  fi
  rm -rf "$work/jit-$i" "$work/native-$i"
done

echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); wall and training-loop seconds, $runs runs of each:"
for program in jit native; do
  awk -v p="$program" '$1 == p { print $2, $3 }' "$work/times" | sort -n | awk -v p="$program" '
    { wall[NR] = $1; all = all (NR > 1 ? ", " : "") $1
      if (NR == 1 || $2 < low) low = $2
      if (NR == 1 || $2 > high) high = $2 }
    END {
      median = (NR % 2) ? wall[(NR + 1) / 2] : (wall[NR / 2] + wall[NR / 2 + 1]) / 2
      printf "%-6s wall %s (median %.3f); loop %s-%s\n", p, all, median, low, high
    }'
done
echo "The run folders were byte-identical in every pair."
