#!/usr/bin/env bash
# Side by side on this machine: milliseconds per training step (forward, backward, Adam over one full batch) of the
# same model in PyTorch eager mode and in BertGen, at the sizes in bench/configs. PyTorch gets its better of 1 and 2
# threads; BertGen is shown on one thread and on both cores.
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
echo "PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') ..." >&2
torch_json=$(/usr/bin/python3 bench/pytorch/bench_pytorch.py "$seconds")
echo "BertGen ..." >&2
bertgen_json=$(dotnet bench/BertGen.Benchmarks/bin/Release/net10.0/BertGen.Benchmarks.dll steps "$seconds")

/usr/bin/python3 - "$torch_json" "$bertgen_json" <<'PY'
import json, platform, subprocess, sys
torch, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"CPU: {cpu}, {cores} cores")
print()
print("| size | PyTorch ms/step (best of 1, 2 threads) | BertGen ms/step, 1 thread | ratio | BertGen ms/step, 2 threads | ratio |")
print("|---|---|---|---|---|---|")
for size in ("seed", "small", "mini"):
    best_threads, best = min(torch[size].items(), key=lambda kv: kv[1])
    one, two = ours[size]["1"], ours[size]["2"]
    print(f"| {size} | {best:.3f} ({best_threads} thread{'s' if best_threads != '1' else ''}) | {one:.3f} | {best / one:.1f}x | {two:.3f} | {best / two:.1f}x |")
PY
