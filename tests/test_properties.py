"""Property tests: output distributions, the Huffman tree, the alias sampler, subsampling."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from w2v_scratch.textbook import huffman
from w2v_scratch.textbook import sampling
from w2v_scratch.textbook.losses import FullSoftmax, HierarchicalSoftmax

FAST = settings(max_examples=40, deadline=None)

# Counts as a Vocab gives them: positive, sorted descending, ties allowed (small ranges make many).
counts_strategy = st.lists(st.integers(1, 60), min_size=2, max_size=80).map(lambda c: sorted(c, reverse=True))


# ---------------------------------------------------------------------------
# Full softmax and hierarchical softmax are distributions over the vocabulary
# ---------------------------------------------------------------------------


@FAST
@given(V=st.integers(2, 200), d=st.integers(1, 16), scale=st.floats(0.01, 5.0), seed=st.integers(0, 2**32 - 1))
def test_full_softmax_sums_to_one(V, d, scale, seed):
    rng = np.random.default_rng(seed)
    h = rng.normal(0, scale, (3, d))
    W = rng.normal(0, scale, (V, d))
    p = FullSoftmax().probabilities(h, W)
    assert p.shape == (3, V) and np.all(p >= 0)
    assert np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-9)
    # and the loss is −log of that distribution
    words = rng.integers(0, V, 3)
    loss = FullSoftmax()(h, W, words).loss
    assert np.allclose(loss, -np.log(FullSoftmax().probabilities(h, W)[np.arange(3), words]), rtol=1e-9)


@FAST
@given(counts=counts_strategy, d=st.integers(1, 16), scale=st.floats(0.01, 5.0), seed=st.integers(0, 2**32 - 1))
def test_hierarchical_softmax_sums_to_one(counts, d, scale, seed):
    rng = np.random.default_rng(seed)
    V = len(counts)
    hs = HierarchicalSoftmax(huffman.build(counts))
    h = rng.normal(0, scale, (3, d))
    theta = rng.normal(0, scale, (V - 1, d))
    p = hs.probabilities(h, theta)
    assert p.shape == (3, V) and np.all(p >= 0)
    assert np.allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-9)
    # and the loss of word w is −log P(w | h)
    words = rng.integers(0, V, 3)
    loss = hs(h, theta, words).loss
    assert np.allclose(loss, -np.log(p[np.arange(3), words]), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# Huffman tree
# ---------------------------------------------------------------------------


def heap_huffman_cost(counts) -> int:
    """Optimal weighted code length Σ count·length: the sum of every merge's weight (heapq Huffman)."""
    heap = list(map(int, counts))
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


def code_strings(tree) -> list[str]:
    return ["".join(map(str, tree.codes[w, : tree.lengths[w]])) for w in range(len(tree.lengths))]


@settings(max_examples=80, deadline=None)
@given(counts=counts_strategy)
def test_huffman_tree_is_optimal_and_well_formed(counts):
    tree = huffman.build(counts)
    V = len(counts)
    lengths = tree.lengths
    codes = code_strings(tree)

    # lengths are the code lengths; padding beyond them is zero; paths start at the root
    assert [len(c) for c in codes] == lengths.tolist() and np.all(lengths >= 1)
    for w in range(V):
        assert np.all(tree.codes[w, lengths[w]:] == 0) and np.all(tree.points[w, lengths[w]:] == 0)
    assert np.all(tree.points[:, 0] == V - 2)

    # prefix-free: after sorting, a prefix would sit right before a word it prefixes
    ordered = sorted(codes)
    assert all(not b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    assert len(set(codes)) == V
    # complete (every inner node has two children): Kraft sum is exactly 1
    assert sum(2.0 ** -l for l in lengths.tolist()) == pytest.approx(1.0, abs=1e-12)

    # optimal: the weighted length equals the heap-based Huffman optimum (ties may give
    # other trees, never another cost); a strictly more frequent word is never deeper
    assert int(np.dot(counts, lengths)) == heap_huffman_cost(counts)
    c = np.asarray(counts)
    assert not np.any((c[:, None] > c[None, :]) & (lengths[:, None] > lengths[None, :]))

    # exactly V − 1 inner nodes, rows 0..V−2, each used, each one node of the tree:
    # the inner node at depth j of word w is identified by the code prefix codes[w][:j]
    node_of_prefix: dict[str, int] = {}
    for w in range(V):
        for j in range(lengths[w]):
            point = int(tree.points[w, j])
            assert node_of_prefix.setdefault(codes[w][:j], point) == point
    assert len(node_of_prefix) == V - 1 == tree.n_inner
    assert sorted(node_of_prefix.values()) == list(range(V - 1))
    # each inner node has both children (branch 0 and branch 1)
    for prefix in node_of_prefix:
        for bit in "01":
            child = prefix + bit
            assert child in node_of_prefix or child in codes


def test_huffman_two_words_and_validation():
    tree = huffman.build([5, 3])
    assert tree.lengths.tolist() == [1, 1] and sorted(tree.codes[:, 0].tolist()) == [0, 1]
    unsorted = huffman.build([1, 3, 2])  # an appended vocabulary: the sorted tree, rows moved back
    ordered = huffman.build([3, 2, 1])
    for w, s in ((0, 2), (1, 0), (2, 1)):
        assert unsorted.lengths[w] == ordered.lengths[s]
        assert unsorted.codes[w].tolist() == ordered.codes[s].tolist()
        assert unsorted.points[w].tolist() == ordered.points[s].tolist()


# ---------------------------------------------------------------------------
# Alias sampler
# ---------------------------------------------------------------------------


def alias_distribution(sampler) -> np.ndarray:
    """The distribution a table draws from, analytically: column i (probability 1/V)
    yields i with prob[i] and alias[i] with 1 − prob[i]."""
    V = len(sampler.prob)
    p = sampler.prob / V
    np.add.at(p, sampler.alias, (1 - sampler.prob) / V)
    return p


weights_strategy = st.lists(st.floats(0, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=60).filter(
    lambda w: sum(w) > 1e-3)


@FAST
@given(weights=weights_strategy)
def test_alias_table_reproduces_the_distribution(weights):
    s = sampling.AliasSampler(weights)
    target = np.asarray(weights) / np.sum(weights)
    assert np.all((s.prob >= 0) & (s.prob <= 1)) and np.all((s.alias >= 0) & (s.alias < len(weights)))
    assert np.allclose(alias_distribution(s), target, rtol=0, atol=1e-12)
    assert np.allclose(s.probabilities, target)
    zero = np.asarray(weights) == 0
    assert np.all(alias_distribution(s)[zero] == 0)  # a zero-weight word can never be drawn


@settings(max_examples=8, deadline=None)
@given(counts=counts_strategy, power=st.sampled_from([0.75, 1.0, 0.5]), seed=st.integers(0, 2**32 - 1))
def test_alias_draws_match_the_unigram_power_distribution(counts, power, seed):
    s = sampling.AliasSampler.unigram(counts, power)
    target = np.asarray(counts, float) ** power
    target /= target.sum()
    assert np.allclose(alias_distribution(s), target, atol=1e-12)
    N = 200_000
    draws = s.draw(np.random.default_rng(seed), N)
    freq = np.bincount(draws, minlength=len(counts)) / N
    sigma = np.sqrt(target * (1 - target) / N)
    assert np.all(np.abs(freq - target) <= 6 * sigma + 1e-9)


def test_alias_rejects_bad_weights():
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            sampling.AliasSampler(bad)


# ---------------------------------------------------------------------------
# Subsampling
# ---------------------------------------------------------------------------


@FAST
@given(counts=counts_strategy, t=st.floats(1e-5, 0.5))
def test_keep_probability_relations(counts, t):
    c = np.asarray(counts, dtype=np.float64)
    f = c / c.sum()
    w2v = sampling.keep_probabilities(counts, t, "word2vec")
    book = sampling.keep_probabilities(counts, t, "textbook")
    # (hand-computed values: tests/test_sampling.py) Relations between outputs, not the formulas:
    # only frequencies matter; 4× the threshold doubles every textbook probability below 1
    # (a square root); the word2vec rule adds (textbook)² = t/f to the textbook's, then clips.
    assert np.allclose(sampling.keep_probabilities(3 * c, t, "word2vec"), w2v, rtol=1e-12)
    assert np.allclose(sampling.keep_probabilities(c, 4 * t, "textbook"), np.minimum(1.0, 2 * book), rtol=1e-12)
    assert np.allclose(w2v, np.minimum(1.0, book + book ** 2), rtol=1e-12)
    for p in (w2v, book):
        assert np.all((p > 0) & (p <= 1))
        assert np.all(np.diff(p) >= -1e-15)  # counts descend, so keep probabilities ascend
    # word2vec.c keeps every word of frequency f <= t·(3+√5)/2 (sqrt(x)+x = 1 at x = t/f = (3−√5)/2)
    golden = t * (3 + 5 ** 0.5) / 2
    assert np.all(w2v[f < golden * (1 - 1e-9)] == 1.0)
    assert np.all(w2v[f > golden * (1 + 1e-9)] < 1.0)
    assert np.all(book[f <= t] == 1.0) and np.all(book[f > t * (1 + 1e-9)] < 1.0)
    # the word2vec rule keeps at least as much as the textbook's at the same t
    assert np.all(w2v >= book)


def test_keep_probability_edge_cases():
    assert np.all(sampling.keep_probabilities([10, 5, 1], 0) == 1.0)
    assert np.all(sampling.keep_probabilities([10, 5, 1], -1.0) == 1.0)
    with pytest.raises(ValueError):
        sampling.keep_probabilities([10, 5], 1e-3, "nope")


def test_subsample_keeps_words_at_their_keep_probability():
    rng = np.random.default_rng(0)
    counts = np.array([40_000, 10_000, 1_000, 100])
    ids = np.repeat(np.arange(4), counts)
    rng.shuffle(ids)
    keep = sampling.keep_probabilities(counts, 1e-2, "word2vec")
    kept, offsets = sampling.subsample(ids.astype(np.int32), np.array([0, len(ids)]), keep, rng)
    got = np.bincount(kept, minlength=4)
    assert np.all(np.abs(got - counts * keep) <= 6 * np.sqrt(counts * keep * (1 - keep)) + 1e-9)
    assert offsets.tolist() == [0, len(kept)]
