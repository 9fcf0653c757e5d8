#!/usr/bin/env python3
"""Times one training step (forward, backward, Adam) of the reference model in PyTorch eager mode, at the sizes in
bench/configs, with 1 and 2 threads, and prints JSON: {size: {threads: ms_per_step}}.

The batch is built like bench/BertGen.Benchmarks/Workload.cs: the seed size uses the six default pairs' shape (the
article's corpus, vocabulary 42); the others random pairs that fill maxLen, with maxPred masks each.
"""
import json
import os
import sys
import time

import torch

from bertgen_reference import Config, forward, init_parameters

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = ["seed", "small", "mini"]


def batch(c: Config, vocab: int, gen: torch.Generator):
    b, t, p = c.batchSize, c.maxLen, c.maxPred
    ids = torch.randint(4, vocab, (b, t), generator=gen)
    sep = t // 2
    ids[:, 0] = 1
    ids[:, sep] = 2
    ids[:, t - 1] = 2
    seg = torch.zeros(b, t, dtype=torch.int64)
    seg[:, sep + 1:] = 1
    pos = torch.tensor([[1 + m * (t - 3) // p + (1 if 1 + m * (t - 3) // p >= sep else 0) for m in range(p)]] * b)
    tok = torch.gather(ids, 1, pos)
    ids.scatter_(1, pos, 3)
    return ids, seg, pos, tok, torch.arange(b) % 2


def time_steps(c, vocab, threads, seconds):
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(1)
    params = init_parameters(c, vocab, gen)
    data = batch(c, vocab, gen)
    adam = torch.optim.Adam(list(params.values()), lr=1e-3)

    def step():
        adam.zero_grad(set_to_none=True)
        _, _, mlm, nsp = forward(c, params, *data)
        (mlm + nsp).backward()
        adam.step()

    for _ in range(3):
        step()
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds or steps < 3:
        step()
        steps += 1
    return (time.perf_counter() - start) * 1000 / steps


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    results = {}
    for size in SIZES:
        c = Config.load(os.path.join(HERE, "..", "configs", f"{size}.bertgen.json"))
        with open(os.path.join(HERE, "..", "configs", f"{size}.bertgen.json")) as f:
            vocab = json.load(f)["vocabSize"]
        results[size] = {str(threads): time_steps(c, vocab, threads, seconds) for threads in (1, 2)}
        print(f"{size}: {results[size]}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
