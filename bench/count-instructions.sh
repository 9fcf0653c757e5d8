#!/usr/bin/env bash
# Instructions a training epoch of the default model executes, counted by valgrind's callgrind, and the functions that
# execute most of them. A count is the same on every run whatever else the machine is doing, so two builds compare
# to a fraction of a percent where a timing on a shared machine moves by 15%; it is not a time (a reload from memory
# and a register copy count alike), so a change is also timed (bench/RESULTS.md, "The twelfth round").
#
# The program is the native one, published for x86-64-v3 (AVX2 and FMA: valgrind runs neither AVX-512 nor the
# instructions a newer processor's own build may use), with its symbols in the binary and its debug information
# left out (valgrind refuses the latter). Start-up and the run's last files are counted by a run of no epochs and
# taken off.
#
#   bench/count-instructions.sh [EPOCHS] [-- BERTGEN OPTIONS]     300 epochs by default; prints the 25 heaviest functions
set -euo pipefail
cd "$(dirname "$0")/.."

epochs=300
if [[ $# -gt 0 && $1 != "--" ]]; then
  epochs=$1
  shift
fi
[[ $# -gt 0 && $1 == "--" ]] && shift
if ! [[ $epochs =~ ^[1-9][0-9]*$ ]]; then
  echo "count-instructions.sh: EPOCHS must be a whole number of 1 or more, not '$epochs'" >&2
  exit 2
fi
for tool in valgrind callgrind_annotate objcopy; do
  if ! command -v "$tool" > /dev/null; then
    echo "count-instructions.sh: needs $tool (apt-get install valgrind binutils)" >&2
    exit 2
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Publishing the native program for x86-64-v3 with its symbols..." >&2
# Its own intermediate folder, so that the native code is compiled and linked afresh with these settings.
dotnet publish src/BertGen.Demo -c Release -o "$work/native" -p:IlcInstructionSet=x86-64-v3 -p:StripSymbols=false \
  -p:NativeIntermediateOutputPath="$work/ilc/" -v quiet -nologo > "$work/publish.log" || { cat "$work/publish.log" >&2; exit 1; }
objcopy --strip-debug "$work/native/bertgen" "$work/bertgen"

# Instructions of one run of the program with the given epochs, its callgrind file as $work/NAME.out.
count() {
  local name=$1 runEpochs=$2
  shift 2
  valgrind --tool=callgrind --callgrind-out-file="$work/$name.out" "$work/bertgen" --epochs "$runEpochs" --capture-epochs 0 \
    --out "$work/run-$name" "$@" > "$work/$name.log" 2>&1 || { tail -20 "$work/$name.log" >&2; exit 1; }
  callgrind_annotate "$work/$name.out" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}

echo "Counting a run of no epochs, then one of $epochs (a few minutes)..." >&2
start=$(count start 0 "$@")
total=$(count epochs "$epochs" "$@")
awk -v s="$start" -v t="$total" -v e="$epochs" 'BEGIN {
  printf "%.0f instructions an epoch (%d epochs: %.1f million, less %.1f million for start-up and the last files)\n", (t - s) / e, e, t / 1e6, s / 1e6
}'
echo "The functions that execute the most in the epochs (start-up's counts taken off), with their share:"
# Every function's count, "count<TAB>name", of one callgrind file.
functions() {
  callgrind_annotate --threshold=100 "$1" | awk '
    /^-+$/ { rule++ }
    rule >= 4 && $2 ~ /^\(/ && !/PROGRAM TOTALS/ {
      count = $1; gsub(",", "", count)
      name = $0; sub(/^[^(]*\([^)]*\) +/, "", name); sub(/ \[.*$/, "", name); sub(/^[^:]*:/, "", name)
      print count "\t" name
    }'
}
functions "$work/start.out" > "$work/start.tsv"
functions "$work/epochs.out" > "$work/epochs.tsv"
awk -F '\t' -v all="$((total - start))" '
  NR == FNR { before[$2] += $1; next }
  { after[$2] += $1 }
  END {
    for (name in after) {
      short = name
      gsub(/BertGen_Runtime_BertGen_Kernels_|BertGen_Runtime_BertGen_|bertgen_BertGen_Demo_[A-Za-z]*_|S_P_CoreLib_/, "", short)
      printf "%d\t%6.2f%%  %s\n", after[name] - before[name], 100 * (after[name] - before[name]) / all, substr(short, 1, 150)
    }
  }' "$work/start.tsv" "$work/epochs.tsv" | sort -t $'\t' -k1,1 -n -r | head -25 | cut -f 2
