#!/usr/bin/env python3
"""Loads a folder written by `bertgen export` into the PyTorch reference model, by tensor name, and prints what it
predicts for a sentence pair (top words with probabilities and logits, IsNext's logits) in the format of
`bertgen predict`, so the two can be compared line by line.

Usage: /usr/bin/python3 bench/pytorch/predict_export.py EXPORT_DIR "the [MASK] chased the mouse." "it was a fast [MASK]."
Needs Debian's python3-torch.
"""
import json
import os
import sys

import torch

from bertgen_reference import Config, forward, load_safetensors, parameter_shapes

def words(text):
    kept = "".join(c for c in text.lower() if c not in ".,!?-")
    return kept.split()


def main(folder, first, second):
    with open(os.path.join(folder, "config.json")) as f:
        hf = json.load(f)
    with open(os.path.join(folder, "vocab.txt")) as f:
        vocab = [line.rstrip("\n") for line in f]
    ids_of = {w: i for i, w in enumerate(vocab)}
    tokens = ["[CLS]"] + words(first) + ["[SEP]"]
    second_start = len(tokens)
    tokens += words(second) + ["[SEP]"]
    ids = [3 if t == "[mask]" else ids_of[t] for t in tokens]
    masks = [i for i, t in enumerate(ids) if t == 3]
    c = Config(maxLen=hf["max_position_embeddings"], batchSize=1, maxPred=max(1, len(masks)), layers=hf["num_hidden_layers"],
               heads=hf["num_attention_heads"], dModel=hf["hidden_size"], dFF=hf["intermediate_size"],
               dK=hf["hidden_size"] // hf["num_attention_heads"], segments=hf["type_vocab_size"], layerNormEps=hf["layer_norm_eps"])
    weights = load_safetensors(os.path.join(folder, "model.safetensors"))
    params = {name: weights[name] for name, _ in parameter_shapes(c, len(vocab))}
    padded = ids + [0] * (c.maxLen - len(ids))
    seg = [0] * second_start + [1] * (len(ids) - second_start) + [0] * (c.maxLen - len(ids))
    pos = masks + [0] * (c.maxPred - len(masks))
    tok = [3] * len(masks) + [0] * (c.maxPred - len(masks))
    t = lambda v: torch.tensor([v], dtype=torch.int64)
    with torch.no_grad():
        logits_lm, logits_clsf, _, _ = forward(c, params, t(padded), t(seg), t(pos), t(tok), torch.tensor([0]))
    print("Input: " + " ".join(vocab[i] for i in ids))
    for m, at in enumerate(masks):
        probs = torch.softmax(logits_lm[0, m], dim=-1)
        top = torch.topk(probs, 5)
        print()
        print(f"[MASK] at position {at}:")
        for rank, (p, i) in enumerate(zip(top.values.tolist(), top.indices.tolist()), start=1):
            print(f"  {rank}. {vocab[i]:<12} {p:.4f}  (logit {logits_lm[0, m, i].item():.4f})")
    is_next = torch.softmax(logits_clsf[0], dim=-1)[1].item()
    not_next_logit, is_next_logit = logits_clsf[0].tolist()
    print()
    print(f"IsNext probability: {is_next:.4f} ({'IsNext' if is_next > 0.5 else 'NotNext'}); "
          f"logits: NotNext {not_next_logit:.4f}, IsNext {is_next_logit:.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
