"""The Huffman tree of hierarchical softmax.

Built in O(V) from counts sorted in descending order with two cursors: one
walks the leaves from the rarest word up, the other the merged (inner) nodes,
which are created in non-decreasing order of weight, so the two smallest
available nodes are always at one of the two cursors.

Nodes ``0..V-1`` are the words; inner node ``n`` (``n >= V``) is stored as row
``n - V`` of the inner-node matrix, so there are exactly ``V - 1`` inner
vectors and the root is row ``V - 2`` (for V ≥ 2; a single word gets one root,
row 0, with the word on branch 0). Each word gets

* ``points[w, :lengths[w]]``: the inner-node rows on its path, root first;
* ``codes[w, :lengths[w]]``: the branch taken at each of them (0 or 1; the
  second smallest of each merge is branch 1, as in word2vec.c).

P(w | h) = ∏_j σ((1 − 2·codes[w, j]) · θ_{points[w, j]} · h).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class HuffmanTree:
    codes: np.ndarray    # (V, max_len) uint8, padded with 0
    points: np.ndarray   # (V, max_len) int32, padded with 0
    lengths: np.ndarray  # (V,) int32

    @property
    def n_inner(self) -> int:
        return len(self.lengths) - 1


def build(counts) -> HuffmanTree:
    """Huffman tree of words with the given counts. Sorted descending (as a Vocab's are, until
    ``build_vocab(update=True)`` appends new words), the tree is word2vec.c's; in any other order
    it is the tree of the counts sorted descending (ties in their given order), each word's row
    of codes/points moved back to the word's own position."""
    counts = np.asarray(counts, dtype=np.int64)
    V = len(counts)
    if V < 2:
        # One word: a single inner node (the root) with the word on branch 0.
        return HuffmanTree(np.zeros((V, 1), np.uint8), np.zeros((V, 1), np.int32), np.ones(V, np.int32))
    if np.any(counts[:-1] < counts[1:]):
        order = np.argsort(-counts, kind="stable")
        tree = build(counts[order])
        codes, points, lengths = (np.empty_like(a) for a in (tree.codes, tree.points, tree.lengths))
        codes[order], points[order], lengths[order] = tree.codes, tree.points, tree.lengths
        return HuffmanTree(codes, points, lengths)
    weight = np.empty(2 * V - 1, dtype=np.int64)
    weight[:V] = counts
    parent = np.zeros(2 * V - 1, dtype=np.int64)
    branch = np.zeros(2 * V - 1, dtype=np.uint8)
    leaf, inner = V - 1, V  # leaf cursor walks down from the rarest word; inner cursor up

    def smallest(next_new: int) -> int:
        nonlocal leaf, inner
        if leaf >= 0 and (inner >= next_new or weight[leaf] < weight[inner]):
            leaf -= 1
            return leaf + 1
        inner += 1
        return inner - 1

    for k in range(V - 1):
        new = V + k
        a = smallest(new)
        b = smallest(new)
        weight[new] = weight[a] + weight[b]
        parent[a] = parent[b] = new
        branch[b] = 1
    root = 2 * V - 2
    # Depth of every node, computed top-down (parents have larger indices than children).
    depth = np.zeros(2 * V - 1, dtype=np.int64)
    for n in range(root - 1, -1, -1):
        depth[n] = depth[parent[n]] + 1
    lengths = depth[:V].astype(np.int32)
    max_len = int(lengths.max())
    codes = np.zeros((V, max_len), dtype=np.uint8)
    points = np.zeros((V, max_len), dtype=np.int32)
    for w in range(V):
        n, j = w, lengths[w] - 1
        while n != root:  # walk up, filling the path from its end (root first)
            codes[w, j] = branch[n]
            points[w, j] = parent[n] - V
            n, j = parent[n], j - 1
    return HuffmanTree(codes, points, lengths)
