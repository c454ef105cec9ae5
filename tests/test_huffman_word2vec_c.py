"""Golden test: w2v_scratch.textbook.huffman.build labels the tree exactly as word2vec.c does.

``c_create_binary_tree`` below is an independent, line-by-line Python port of word2vec.c's
``CreateBinaryTree`` (tmikolov/word2vec): a ``count`` array of 2V+1 entries whose slots
V..2V−1 start at 1e15 (so a merged node that does not exist yet never wins), cursors
``pos1 = V−1`` (leaves, walking down) and ``pos2 = V`` (merged nodes, walking up), the smaller
candidate taken with a strict ``count[pos1] < count[pos2]`` (so on a tie the *merged node* is
taken), ``binary[min2i] = 1``, codes read from the leaf up to the root and stored reversed,
``point[0] = V−2`` and ``point[i − b] = point[b] − V``.

Ties are where two correct Huffman builders differ (the code lengths may even differ), so every
count vector here has many equal counts, and ``test_the_count_vectors_discriminate_tie_breaking``
checks that flipping the tie rule of the port changes its output on them.
"""

from __future__ import annotations

import numpy as np
import pytest

from w2v_scratch.textbook.huffman import build


def c_create_binary_tree(counts, leaf_wins_ties=False):
    """word2vec.c's CreateBinaryTree. Returns per word (code list, point list), root first,
    ``codelen`` entries each (the C ``point`` array has one more entry, ``leaf − V``, that the
    training loop never reads). ``leaf_wins_ties`` flips ``<`` to ``<=`` (for the discrimination
    check only; the C code uses ``<``)."""
    vocab_size = len(counts)
    count = [0] * (vocab_size * 2 + 1)
    binary = [0] * (vocab_size * 2 + 1)
    parent_node = [0] * (vocab_size * 2 + 1)
    for a in range(vocab_size):
        count[a] = int(counts[a])
    for a in range(vocab_size, vocab_size * 2):
        count[a] = 10**15

    def less(x, y):
        return x <= y if leaf_wins_ties else x < y

    pos1 = vocab_size - 1
    pos2 = vocab_size
    for a in range(vocab_size - 1):
        # first, find the two smallest nodes 'min1, min2'
        if pos1 >= 0:
            if less(count[pos1], count[pos2]):
                min1i = pos1
                pos1 -= 1
            else:
                min1i = pos2
                pos2 += 1
        else:
            min1i = pos2
            pos2 += 1
        if pos1 >= 0:
            if less(count[pos1], count[pos2]):
                min2i = pos1
                pos1 -= 1
            else:
                min2i = pos2
                pos2 += 1
        else:
            min2i = pos2
            pos2 += 1
        count[vocab_size + a] = count[min1i] + count[min2i]
        parent_node[min1i] = vocab_size + a
        parent_node[min2i] = vocab_size + a
        binary[min2i] = 1
    # now assign the binary code to each vocabulary word
    out = []
    for a in range(vocab_size):
        b = a
        i = 0
        code, point = [], []
        while True:
            code.append(binary[b])
            point.append(b)
            i += 1
            b = parent_node[b]
            if b == vocab_size * 2 - 2:
                break
        vcode = [0] * i
        vpoint = [0] * (i + 1)
        vpoint[0] = vocab_size - 2
        for b in range(i):
            vcode[i - b - 1] = code[b]
            vpoint[i - b] = point[b] - vocab_size
        out.append((vcode, vpoint[:i]))
    return out


def _zipf_with_ties(n, seed):
    rng = np.random.default_rng(seed)
    c = np.minimum(rng.zipf(1.4, n), 500)
    return np.sort(c)[::-1]


COUNT_VECTORS = {
    "four-equal": [5, 5, 5, 5],
    "head-and-tied-tails": [10, 3, 3, 3, 1, 1, 1],
    "all-ones-7": [1] * 7,
    "all-ones-8": [1] * 8,
    "merged-equals-leaf": [4, 4, 2, 2, 2, 2, 1, 1],
    "two-words": [3, 3],
    "zipf-200": list(_zipf_with_ties(200, 0)),
    "zipf-57": list(_zipf_with_ties(57, 1)),
}


def test_port_matches_a_hand_built_tree():
    """The port itself, checked by hand on [5, 5, 5, 5] (leaves 0..3, inner nodes 4, 5, 6):
    merge 4 = (3, 2) [count 5 < 1e15, then 5 < 1e15]; merge 5: leaf 1 (5) vs node 4 (10) → leaf 1,
    then leaf 0 (5) vs node 4 (10) → leaf 0: 5 = (1, 0); merge 6 = (4, 5) → root.
    binary: 2, 0, 5 get 1. Word 3: path root(6) → 4 (code 0) → 3 (code 0), points [2, 0]."""
    got = c_create_binary_tree([5, 5, 5, 5])
    assert got == [([1, 1], [2, 1]), ([1, 0], [2, 1]), ([0, 1], [2, 0]), ([0, 0], [2, 0])]


@pytest.mark.parametrize("name", sorted(COUNT_VECTORS))
def test_codes_and_points_match_word2vec_c(name):
    counts = COUNT_VECTORS[name]
    tree = build(np.array(counts, np.int64))
    want = c_create_binary_tree(counts)
    V = len(counts)
    assert tree.codes.shape[0] == tree.points.shape[0] == len(tree.lengths) == V
    np.testing.assert_array_equal(tree.lengths, [len(c) for c, _ in want])
    for w, (code, point) in enumerate(want):
        n = tree.lengths[w]
        assert tree.codes[w, :n].tolist() == code, f"word {w}: codes"
        assert tree.points[w, :n].tolist() == point, f"word {w}: points"
        # padding (documented: 0) beyond the path
        assert not tree.codes[w, n:].any() and not tree.points[w, n:].any()
    # inner rows are 0..V−2 and the root (row V−2) heads every path
    assert set(tree.points[:, 0].tolist()) == {V - 2}


def test_the_count_vectors_discriminate_tie_breaking():
    """If huffman.py let leaves win ties (``<=``), the golden test above would catch it: the tie
    rule changes word2vec.c's labelling wherever a merged node ties with a leaf (ties between
    leaves alone, as in the all-ones vectors, never reach the comparison)."""
    differ = {name for name, c in COUNT_VECTORS.items()
              if c_create_binary_tree(c) != c_create_binary_tree(c, leaf_wins_ties=True)}
    assert {"head-and-tied-tails", "merged-equals-leaf", "zipf-200", "zipf-57"} <= differ, differ
