import numpy as np
import pytest

from w2v_scratch.textbook import sampling
from w2v_scratch.base.errors import ConfigError


# Frequencies chosen so that every keep probability is a fraction worked out by hand.
# counts 8100, 1600, 200, 100 of a 10,000-token corpus: f = 0.81, 0.16, 0.02, 0.01; t = 0.01, so
# t/f = 1/81, 1/16, 1/2, 1.
#   textbook  sqrt(t/f):        1/9, 1/4, sqrt(1/2) = 0.70710678…, 1
#   word2vec  (sqrt(f/t)+1)·t/f: (9+1)/81 = 10/81, (4+1)/16 = 5/16, (sqrt 2 + 1)/2 = 1.2071… → 1, (1+1)·1 = 2 → 1
HAND_COUNTS = [8100, 1600, 200, 100]
HAND_TEXTBOOK = [1 / 9, 1 / 4, 0.7071067811865476, 1.0]
HAND_WORD2VEC = [10 / 81, 5 / 16, 1.0, 1.0]
# counts 6400, 2500, 900, 100, 100: f = 0.64, 0.25, 0.09, 0.01, 0.01; t = 0.01:
#   textbook  0.1/0.8 = 0.125, 0.1/0.5 = 0.2, 0.1/0.3 = 1/3, 1, 1
#   word2vec  (8+1)/64 = 0.140625, (5+1)/25 = 0.24, (3+1)/9 = 4/9, 1, 1
HAND_COUNTS_2 = [6400, 2500, 900, 100, 100]
HAND_TEXTBOOK_2 = [0.125, 0.2, 1 / 3, 1.0, 1.0]
HAND_WORD2VEC_2 = [0.140625, 0.24, 4 / 9, 1.0, 1.0]


@pytest.mark.parametrize("counts, textbook, word2vec", [
    (HAND_COUNTS, HAND_TEXTBOOK, HAND_WORD2VEC),
    (HAND_COUNTS_2, HAND_TEXTBOOK_2, HAND_WORD2VEC_2),
])
def test_keep_probabilities_hand_computed(counts, textbook, word2vec):
    np.testing.assert_allclose(sampling.keep_probabilities(counts, 0.01, "textbook"), textbook, rtol=1e-12)
    np.testing.assert_allclose(sampling.keep_probabilities(counts, 0.01, "word2vec"), word2vec, rtol=1e-12)
    # the default rule is word2vec.c's, and only frequencies matter (10× the counts: same f)
    np.testing.assert_allclose(sampling.keep_probabilities(counts, 0.01), word2vec, rtol=1e-12)
    np.testing.assert_allclose(sampling.keep_probabilities(np.multiply(counts, 10), 0.01, "textbook"), textbook,
                               rtol=1e-12)


def test_keep_probabilities_properties():
    counts = 1_000_000 // np.arange(1, 301)  # Zipf-like, descending: f from 0.16 down to 5e-4
    f = counts / counts.sum()
    for rule in ("word2vec", "textbook"):
        for t in (1e-5, 1e-3, 1e-2):
            p = sampling.keep_probabilities(counts, t, rule)
            assert np.all((p > 0) & (p <= 1))
            assert np.all(np.diff(p) >= 0)        # counts descend: never keeps a frequent word more
            assert np.all(p[f <= t] == 1.0)       # a word no more frequent than t is always kept
            assert np.any(p < 1.0)                # and the most frequent ones are not
        for t in (0, 0.0, -1e-3):                 # t <= 0 keeps everything
            assert np.all(sampling.keep_probabilities(counts, t, rule) == 1.0)
    with pytest.raises(ValueError):
        sampling.keep_probabilities(counts, 1e-3, "nope")


def test_subsample_keeps_each_word_at_its_hand_computed_rate():
    """Empirical keep rate over 500,000 tokens: within 6 standard deviations of the hand values."""
    rng = np.random.default_rng(1)
    n = np.array(HAND_COUNTS) * 50
    ids = rng.permutation(np.repeat(np.arange(4), n)).astype(np.int32)
    for rule, want in (("textbook", HAND_TEXTBOOK), ("word2vec", HAND_WORD2VEC)):
        keep = sampling.keep_probabilities(HAND_COUNTS, 0.01, rule)
        kept, _ = sampling.subsample(ids, np.array([0, len(ids)]), keep, rng)
        rate = np.bincount(kept, minlength=4) / n
        want = np.array(want)
        assert np.all(np.abs(rate - want) <= 6 * np.sqrt(want * (1 - want) / n) + 1e-12), (rule, rate)


def test_subsample_keeps_sentence_boundaries():
    rng = np.random.default_rng(0)
    ids = np.array([0, 1, 0, 2, 0, 0, 3], dtype=np.int32)
    offsets = np.array([0, 3, 7])
    keep = np.array([0.0, 1.0, 1.0, 1.0])  # drop every 0
    new_ids, new_offsets = sampling.subsample(ids, offsets, keep, rng)
    assert new_ids.tolist() == [1, 2, 3]
    assert new_offsets.tolist() == [0, 1, 3]


def test_windows_stay_in_sentence_and_radius_is_random():
    rng = np.random.default_rng(0)
    ids = np.arange(30, dtype=np.int32)
    offsets = np.array([0, 10, 11, 30])  # sentence 1 is a single word: no context, dropped
    centers, contexts, mask = sampling.centers_and_contexts(ids, offsets, 3, rng)
    assert 10 not in centers.tolist()
    sent = np.searchsorted(offsets, np.arange(30), side="right") - 1
    radii = []
    for c, ctx, m in zip(centers, contexts, mask):
        got = ctx[m]
        assert len(got) > 0 and c not in got
        assert np.all(sent[got] == sent[c]) and np.all(np.abs(got - c) <= 3)
        radii.append(np.abs(got - c).max())
    assert set(radii) == {1, 2, 3}


def test_alias_sampler_distribution():
    # counts^0.75 by hand: 625 = 5⁴ → 5³ = 125, 256 = 4⁴ → 64, 81 = 3⁴ → 27, 16 = 2⁴ → 8, 1 → 1; sum 225
    counts = np.array([625, 256, 81, 16, 1])
    s = sampling.AliasSampler.unigram(counts, 0.75)
    p = np.array([125, 64, 27, 8, 1]) / 225
    # The table represents p exactly: column i gives i w.p. prob[i], alias[i] otherwise.
    V = len(p)
    rebuilt = np.zeros(V)
    for i in range(V):
        rebuilt[i] += s.prob[i] / V
        rebuilt[s.alias[i]] += (1 - s.prob[i]) / V
    np.testing.assert_allclose(rebuilt, p, atol=1e-12)
    draws = s.draw(np.random.default_rng(1), 200_000)
    np.testing.assert_allclose(np.bincount(draws, minlength=V) / len(draws), p, atol=0.005)


def test_textbook_batches_shapes_masks_labels_and_no_positive_noise():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 20, 200).astype(np.int32)
    offsets = np.array([0, 50, 120, 200])
    centers, contexts, cmask = sampling.centers_and_contexts(ids, offsets, 2, rng)
    sampler = sampling.AliasSampler.unigram(np.arange(20, 0, -1))
    K = 3
    rows = 0
    for b in sampling.textbook_batches(centers, contexts, cmask, sampler, K, 16, rng, shuffle=False):
        B, L = b.contexts_and_negatives.shape
        assert b.center.shape == (B, 1) and b.mask.shape == b.label.shape == (B, L)
        for i in range(B):
            c = cmask[rows + i]
            n_ctx = int(c.sum())
            m, lab, row = b.mask[i], b.label[i], b.contexts_and_negatives[i]
            assert m.sum() == n_ctx * (1 + K)                      # contexts + K noise per context
            assert np.all(m[: n_ctx * (1 + K)] == 1) and np.all(m[n_ctx * (1 + K):] == 0)  # padding last
            assert np.all(lab[:n_ctx] == 1) and lab.sum() == n_ctx  # contexts first, labelled 1
            assert row[:n_ctx].tolist() == contexts[rows + i][c].tolist()
            assert not set(row[n_ctx : n_ctx * (1 + K)].tolist()) & set(row[:n_ctx].tolist())
            assert b.center[i, 0] == centers[rows + i]
        assert L == int(b.mask.sum(axis=1).max())
        rows += B
    assert rows == len(centers)
