"""Paired in-process timing of ``kernels/cpu.py``'s ``train_chunk``: another version of that file
(say HEAD's, from a git worktree) against this checkout's, on the same arrays.

Whole-process runs (``bench_cpu.py --tools ours ours@PATH``) of a few seconds move by tens of percent
on a shared machine; this times the kernel alone: the first 1M words of text8.prefix (words counted
at least 5 times), d = 100, window 5, negative 5 (NS variants; HS alone for ``-hs``), sample 1e-3
(word2vec.c's rule), the loss measured as in training, skip-gram in the trainer's default scheme (the
window step, NS with shared noise), one thread, one call per timing over the whole chunk, the two
versions' calls interleaved with their order alternating. Prints per variant the median (min–max) of
the paired ratios before / after (above 1: this checkout's kernel is faster). Both versions compile
into one fresh Numba cache folder made for the run (``NUMBA_CACHE_DIR``, unless it is already set),
not the checkout's cache.

    python benchmarks/bench_kernel_pair.py /tmp/w2v-before/kernels/cpu.py 15 sg-ns sg-hs cbow-ns cbow-hs
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("W2V_DATA") or os.path.join(ROOT, "..", "shared", "data")
VARIANTS = {"sg-ns": (True, False), "sg-hs": (True, True), "cbow-ns": (False, False), "cbow-hs": (False, True)}


def load(path: str, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def corpus(words: int = 1_000_000):
    """(ids int32, sentence offsets of 1000 words, counts) of text8.prefix's first ``words`` words."""
    import numpy as np

    with gzip.open(os.path.join(DATA, "text8.prefix.gz"), "rt", encoding="utf-8") as f:
        tokens = f.read().split()[:words]
    _, inverse, counts = np.unique(tokens, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ids, counts = rank[inverse], counts[order]
    V = int((counts >= 5).sum())
    ids = ids[ids < V].astype(np.int32)
    offsets = np.arange(0, len(ids) + 1, 1000, dtype=np.int64)
    offsets[-1] = len(ids)
    return ids, offsets, counts[:V]


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="kernel-pair-"))
    import numpy as np

    sys.path.insert(0, ROOT)
    from w2v_scratch.textbook import sampling
    from w2v_scratch.textbook.huffman import build

    before = load(argv[0], "cpu_before")
    after = load(os.path.join(ROOT, "kernels", "cpu.py"), "cpu_after")
    pairs = int(argv[1]) if len(argv) > 1 else 7
    names = argv[2:] or list(VARIANTS)
    ids, offsets, counts = corpus()
    V, d = len(counts), 100
    keep = sampling.keep_probabilities(counts, 1e-3, "word2vec").astype(np.float32)
    alias, tree = sampling.AliasSampler.unigram(counts, 0.75), build(counts)

    def run(mod, sg: bool, hs: bool) -> float:
        rng = np.random.default_rng(0)
        w_in = (rng.random((V, d), dtype=np.float32) - np.float32(0.5)) / np.float32(d)
        w_out = np.zeros((V - 1 if hs else V, d), np.float32)
        if hs:
            tabs = (np.ones(1, np.float32), np.zeros(1, np.int32), tree.codes.astype(np.uint8),
                    tree.points.astype(np.int32), tree.lengths.astype(np.int32))
        else:
            tabs = (alias.prob.astype(np.float32), alias.alias.astype(np.int32), np.zeros((1, 1), np.uint8),
                    np.zeros((1, 1), np.int32), np.zeros(1, np.int32))
        lr = np.float32(0.025 if sg else 0.05)
        t0 = time.perf_counter()
        mod.train_chunk(ids, offsets, 0, len(offsets) - 1, w_in.reshape(-1), w_out.reshape(-1), d, keep, *tabs, sg, hs,
                        5, 5, True, np.float32(1.0), lr, lr * np.float32(1e-4), len(ids), np.zeros(8, np.int64), 0,
                        np.array([1], np.uint64), np.zeros(8), True, sg and not hs, sg)
        return time.perf_counter() - t0

    for name in names:
        sg, hs = VARIANTS[name]
        run(before, sg, hs), run(after, sg, hs)  # compile
        ratios = []
        for r in range(pairs):
            order = (before, after) if r % 2 == 0 else (after, before)
            t = {id(mod): run(mod, sg, hs) for mod in order}
            ratios.append(t[id(before)] / t[id(after)])
        print(f"{name}: before/after {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}), "
              f"{pairs} pairs", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
