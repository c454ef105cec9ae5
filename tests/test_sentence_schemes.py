"""A whole sentence through the cpu training kernel, against the NumPy reference.

The one-step tests (test_kernels_cpu.py) check one pair. Here ``kernels.cpu.train_chunk`` trains a
short sentence of skip-gram NS pairs, and the test replays it independently: word2vec.c's random
stream (its LCG, emulated with Python integers) gives each position's window radius and noise ids,
and the reference's own loss and gradient (``reference.loss_and_grads`` with ``SkipGram`` and
``NegativeSampling``) gives each update, in float64. Both noise schemes are checked:

* word2vec.c's (``shared_noise=False``): every (context, center) pair draws its own K noise ids;
* HogBatch's (``shared_noise=True``, docs/math.md section 11): the K ids are drawn once per window
  and every pair of the window uses them. Each pair's update is still the exact gradient of that
  pair's loss; only the sampling differs.

And the window scheme (``window_batch=True``, section 11, the cpu default for skip-gram): all the
pairs of a window share their targets (NS: the center word and the window's K noise ids; HS: the
center word's Huffman path), and the window takes *one* step — the reference's SGD step on the
minibatch of its pairs (their summed loss), checked one window at a time and over a sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

import numba

from w2v_scratch.textbook.huffman import build as build_huffman
from w2v_scratch.kernels import cpu
from w2v_scratch.textbook.losses import HierarchicalSoftmax, NegativeSampling
from w2v_scratch.textbook.models import SkipGram
from w2v_scratch.textbook.optim import SGD
from w2v_scratch.textbook.reference import Step, loss_and_grads
from w2v_scratch.textbook import window
from w2v_scratch.textbook.sampling import AliasSampler
from w2v_scratch.training.kernel_inputs import corpus_arrays

V, D, WINDOW, K, ALPHA = 40, 8, 3, 4, 0.05
MASK = (1 << 64) - 1


class LCG:
    """word2vec.c's generator, next = next · 25214903917 + 11 (mod 2^64), and the kernel's two
    ways of reading it (``rand_below``, ``rand_unit``)."""

    def __init__(self, seed: int) -> None:
        self.state = seed

    def next(self) -> int:
        self.state = (self.state * int(cpu.LCG_MUL) + int(cpu.LCG_ADD)) & MASK
        return self.state

    def below(self, n: int) -> int:
        return ((self.next() >> 32) * n) >> 32

    def unit(self) -> float:
        return np.float32(self.next() >> 40) * np.float32(1.0 / 16777216.0)

    def noise(self, prob, alias) -> int:
        col = self.below(len(prob))
        return col if self.unit() < prob[col] else int(alias[col])


def replay_draws(n: int, lcg: LCG, prob, alias, shared: bool):
    """Each position's window [lo, hi) and noise ids: one list of K ids per window when ``shared``,
    else one per pair, in the order the pairs train."""
    plan = []
    for i in range(n):
        R = WINDOW - lcg.below(WINDOW)
        lo, hi = max(i - R, 0), min(i + R + 1, n)
        pairs = hi - lo - 1
        draws = (K if pairs > 0 else 0) if shared else pairs * K
        ids = [lcg.noise(prob, alias) for _ in range(draws)]
        plan.append((lo, hi, ids))
    return plan


def reference_pair(center, output, inp, word, noise):
    """One skip-gram NS pair: the reference's gradient of the pair's loss (targets ``word`` and the
    noise ids, a noise id equal to ``word`` left out, as the kernel skips it), one SGD step on the
    input row and the target rows (a row drawn twice gets both terms)."""
    targets = [word] + [t for t in noise if t != word]
    labels = [1.0] + [0.0] * (len(targets) - 1)
    step = Step(np.array([inp]), (np.array([targets]), np.array([labels]), np.ones((1, len(targets)))), 1)
    _, grads = loss_and_grads(SkipGram(), NegativeSampling(normalize=False), center, output, step)
    sgd = SGD(ALPHA)
    sgd.step("center", center, *grads["w_in"])
    sgd.step("output", output, *grads["w_out"])


def reference_sentence(center, output, sentence, plan, shared: bool):
    for i, (lo, hi, ids) in enumerate(plan):
        q = 0
        for j in range(lo, hi):
            if j == i:
                continue
            noise = ids if shared else ids[q:q + K]
            reference_pair(center, output, sentence[j], sentence[i], noise)
            q += K


@pytest.mark.parametrize("shared", [False, True], ids=["word2vec.c", "shared-noise"])
def test_a_sentence_matches_the_reference_draw_for_draw(shared):
    rng = np.random.default_rng(3)
    sentence = rng.integers(0, V, size=11)
    counts = np.sort(rng.integers(1, 200, size=V))[::-1]
    sampler = AliasSampler.unigram(counts)
    prob, alias = sampler.prob.astype(np.float32), sampler.alias.astype(np.int32)
    center = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
    output = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
    seed = 12345

    c_k, o_k = center.copy(), output.copy()
    state = np.array([seed], np.uint64)
    cpu.train_chunk(*corpus_arrays(sentence, [0, len(sentence)]), 0, 1, c_k.reshape(-1),
                    o_k.reshape(-1), c_k.shape[1], np.ones(V, np.float32), prob, alias, np.zeros((1, 1), np.uint8),
                    np.zeros((1, 1), np.int32), np.zeros(1, np.int32), True, False, WINDOW, K, True, np.float32(0.0),
                    np.float32(ALPHA), np.float32(ALPHA), 10**9, np.zeros(cpu.SLOT, np.int64), 0, state,
                    np.zeros(cpu.N_STATS), False, shared, False)

    lcg = LCG(seed)
    plan = replay_draws(len(sentence), lcg, prob, alias, shared)
    assert int(state[0]) == lcg.state  # the kernel made exactly the draws replayed, no more
    per_window = [len(ids) for _, _, ids in plan]
    pairs = [hi - lo - 1 for lo, hi, _ in plan]
    assert per_window == ([K] * len(plan) if shared else [p * K for p in pairs])

    c_r, o_r = center.astype(np.float64), output.astype(np.float64)
    reference_sentence(c_r, o_r, sentence, plan, shared)
    assert np.abs(c_r - center).max() > 1e-3  # the sentence moved the vectors
    np.testing.assert_allclose(c_k, c_r, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(o_k, o_r, rtol=1e-4, atol=2e-5)


def test_shared_noise_draws_k_ids_per_window_not_per_pair():
    """The saving the scheme buys: K draws per window instead of K per pair (2R pairs)."""
    n = 200
    sampler = AliasSampler.unigram(np.arange(V, 0, -1))
    exact = replay_draws(n, LCG(7), sampler.prob, sampler.alias, shared=False)
    shared = replay_draws(n, LCG(7), sampler.prob, sampler.alias, shared=True)
    n_exact = sum(len(ids) for *_, ids in exact)
    n_shared = sum(len(ids) for *_, ids in shared)
    assert n_shared == K * n
    assert n_exact > 3 * n_shared  # a mean radius of (WINDOW + 1) / 2 = 2: about 4 pairs per window


# -- the option: TrainConfig.shared_noise / --shared-noise ------------------------------------------------------------
def test_shared_noise_reaches_the_kernel_and_is_reproducible(topic_corpus):
    """``shared_noise=True`` (pair by pair) trains the shared scheme (other vectors than word2vec.c's, the
    same with the same seed and one thread); both schemes learn the topics."""
    from w2v_scratch import Word2Vec

    def fit(shared):
        return Word2Vec(backend="cpu", dim=16, epochs=3, min_count=1, window=3, negative=4, threads=1, seed=5,
                        shared_noise=shared, window_batch=False).fit(topic_corpus, progress=False, log=lambda m: None)

    exact, shared, again = fit(False), fit(True), fit(True)
    assert not np.array_equal(exact.center, shared.center)
    assert np.array_equal(shared.center, again.center)
    assert shared.history[-1]["eval_loss"] < shared.history[0]["eval_loss"]


@pytest.mark.parametrize("settings,needle", [
    (dict(backend="cpu", model="cbow", shared_noise=True), "for skip-gram with negative sampling"),
    (dict(backend="cpu", loss="hs", shared_noise=True), "for skip-gram with negative sampling"),
    (dict(backend="reference", shared_noise=True), "reference trainer draws noise per pair"),
    (dict(backend="cuda", shared_noise=False), "always shares"),
    (dict(backend="cpu", shared_noise="yes"), "True or False"),
])
def test_shared_noise_is_refused_where_it_means_nothing(settings, needle):
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.base.errors import ConfigError

    with pytest.raises(ConfigError, match=needle):
        TrainConfig(**settings).validate()


# -- the window scheme: window_batch -----------------------------------------------------------------------------------
COUNTS = np.sort(np.random.default_rng(0).integers(1, 200, size=V))[::-1]


@numba.njit
def _one_window(w_in, w_out, sentence, i, hs, noise, points, codes, lengths, alpha):
    """kernels.cpu.sg_window on the window sentence[:] around position i (inline functions are callable
    from njit code only), its scratch from the kernel's own window_scratch."""
    d = w_in.shape[1]
    scratch = cpu.window_scratch(len(sentence) - 1, max(points.shape[1], len(noise) + 1), d)
    return cpu.sg_window(w_in.reshape(-1), w_out.reshape(-1), d, sentence, 0, len(sentence), i, hs, len(noise), noise,
                         0, points, codes, lengths, np.float32(alpha), scratch, True)


def reference_window(w_in, w_out, contexts, word, hs, noise, tree):
    """The window step's NumPy reference (``textbook.window.window_step``): every context predicts
    ``word`` (HS its path; NS ``word`` and the shared ``noise``, an id equal to ``word`` left out), one
    SGD step on their summed loss with word2vec.c's departures (HS skips |f| ≥ 6, NS clips σ).
    Returns the summed loss. ``tests/test_window_reference.py`` holds that function against the
    reference minibatch step of the six pairs' units, and gradcheck against finite differences."""
    targets, labels = window.window_targets(word, tree=tree) if hs else window.window_targets(word, noise=noise)
    return window.window_step(w_in, w_out, np.asarray(contexts), targets, labels, ALPHA,
                              departure="skip" if hs else "clip")


def hs_tables(hs):
    tree = build_huffman(COUNTS)
    if hs:
        return tree, tree.points.astype(np.int32), tree.codes.astype(np.uint8), tree.lengths.astype(np.int32)
    return tree, np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8), np.zeros(1, np.int32)


@pytest.mark.parametrize("hs", [False, True], ids=["ns", "hs"])
@pytest.mark.parametrize("contexts", [[7], [7, 2], [7, 2, 9], [3, 1, 4, 4, 8, 0], [3, 1, 4, 4, 8, 0, 12]],
                         ids=["m1", "m2", "m3", "m6-repeat", "m7-repeat"])
def test_one_window_is_the_reference_step_on_its_pairs(hs, contexts):
    """1, 2, 3, 6 and 7 contexts (the kernel sums four, then two, then one row per pass; a context
    word twice gets both updates); NS noise with an id twice and one equal to the center word."""
    word = 5
    noise = np.array([1, 7, 5, 7, 11], np.int64)
    tree, points, codes, lengths = hs_tables(hs)
    rng = np.random.default_rng(len(contexts))
    center = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
    output = (rng.standard_normal((V - 1 if hs else V, D)) * 0.3).astype(np.float32)
    half = len(contexts) // 2
    sentence = np.array(contexts[:half] + [word] + contexts[half:], np.int64)

    c_k, o_k = center.copy(), output.copy()
    loss_k, pairs = _one_window(c_k, o_k, sentence, half, hs, np.zeros(0, np.int64) if hs else noise, points, codes,
                                lengths, ALPHA)
    c_r, o_r = center.astype(np.float64), output.astype(np.float64)
    loss_r = reference_window(c_r, o_r, contexts, word, hs, noise, tree)
    assert pairs == len(contexts)
    assert np.abs(c_r - center).max() > 1e-3
    np.testing.assert_allclose(c_k, c_r, rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(o_k, o_r, rtol=1e-4, atol=2e-6)
    assert loss_k == pytest.approx(loss_r, rel=1e-5)


def test_the_window_step_is_not_word2vec_cs_pair_by_pair_step():
    """The two schemes differ (so the test above could fail): pair by pair, the second pair sees the
    targets the first moved."""
    tree, points, codes, lengths = hs_tables(True)
    rng = np.random.default_rng(1)
    center = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
    output = (rng.standard_normal((V - 1, D)) * 0.3).astype(np.float32)
    c_w, o_w = center.astype(np.float64), output.astype(np.float64)
    reference_window(c_w, o_w, [3, 8], 5, True, [], tree)
    c_p, o_p = center.astype(np.float64), output.astype(np.float64)
    for ctx in (3, 8):
        reference_window(c_p, o_p, [ctx], 5, True, [], tree)
    assert np.abs(c_w - c_p).max() > 1e-4


@pytest.mark.parametrize("hs", [False, True], ids=["ns", "hs"])
def test_a_sentence_in_windows_matches_the_reference_draw_for_draw(hs):
    """train_chunk with window_batch: each position's radius (and NS its K noise ids, drawn once per
    window), then one reference minibatch step per window."""
    rng = np.random.default_rng(4)
    sentence = rng.integers(0, V, size=12)
    tree, points, codes, lengths = hs_tables(hs)
    sampler = AliasSampler.unigram(COUNTS)
    prob, alias = sampler.prob.astype(np.float32), sampler.alias.astype(np.int32)
    center = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
    output = (rng.standard_normal((V - 1 if hs else V, D)) * 0.3).astype(np.float32)
    seed = 777

    c_k, o_k = center.copy(), output.copy()
    state = np.array([seed], np.uint64)
    stats = np.zeros(cpu.N_STATS)
    cpu.train_chunk(*corpus_arrays(sentence, [0, len(sentence)]), 0, 1, c_k.reshape(-1),
                    o_k.reshape(-1), c_k.shape[1], np.ones(V, np.float32), prob, alias, codes, points, lengths, True,
                    hs, WINDOW, K, True, np.float32(0.0), np.float32(ALPHA), np.float32(ALPHA), 10**9,
                    np.zeros(cpu.SLOT, np.int64), 0, state, stats, False, not hs, True)

    lcg = LCG(seed)
    if hs:  # HS draws only the radii
        plan = []
        for i in range(len(sentence)):
            R = WINDOW - lcg.below(WINDOW)
            plan.append((max(i - R, 0), min(i + R + 1, len(sentence)), []))
    else:
        plan = replay_draws(len(sentence), lcg, prob, alias, shared=True)
    assert int(state[0]) == lcg.state
    c_r, o_r = center.astype(np.float64), output.astype(np.float64)
    for i, (lo, hi, ids) in enumerate(plan):
        contexts = [sentence[j] for j in range(lo, hi) if j != i]
        if contexts:
            reference_window(c_r, o_r, contexts, sentence[i], hs, ids, tree)
    assert stats[cpu.ST_PAIRS] == sum(hi - lo - 1 for lo, hi, _ in plan)
    assert np.abs(c_r - center).max() > 1e-3
    np.testing.assert_allclose(c_k, c_r, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(o_k, o_r, rtol=1e-4, atol=2e-5)


def test_window_batch_is_the_cpu_skipgram_default_and_word2vec_c_stays_an_option():
    from w2v_scratch.training.config import TrainConfig

    def scheme(**kw):
        cfg = TrainConfig(**kw).with_defaults()
        return cfg.window_batch, cfg.shared_noise

    assert scheme(backend="cpu") == (True, True)
    assert scheme(backend="cpu", loss="hs") == (True, None)
    assert scheme(backend="cpu", shared_noise=False) == (False, False)  # word2vec.c's scheme
    assert scheme(backend="cpu", window_batch=False) == (False, None)
    assert scheme(backend="cpu", loss="hs", window_batch=False) == (False, None)
    assert scheme(backend="cpu", shared_noise=True, window_batch=False) == (False, True)
    assert scheme(backend="cpu", loss="hs", shared_noise=False) == (True, False)  # HS has no noise to share
    assert scheme(backend="cpu", model="cbow") == (None, None)
    assert scheme(backend="reference") == (None, None)
    assert scheme(backend="cuda") == (None, None)


def test_window_batch_trains_and_learns(topic_corpus):
    """The default cpu skip-gram (window steps) and word2vec.c's pair by pair: different vectors,
    reproducible with one thread, and both learn (the fixed-sample loss falls)."""
    from w2v_scratch import Word2Vec

    def fit(loss, batch):
        return Word2Vec(backend="cpu", loss=loss, dim=16, epochs=3, min_count=1, window=3, negative=4, threads=1,
                        seed=5, window_batch=batch).fit(topic_corpus, progress=False, log=lambda m: None)

    for loss in ("ns", "hs"):
        pairs, window, again = fit(loss, False), fit(loss, None), fit(loss, True)
        assert not np.array_equal(pairs.center, window.center)
        assert np.array_equal(window.center, again.center)
        assert window.history[-1]["eval_loss"] < window.history[0]["eval_loss"]
        assert pairs.history[-1]["eval_loss"] < pairs.history[0]["eval_loss"]
        assert window.history[-1]["examples"] == pytest.approx(pairs.history[-1]["examples"], rel=0.05)


@pytest.mark.parametrize("settings,needle", [
    (dict(backend="cpu", model="cbow", window_batch=True), "CBOW takes one step per window already"),
    (dict(backend="reference", window_batch=True), "cpu kernel scheme"),
    (dict(backend="cuda", window_batch=True), "cpu kernel scheme"),
    (dict(backend="cpu", window_batch=True, shared_noise=False), "drop --no-shared-noise"),
    (dict(backend="cpu", window_batch=1), "True or False"),
])
def test_window_batch_is_refused_where_it_means_nothing(settings, needle):
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.base.errors import ConfigError

    with pytest.raises(ConfigError, match=needle):
        TrainConfig(**settings).validate()


# -- the window step's vectorised σ ------------------------------------------------------------------------------
@numba.njit
def _exp_neg(a):
    out = np.empty_like(a)
    for i in range(len(a)):
        out[i] = cpu.exp_neg(a[i])
    return out


@numba.njit
def _logistic_steps(fs, ys, alpha, skip):
    fg = fs.copy()
    cpu.logistic_steps(fg, ys, len(fg), alpha, skip, False)
    return fg


def test_exp_neg_is_exp_to_float32_precision():
    a = np.linspace(0, 6, 100_001).astype(np.float32)
    exact = np.exp(-a.astype(np.float64))
    assert np.max(np.abs(_exp_neg(a) / exact - 1)) < 1.2e-7  # one float32 ulp (2^-23) at most


@pytest.mark.parametrize("skip", [False, True], ids=["ns-clip", "hs-skip"])
def test_logistic_steps_are_logistic_g_with_word2vec_cs_departures(skip):
    """g = α(y − σ(f)) for every term at once: NS clips σ beyond ±6, HS zeroes |f| ≥ 6 (as the pair
    kernels' logistic_g / logistic_step), within float32 rounding of the exact σ."""
    f = np.linspace(-9, 9, 20_001)
    labs = np.where(np.arange(len(f)) % 3 == 0, 1.0, 0.0)
    alpha = 0.025
    got = _logistic_steps(f.astype(np.float32), labs.astype(np.float32), np.float32(alpha), skip)
    sigma = 1 / (1 + np.exp(-f))
    sigma = np.where(f > 6, 1.0, np.where(f < -6, 0.0, sigma))
    want = alpha * (labs - sigma)
    if skip:
        want = np.where(np.abs(f) >= 6, 0.0, want)
    np.testing.assert_allclose(got, want, rtol=0, atol=alpha * 2e-6)
    assert np.any(got != 0) and (not skip or np.all(got[np.abs(f) > 6.001] == 0))


def test_backend_auto_gets_the_chosen_backends_scheme(monkeypatch, topic_corpus):
    """``auto`` is chosen before the defaults apply: on a machine without a GPU the run is the cpu's,
    window step included, and the config kept for a checkpoint or a later ``train`` says so."""
    from w2v_scratch import Word2Vec
    from w2v_scratch.training import run as train
    monkeypatch.setattr(train, "cuda_available", lambda: False)
    w = Word2Vec(backend="auto", loss="hs", dim=8, epochs=1, min_count=1, window=2, threads=1, seed=2)
    w.fit(topic_corpus, progress=False, log=lambda m: None)
    assert (w.config.backend, w.config.window_batch) == ("cpu", True)
    pairs = Word2Vec(backend="auto", window_batch=False, dim=8, epochs=1, min_count=1, window=2, threads=1)
    pairs.fit(topic_corpus, progress=False, log=lambda m: None)
    assert (pairs.config.backend, pairs.config.window_batch, pairs.config.shared_noise) == ("cpu", False, None)
