#!/usr/bin/env python3
"""Times one training step (forward, backward, Adam) of the reference model in PyTorch eager mode, at the sizes in
bench/configs (or the ones named after the seconds), and prints JSON: {size: {setting: ms_per_step}}. A figure is the
median over ten windows of the measured time, so that a burst of another process on the machine moves it less than it
would a mean.

PyTorch's own thread pool (torch.set_num_threads) and OpenBLAS's, which runs the matrix products, are set separately;
each setting is "T/B", T threads for PyTorch and B for OpenBLAS. "1/1" is PyTorch on one core; the others are what it
can do with both (two threads in both pools compete for the two cores, so the mixed settings are tried too).

The batch is built like bench/BertGen.Benchmarks/Workload.cs: the seed size uses the six default pairs' shape (the
article's corpus, vocabulary 42); the others random pairs that fill maxLen, with maxPred masks each.
"""
import ctypes
import json
import os
import statistics
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


def openblas():
    """The OpenBLAS library PyTorch loaded, or None. It keeps its own thread pool, which torch.set_num_threads does not
    touch: without openblas_set_num_threads, "one thread" runs every matrix product on all cores."""
    with open("/proc/self/maps") as maps:
        path = next((line.split()[-1] for line in maps if "libopenblas" in line), None)
    return ctypes.CDLL(path) if path else None


SETTINGS = [(1, 1), (1, 2), (2, 1), (2, 2)]


def set_threads(torch_threads, blas_threads):
    torch.set_num_threads(torch_threads)
    blas = openblas()
    if blas is None:
        sys.exit("no OpenBLAS library is loaded: its thread count cannot be set (install libopenblas0-pthread)")
    blas.openblas_set_num_threads(blas_threads)
    if blas.openblas_get_num_threads() != blas_threads:
        sys.exit(f"OpenBLAS kept {blas.openblas_get_num_threads()} threads instead of {blas_threads}")


def time_steps(c, vocab, setting, seconds):
    set_threads(*setting)
    gen = torch.Generator().manual_seed(1)
    params = init_parameters(c, vocab, gen)
    data = batch(c, vocab, gen)
    adam = torch.optim.Adam(list(params.values()), lr=1e-3)

    def step():
        adam.zero_grad(set_to_none=True)
        _, _, mlm, nsp = forward(c, params, *data)
        (mlm + nsp).backward()
        adam.step()

    # Warm-up as on BertGen's side: at least one second and three steps.
    warm, start = 0, time.perf_counter()
    while time.perf_counter() - start < 1.0 or warm < 3:
        step()
        warm += 1
    windows, start, cpu = [], time.perf_counter(), time.process_time()
    for _ in range(10):
        steps, window = 0, time.perf_counter()
        while time.perf_counter() - window < seconds / 10 or steps < 3:
            step()
            steps += 1
        windows.append((time.perf_counter() - window) * 1000 / steps)
    wall = time.perf_counter() - start
    median = statistics.median(windows)
    # CPU time over wall time: how many cores the setting really kept busy.
    print(f"  {label(setting)}: {median:.3f} ms/step (windows {min(windows):.3f}-{max(windows):.3f}), "
          f"{(time.process_time() - cpu) / wall:.2f} cores busy", file=sys.stderr)
    return median


def label(setting):
    return f"{setting[0]}/{setting[1]}"


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    sizes = sys.argv[2:] or SIZES
    results = {}
    for size in sizes:
        c = Config.load(os.path.join(HERE, "..", "configs", f"{size}.bertgen.json"))
        with open(os.path.join(HERE, "..", "configs", f"{size}.bertgen.json")) as f:
            vocab = json.load(f)["vocabSize"]
        print(f"{size}:", file=sys.stderr)
        results[size] = {label(setting): time_steps(c, vocab, setting, seconds) for setting in SETTINGS}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
