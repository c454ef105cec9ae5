import numpy as np
import pytest

from w2v_scratch import sampling
from w2v_scratch.errors import ConfigError


def test_keep_probability_rules():
    counts = np.array([1000, 100, 10, 1])
    f = counts / counts.sum()
    t = 1e-2
    np.testing.assert_allclose(sampling.keep_probabilities(counts, t, "textbook"), np.minimum(1, np.sqrt(t / f)))
    np.testing.assert_allclose(sampling.keep_probabilities(counts, t, "word2vec"),
                               np.minimum(1, (np.sqrt(f / t) + 1) * t / f))
    assert np.all(sampling.keep_probabilities(counts, 0) == 1)
    with pytest.raises(ConfigError):
        sampling.keep_probabilities(counts, t, "nope")


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
    counts = np.array([50, 20, 10, 5, 1])
    s = sampling.AliasSampler.unigram(counts, 0.75)
    p = counts ** 0.75 / (counts ** 0.75).sum()
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
