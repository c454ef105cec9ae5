"""What the cpu and cuda kernels are handed besides the corpus and the matrices.

Both backends run word2vec.c's scheme, so both take the same read-only tables and the same
CBOW update scale; they are built here once.
"""

from __future__ import annotations

import numpy as np

from ..textbook import sampling
from ..base.errors import ConfigError
from ..textbook.huffman import build as build_huffman


class Tables:
    """The read-only arrays a kernel call needs, in the kernels' dtypes: keep probabilities
    (float32), the alias table (float32 prob, int32 alias) for NS and the Huffman
    codes/points/lengths for HS (both for hs+ns); the unused ones are 1-element dummies."""

    def __init__(self, vocab, cfg) -> None:
        counts = vocab.counts
        self.keep = sampling.keep_probabilities(counts, cfg.sample, cfg.sample_rule).astype(np.float32)
        if cfg.loss in ("ns", "hs+ns"):
            sampler = sampling.AliasSampler.unigram(counts, cfg.ns_exponent)
            self.alias_prob = sampler.prob.astype(np.float32)
            self.alias_idx = sampler.alias.astype(np.int32)
        else:
            self.alias_prob = np.ones(1, np.float32)
            self.alias_idx = np.zeros(1, np.int32)
        if cfg.loss == "ns":
            self.codes = np.zeros((1, 1), np.uint8)
            self.points = np.zeros((1, 1), np.int32)
            self.lengths = np.zeros(1, np.int32)
        else:
            tree = build_huffman(counts)
            self.codes = np.ascontiguousarray(tree.codes, dtype=np.uint8)
            self.points = np.ascontiguousarray(tree.points, dtype=np.int32)
            self.lengths = np.ascontiguousarray(tree.lengths, dtype=np.int32)


def ctx_scale(cfg) -> float:
    """The CBOW context-row update scale the kernels take: 1 adds word2vec.c's undivided error
    to each context row; −1 tells them to divide it by the window's n (the exact gradient of the
    mean), chosen by ``cfg.extra["cbow_update"] = "exact"``."""
    mode = (cfg.extra or {}).get("cbow_update", "word2vec")
    if mode not in ("word2vec", "exact"):
        raise ConfigError(f"unknown cbow_update {mode!r}: use 'word2vec' or 'exact'")
    return -1.0 if (cfg.model == "cbow" and cfg.cbow_mean and mode == "exact") else 1.0


def corpus_arrays(ids, offsets) -> tuple[np.ndarray, np.ndarray]:
    """The corpus as the cpu kernel takes it: ``ids`` int32 and ``offsets`` int64, C-contiguous and
    read-only. A memory-mapped corpus is read-only, and Numba compiles a read-only array as a type
    of its own: handing an in-memory corpus over read-only too (a view, no copy) means one compiled
    kernel serves both."""
    return _read_only(np.ascontiguousarray(ids, dtype=np.int32)), _read_only(np.ascontiguousarray(offsets, np.int64))


def _read_only(a: np.ndarray) -> np.ndarray:
    """``a`` itself when read-only, else a read-only view of it."""
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False
    return a
