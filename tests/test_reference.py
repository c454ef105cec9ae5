import numpy as np
import pytest

from w2v_scratch import TrainConfig, Word2Vec
from w2v_scratch.textbook.optim import Adam, SGD, accumulate

PAIRS = [(m, l) for m in ("sg", "cbow") for l in ("ns", "hs", "softmax")]


def topic_purity(model, topics=3):
    """Fraction of words whose nearest neighbour (cosine) is from the same topic."""
    W = model.center / np.linalg.norm(model.center, axis=1, keepdims=True)
    S = W @ W.T
    np.fill_diagonal(S, -np.inf)
    nearest = S.argmax(axis=1)
    topic = [w.split("w")[0] for w in model.vocab.words]
    return np.mean([topic[i] == topic[j] for i, j in enumerate(nearest)])


@pytest.mark.parametrize("model,loss", PAIRS)
def test_reference_trainer_learns_every_pair(topic_corpus, model, loss):
    cfg = TrainConfig(model=model, loss=loss, dim=16, window=3, negative=3, epochs=4, min_count=1,
                      sample=0, batch_size=64, lr=0.02)
    w2v = Word2Vec(cfg).fit(topic_corpus, progress=False, log=lambda m: None)
    losses = [r["loss"] for r in w2v.history]
    # A 24-word toy corpus reaches its entropy floor fast: ask for a clear fall, then a plateau.
    assert losses[1] < 0.95 * losses[0] and losses[-1] < 1.05 * min(losses), losses
    assert topic_purity(w2v) > 0.8, topic_purity(w2v)


def test_same_seed_same_vectors(topic_corpus):
    cfg = dict(backend="reference", dim=8, epochs=1, min_count=1, batch_size=64)
    a = Word2Vec(seed=3, **cfg).fit(topic_corpus, progress=False, log=lambda m: None)
    b = Word2Vec(seed=3, **cfg).fit(topic_corpus, progress=False, log=lambda m: None)
    c = Word2Vec(seed=4, **cfg).fit(topic_corpus, progress=False, log=lambda m: None)
    assert np.array_equal(a.center, b.center) and np.array_equal(a.context, b.context)
    assert not np.array_equal(a.center, c.center)


def test_sgd_reference_with_linear_decay(topic_corpus):
    w2v = Word2Vec(backend="reference", dim=8, epochs=2, min_count=1, optimizer="sgd", lr=0.5, batch_size=32).fit(
        topic_corpus, progress=False, log=lambda m: None)
    assert w2v.history[1]["loss"] < w2v.history[0]["loss"]


def test_accumulate_sums_repeated_rows():
    rows = np.array([3, 1, 3, 3, 0])
    g = np.arange(10, dtype=np.float64).reshape(5, 2)
    u, s = accumulate(rows, g)
    assert u.tolist() == [0, 1, 3]
    assert s.tolist() == [[8, 9], [2, 3], [0 + 4 + 6, 1 + 5 + 7]]


def test_optimizers_touch_only_given_rows():
    p = np.ones((5, 2))
    SGD(0.1).step("p", p, np.array([1, 1]), np.ones((2, 2)))
    assert np.allclose(p[1], 0.8) and np.all(p[[0, 2, 3, 4]] == 1)
    q = np.ones((5, 2))
    adam = Adam(lr=0.1)
    adam.tick()
    adam.step("q", q, np.array([2]), np.array([[0.5, -0.5]]))
    # First Adam step moves by lr·sign(g) (bias-corrected m/sqrt(v) = g/|g|).
    np.testing.assert_allclose(q[2], [0.9, 1.1], atol=1e-6)
    assert np.all(q[[0, 1, 3, 4]] == 1)
