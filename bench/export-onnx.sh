#!/usr/bin/env bash
# The ONNX models the ONNX Runtime benchmark runs (bench/BertGen.Benchmarks/OnnxBenchmarks.cs): for each size in
# bench/configs, the benchmark's own initial weights written as a checkpoint, then the PyTorch reference model
# exported with them (bench/pytorch/export_onnx.py, opset 14) to bench/onnx/SIZE.onnx.
#
# Usage: bench/export-onnx.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "Installing Debian's python3-torch..." >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >&2
fi

dotnet build bench/BertGen.Benchmarks -c Release -v quiet -nologo >&2
mkdir -p bench/onnx
for size in seed small mini; do
  dotnet bench/BertGen.Benchmarks/bin/Release/net10.0/BertGen.Benchmarks.dll weights "$size" "bench/onnx/$size.safetensors"
  (cd bench/pytorch && /usr/bin/python3 export_onnx.py "../configs/$size.bertgen.json" "../onnx/$size.safetensors" "../onnx/$size.onnx")
done
