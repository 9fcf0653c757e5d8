#!/usr/bin/env bash
# Side by side on this machine: milliseconds per training step (forward, backward, Adam over one full batch) of the
# same model in PyTorch eager mode and in BertGen, at the sizes in bench/configs. PyTorch is timed on one core and with
# both (its own threads and OpenBLAS's set separately, bench/pytorch/bench_pytorch.py), and its best setting is shown
# beside its one-core figure; BertGen is shown on one thread and on both cores. Each figure is the median of ten
# windows of the measured time, after a warm-up; the two sides of a size run one right after the other, so that they
# meet the machine in the same state.
#
# Usage: bench/compare-pytorch.sh [SECONDS_PER_MEASUREMENT]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "Installing Debian's python3-torch and libopenblas0-pthread..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread >&2
fi

dotnet build bench/BertGen.Benchmarks -c Release -v quiet -nologo >&2
# merge A B: the JSON object A with B's keys added.
merge() { /usr/bin/python3 -c 'import json, sys; print(json.dumps({**json.loads(sys.argv[1]), **json.loads(sys.argv[2])}))' "$1" "$2"; }

echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')" >&2
bench=bench/BertGen.Benchmarks/bin/Release/net10.0/BertGen.Benchmarks.dll
# The FMA peak, measured before the sizes and after them; the higher of the two counts (a busy machine only lowers it).
peak_before=$(dotnet "$bench" peak)
torch_json="{}"
bertgen_json="{}"
for size in seed small mini; do
  echo "PyTorch, $size ..." >&2
  torch_json=$(merge "$torch_json" "$(/usr/bin/python3 bench/pytorch/bench_pytorch.py "$seconds" "$size")")
  echo "BertGen, $size ..." >&2
  bertgen_json=$(merge "$bertgen_json" "$(dotnet "$bench" steps "$seconds" "$size")")
done
peak_after=$(dotnet "$bench" peak)

/usr/bin/python3 - "$torch_json" "$bertgen_json" "$peak_before" "$peak_after" <<'PY'
import json, platform, subprocess, sys
torch, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
peak = {t: max(json.loads(sys.argv[3])[t], json.loads(sys.argv[4])[t]) for t in ("1", "2")}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"CPU: {cpu}, {cores} cores")
print()
print("PyTorch T/B: T threads for PyTorch, B for OpenBLAS (its matrix products); 1/1 is one core.")
print()
print("| size | PyTorch 1/1 | PyTorch best | BertGen 1 thread | BertGen 2 threads | 1 thread vs 1/1 | 1 thread vs best | 2 threads vs 1/1 | 2 threads vs best |")
print("|---|---|---|---|---|---|---|---|---|")
for size in ("seed", "small", "mini"):
    alone = torch[size]["1/1"]
    best_setting, best = min(torch[size].items(), key=lambda kv: kv[1])
    one, two = ours[size]["1"], ours[size]["2"]
    print(f"| {size} | {alone:.3f} | {best:.3f} ({best_setting}) | {one:.3f} | {two:.3f} "
          f"| {alone / one:.2f}x | {best / one:.2f}x | {alone / two:.2f}x | {best / two:.2f}x |")
print()
print(f"FMA peak (a register-only loop of 256-bit fused multiply-adds, this run): {peak['1']:.1f} GFLOP/s on one thread, "
      f"{peak['2']:.1f} on two.")
print()
print("| size | GFLOP a step | BertGen 1 thread | of one core's peak | BertGen 2 threads | of two cores' peak |")
print("|---|---|---|---|---|---|")
for size in ("seed", "small", "mini"):
    gflop, one, two = ours[size]["gflop"], ours[size]["1"], ours[size]["2"]
    rate1, rate2 = gflop / (one / 1000), gflop / (two / 1000)
    print(f"| {size} | {gflop:.4f} | {rate1:.1f} GFLOP/s | {100 * rate1 / peak['1']:.0f}% | {rate2:.1f} GFLOP/s | {100 * rate2 / peak['2']:.0f}% |")
PY
