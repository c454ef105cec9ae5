"""One epoch record for every backend, a loss recorded whatever the thread timing, a fixed-sample
loss that means what it says, and one learning-rate schedule read back from every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.conftest import make_topic_corpus
from w2v_scratch.training.config import TrainConfig
from w2v_scratch.training.history import KEYS
from w2v_scratch.word2vec import Word2Vec
from w2v_scratch.training.kernel_inputs import corpus_arrays

QUIET = dict(progress=False, log=lambda m: None)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return str(make_topic_corpus(tmp_path_factory.mktemp("h") / "topics.txt"))


def fit(corpus, **kw):
    params = dict(dim=8, epochs=2, min_count=1, seed=3, window=2, negative=3, threads=1)
    params.update(kw)
    return Word2Vec(**params).fit(corpus, **QUIET)


@pytest.mark.parametrize("backend,model,loss", [("reference", "sg", "ns"), ("reference", "cbow", "hs"),
                                                ("reference", "sg", "softmax"), ("cpu", "sg", "ns"),
                                                ("cpu", "cbow", "hs")])
def test_every_backend_writes_the_same_record(corpus, backend, model, loss):
    w = fit(corpus, backend=backend, model=model, loss=loss)
    for r in w.history:
        assert tuple(r) == KEYS
        assert math.isfinite(r["loss"]) and r["loss"] > 0
        assert math.isfinite(r["eval_loss"]) and r["eval_loss"] > 0
        assert r["words"] == 4800 and 0 < r["trained_words"] <= r["words"] and r["examples"] > 0
        assert r["batch_losses"] and all(math.isfinite(b) for b in r["batch_losses"])
        assert r["words_per_sec"] == pytest.approx(r["words"] / r["seconds"])


def test_reference_and_cpu_losses_are_in_the_same_units(corpus):
    """Untrained, an NS example costs (K+1)·log 2 (zero output vectors give σ = 1/2 for all K+1
    targets): every backend's first batch starts there, not at log 2 per target. (The cpu kernel
    skips a noise draw equal to the positive, as word2vec.c: on this 24-word vocabulary a few of
    its examples have fewer than K noise terms.)"""
    K = 3
    full = (K + 1) * math.log(2)
    for backend in ("reference", "cpu"):
        w = fit(corpus, backend=backend, negative=K, epochs=1, optimizer="sgd" if backend == "reference" else None,
                lr=1e-6, min_lr=1e-6)
        first = w.history[0]["batch_losses"][0]
        if backend == "reference":
            assert first == pytest.approx(full, rel=1e-3)
        else:
            assert 0.9 * full < first <= full + 1e-6
        assert w.history[0]["eval_loss"] == pytest.approx(full, rel=1e-3), backend


def test_cpu_records_its_loss_on_runs_of_any_length(tmp_path):
    """The running loss is recorded per slice of work, not when a reporting thread wakes: a run
    far shorter than one report interval still has its batch losses, with any number of threads."""
    path = tmp_path / "tiny.txt"
    path.write_text("a b c d e f\nb c d e f a\n" * 3)
    for threads in (1, 2, 4):
        w = fit(str(path), backend="cpu", threads=threads, epochs=3, sample=0)
        assert [len(r["batch_losses"]) > 0 for r in w.history] == [True] * 3, threads


def test_cpu_history_does_not_depend_on_timing(corpus):
    a, b = fit(corpus, backend="cpu", threads=1), fit(corpus, backend="cpu", threads=1)
    timing = {"seconds", "words_per_sec", "trained_words_per_sec"}
    for ra, rb in zip(a.history, b.history):
        assert {k: v for k, v in ra.items() if k not in timing} == {k: v for k, v in rb.items() if k not in timing}


def test_fixed_sample_loss_is_the_ns_loss_of_its_examples(corpus):
    """eval_loss = mean over the sample of −log σ(u_pos·h) − Σ_k log σ(−u_k·h), written out here
    with math.exp/log one example at a time; training lowers it."""
    from w2v_scratch.corpus.read import load
    from w2v_scratch.training.monitor import FixedSample

    cfg = TrainConfig(backend="cpu", dim=8, min_count=1, negative=3, seed=3).resolved()
    vocab, encoded = load(corpus, 1)
    sample = FixedSample(encoded, vocab, cfg, size=50)
    rng = np.random.default_rng(0)
    center = rng.normal(0, 0.5, (len(vocab), 8)).astype(np.float32)
    context = rng.normal(0, 0.5, (len(vocab), 8)).astype(np.float32)

    def nll(x):
        return math.log(1 + math.exp(-x))

    by_hand = []
    for i in range(len(sample.targets)):
        h = center[sample.inputs[i]].astype(float)
        total = nll(float(h @ context[sample.targets[i]]))
        total += sum(nll(-float(h @ context[n])) for n in sample.noise[i])
        by_hand.append(total)
    assert sample.loss(center, context) == pytest.approx(np.mean(by_hand), rel=1e-12)
    assert not (sample.noise == sample.targets[:, None]).any()  # no noise word equals its positive

    w = fit(corpus, backend="cpu", epochs=3)
    assert w.history[-1]["eval_loss"] < w.history[0]["eval_loss"]


def test_fixed_sample_of_a_corpus_without_pairs_is_none(tmp_path):
    from w2v_scratch.corpus.read import load
    from w2v_scratch.training.monitor import FixedSample

    path = tmp_path / "singles.txt"
    path.write_text("a\nb\nc\n")
    vocab, encoded = load(str(path), 1)
    sample = FixedSample(encoded, vocab, TrainConfig(backend="cpu", min_count=1).resolved())
    assert sample.loss(np.zeros((3, 4), np.float32), np.zeros((3, 4), np.float32)) is None


# -- the learning rate: α(p) = α0 − (α0 − α_min)·min(p, 1), p = words done / (epochs · N) ---------
def documented(lr0, min_lr, p):
    return lr0 - (lr0 - min_lr) * min(p, 1.0)


def test_reference_sgd_rate_at_the_end_of_every_epoch(corpus):
    w = fit(corpus, backend="reference", optimizer="sgd", lr=0.1, min_lr=0.02, epochs=4)
    assert [r["lr_end"] for r in w.history] == pytest.approx([documented(0.1, 0.02, e / 4) for e in (1, 2, 3, 4)])


def test_reference_sgd_rate_inside_the_run(corpus, monkeypatch):
    """Every SGD step of the reference trainer uses the rate of its position in the run."""
    from w2v_scratch.textbook import optim
    seen = []
    original = optim.SGD.step

    def spy(self, name, *args):
        if name == "center":
            seen.append(self.lr)
        return original(self, name, *args)

    monkeypatch.setattr(optim.SGD, "step", spy)
    fit(corpus, backend="reference", optimizer="sgd", lr=0.1, min_lr=0.02, epochs=2, batch_size=64)
    n = len(seen) // 2  # steps per epoch (the same number both epochs here)
    expect = [documented(0.1, 0.02, (e + k / n) / 2) for e in range(2) for k in range(n)]
    assert seen == pytest.approx(expect, rel=1e-9)


@pytest.mark.parametrize("done,total", [(0, 1000), (300, 1000), (999, 1000), (1000, 1000), (5000, 1000)])
def test_cpu_kernel_rate_at_fixed_points(done, total):
    """kernels.cpu.train_chunk returns the rate after its chunk: with the progress counters set to
    ``done`` words and an empty chunk, that is the schedule at p = done/total."""
    from w2v_scratch.kernels import cpu

    progress = np.zeros(2 * cpu.SLOT, np.int64)
    progress[0], progress[cpu.SLOT] = done // 3, done - done // 3  # two threads' counters
    m = np.zeros((2, 4), np.float32)
    lr = cpu.train_chunk(*corpus_arrays(np.zeros(2, np.int32), [0, 2]), 0, 0, m.reshape(-1),
                         m.reshape(-1).copy(), m.shape[1],
                         np.ones(2, np.float32), np.ones(2, np.float32), np.zeros(2, np.int32),
                         np.zeros((2, 1), np.uint8), np.zeros((2, 1), np.int32), np.ones(2, np.int32),
                         True, False, 2, 2, True, np.float32(1), np.float32(0.05), np.float32(0.001), total,
                         progress, 0, np.array([1], np.uint64), np.zeros(cpu.N_STATS), True, False, False)
    assert lr == pytest.approx(documented(0.05, 0.001, done / total), rel=1e-6, abs=1e-8)  # float32


def test_cpu_rate_at_the_end_of_every_epoch(corpus):
    w = fit(corpus, backend="cpu", threads=1, lr=0.1, min_lr=0.02, epochs=4)
    assert [r["lr_end"] for r in w.history] == pytest.approx([documented(0.1, 0.02, e / 4) for e in (1, 2, 3, 4)],
                                                             rel=1e-6)


def test_no_compile_inside_a_timed_epoch_with_a_memory_mapped_corpus(corpus, tmp_path, monkeypatch):
    """A read-only memory-mapped corpus is a Numba type of its own: the warm-up compiles for the
    arrays training really passes, so the epochs add no signature to the kernel."""
    from w2v_scratch.corpus import read as corpus_mod
    from w2v_scratch.training import trainer_cpu
    from w2v_scratch.kernels import cpu

    vocab, _ = corpus_mod.load(corpus, 1)
    mm = corpus_mod.encode_memmap(corpus, vocab, tmp_path / "enc")
    after_warm_up = []
    original = trainer_cpu.warm_up

    def spy(plan):
        seconds = original(plan)
        after_warm_up.append(len(cpu.train_chunk.signatures))
        return seconds

    monkeypatch.setattr(trainer_cpu, "warm_up", spy)
    cfg = TrainConfig(backend="cpu", dim=8, epochs=1, min_count=1).resolved()
    w = Word2Vec(cfg)
    w.init_weights(vocab, np.random.default_rng(0))
    trainer_cpu.train(w, mm, cfg, **QUIET)
    assert after_warm_up == [len(cpu.train_chunk.signatures)]


@pytest.mark.parametrize("model,loss", [("sg", "ns"), ("cbow", "hs"), ("cbow", "softmax")])
def test_fixed_sample_loss_is_the_same_in_chunks(corpus, model, loss, monkeypatch):
    """Evaluated one example at a time (a tiny chunk budget) or all at once: the same mean."""
    from w2v_scratch.training import monitor
    from w2v_scratch.corpus.read import load
    from w2v_scratch.training.monitor import FixedSample

    cfg = TrainConfig(backend="reference", model=model, loss=loss, dim=8, min_count=1, negative=3).resolved()
    vocab, encoded = load(corpus, 1)
    sample = FixedSample(encoded, vocab, cfg, size=40)
    rng = np.random.default_rng(1)
    center = rng.normal(0, 0.5, (len(vocab), 8)).astype(np.float32)
    output = rng.normal(0, 0.5, (len(vocab) - (loss == "hs"), 8)).astype(np.float32)
    whole = sample.loss(center, output)
    monkeypatch.setattr(monitor, "CHUNK_BYTES", 1)
    assert sample.chunk(8, len(output)) == 1
    assert sample.loss(center, output) == pytest.approx(whole, rel=1e-12)
