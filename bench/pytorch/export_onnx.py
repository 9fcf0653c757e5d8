#!/usr/bin/env python3
"""Exports the reference model (bertgen_reference.logits) with a BertGen checkpoint's weights to ONNX, for the ONNX
Runtime benchmark (bench/BertGen.Benchmarks/OnnxBenchmarks.cs).

Inputs: input_ids, segment_ids [batch, maxLen] and masked_positions [batch, maxPred], int64, the batch dimension free;
outputs: logits_lm [batch, maxPred, vocab] and logits_clsf [batch, 2]. The weights are the graph's initializers.

Usage: /usr/bin/python3 bench/pytorch/export_onnx.py CONFIG.bertgen.json CHECKPOINT.safetensors OUT.onnx
Needs Debian's python3-torch only (torch.onnx.export at opset 14).
"""
import sys

import torch

from bertgen_reference import Config, load_safetensors, logits, parameter_shapes


class Logits(torch.nn.Module):
    def __init__(self, c, params):
        super().__init__()
        self.c = c
        self.params = params

    def forward(self, ids, seg, masked_pos):
        return logits(self.c, self.params, ids, seg, masked_pos)


def main(config_path, checkpoint, out):
    c = Config.load(config_path)
    weights = load_safetensors(checkpoint)
    vocab = weights["bert.embeddings.word_embeddings.weight"].shape[0]
    params = {name: weights[name] for name, _ in parameter_shapes(c, vocab)}
    ids = torch.ones(2, c.maxLen, dtype=torch.int64)
    seg = torch.zeros(2, c.maxLen, dtype=torch.int64)
    pos = torch.ones(2, c.maxPred, dtype=torch.int64)
    batch = {0: "batch"}
    with torch.no_grad():
        torch.onnx.export(Logits(c, params), (ids, seg, pos), out, opset_version=14,
                          input_names=["input_ids", "segment_ids", "masked_positions"], output_names=["logits_lm", "logits_clsf"],
                          dynamic_axes={"input_ids": batch, "segment_ids": batch, "masked_positions": batch, "logits_lm": batch, "logits_clsf": batch})
    print(f"{out}: {c.name}, vocabulary {vocab}, {sum(p.numel() for p in params.values())} weights")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
