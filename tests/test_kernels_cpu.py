"""The Numba CPU backend: one-step agreement with the NumPy reference, reproducibility,
threads, learning, and the CLI's binary output."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from w2v_scratch.textbook.huffman import build as build_huffman
from w2v_scratch.kernels import cpu
from w2v_scratch.textbook.losses import HierarchicalSoftmax, NegativeSampling
from w2v_scratch.textbook.models import CBOW, SkipGram
from w2v_scratch.textbook.optim import SGD
from w2v_scratch.textbook.reference import Step, loss_and_grads

V, D, LR = 12, 8, 0.1
COUNTS = np.array([50, 40, 30, 22, 20, 15, 11, 9, 7, 5, 3, 2])
NOISE = np.array([1, 7, 9, 2, 11], dtype=np.int64)  # distinct, none equal to the positive
EMPTY = np.zeros(0, np.int64)


def _tables(seed: int, hs: bool):
    rng = np.random.default_rng(seed)
    center = (rng.standard_normal((V, D)) * 0.3).astype(np.float32)
    output = (rng.standard_normal((V - 1 if hs else V, D)) * 0.3).astype(np.float32)
    return center, output


def _reference_step(model, loss, center, output, step):
    """One SGD step of the NumPy reference in float64; returns (new center, new output, loss)."""
    c, o = center.astype(np.float64), output.astype(np.float64)
    losses, grads = loss_and_grads(model, loss, c, o, step)
    opt = SGD(LR)
    opt.step("center", c, *grads["w_in"])
    opt.step("output", o, *grads["w_out"])
    return c, o, float(losses.sum())


def _kernel_args(hs: bool):
    tree = build_huffman(COUNTS)
    if hs:
        return dict(points=tree.points.astype(np.int32), codes=tree.codes.astype(np.uint8),
                    lengths=tree.lengths.astype(np.int32), negative=0, given=EMPTY)
    return dict(points=np.zeros((1, 1), np.int32), codes=np.zeros((1, 1), np.uint8),
                lengths=np.zeros(1, np.int32), negative=len(NOISE), given=NOISE)


@numba.njit
def _sg_pair(w_in, w_out, d, input_word, word, hs, K, noise, points, codes, lengths, alpha, e):
    """One skip-gram pair through the kernel's building block (inline njit functions are callable
    from njit code only)."""
    return cpu.sg_step(w_in, w_out, d, input_word, word, hs, K, noise, 0, points, codes, lengths, alpha, e, True,
                       np.zeros(K + 1, np.float32))


@numba.njit
def _cbow_example(w_in, w_out, d, ctx, n_ctx, word, hs, K, noise, points, codes, lengths, alpha, mean, scale, h, e):
    """One CBOW example through cbow_step, its scratch from the kernel's own window_scratch."""
    _, u_rows, labels, fg, _, _ = cpu.window_scratch(0, max(points.shape[1], K + 1), d)
    return cpu.cbow_step(w_in, w_out, d, ctx, n_ctx, word, hs, K, noise, 0, points, codes, lengths, alpha, mean,
                         scale, h, e, True, u_rows, labels, fg)


def _sg_kernel(center, output, inp, word, hs):
    c, o = center.copy(), output.copy()
    a = _kernel_args(hs)
    loss = _sg_pair(c.reshape(-1), o.reshape(-1), D, inp, word, hs, a["negative"], a["given"], a["points"],
                    a["codes"], a["lengths"], np.float32(LR), np.zeros(D, np.float32))
    return c, o, float(loss)


def _cbow_kernel(center, output, ctx, word, hs, mean, scale):
    c, o = center.copy(), output.copy()
    a = _kernel_args(hs)
    loss = _cbow_example(c.reshape(-1), o.reshape(-1), D, np.asarray(ctx, np.int64), len(ctx), word, hs,
                         a["negative"], a["given"], a["points"], a["codes"], a["lengths"], np.float32(LR), mean,
                         np.float32(scale), np.zeros(D, np.float32), np.zeros(D, np.float32))
    return c, o, float(loss)


def _ns_targets(word):
    targets = np.concatenate([[word], NOISE])[None, :]
    labels = np.zeros(targets.shape)
    labels[0, 0] = 1
    return targets, labels, np.ones(targets.shape)


def _assert_same_update(before, kernel_after, ref_after, scale_rows=None):
    """Same rows changed, by the same amounts (float32 tolerance)."""
    dk = kernel_after.astype(np.float64) - before
    dr = ref_after - before
    if scale_rows is not None:
        dr = dr * scale_rows
    changed_k = np.flatnonzero(np.abs(dk).max(axis=1) > 0)
    changed_r = np.flatnonzero(np.abs(dr).max(axis=1) > 0)
    assert changed_k.tolist() == changed_r.tolist()
    np.testing.assert_allclose(dk, dr, rtol=1e-4, atol=2e-6)


@pytest.mark.parametrize("hs", [False, True], ids=["ns", "hs"])
def test_skipgram_one_step_matches_reference(hs):
    center, output = _tables(0, hs)
    inp, word = 3, 5
    c_k, o_k, loss_k = _sg_kernel(center, output, inp, word, hs)
    if hs:
        loss, targets = HierarchicalSoftmax(build_huffman(COUNTS)), (np.array([word]),)
    else:
        loss, targets = NegativeSampling(normalize=False), _ns_targets(word)
    c_r, o_r, loss_r = _reference_step(SkipGram(), loss, center, output, Step(np.array([inp]), targets, 1))
    _assert_same_update(center, c_k, c_r)
    _assert_same_update(output, o_k, o_r)
    assert loss_k == pytest.approx(loss_r, rel=1e-5)


@pytest.mark.parametrize("hs", [False, True], ids=["ns", "hs"])
@pytest.mark.parametrize("mode", ["exact-mean", "word2vec-mean", "sum"])
def test_cbow_one_step_matches_reference(hs, mode):
    """CBOW: the exact mean gradient (ctx_scale 1/n) and the sum mode match the reference exactly;
    word2vec.c's mean mode (ctx_scale 1) changes each context row by n × the reference's e/n."""
    center, output = _tables(1, hs)
    ctx, word = [1, 4, 4, 8], 6  # a repeated context word gets two updates in both
    n = len(ctx)
    mean = mode != "sum"
    scale = 1.0 / n if mode == "exact-mean" else 1.0
    c_k, o_k, loss_k = _cbow_kernel(center, output, ctx, word, hs, mean, scale)
    if hs:
        loss, targets = HierarchicalSoftmax(build_huffman(COUNTS)), (np.array([word]),)
    else:
        loss, targets = NegativeSampling(normalize=False), _ns_targets(word)
    inputs = (np.array([ctx]), np.ones((1, n), bool))
    c_r, o_r, loss_r = _reference_step(CBOW(mean=mean), loss, center, output, Step(inputs, targets, 1))
    _assert_same_update(center, c_k, c_r, scale_rows=n if mode == "word2vec-mean" else None)
    _assert_same_update(output, o_k, o_r)
    assert loss_k == pytest.approx(loss_r, rel=1e-5)


def test_alias_draws_follow_the_noise_distribution():
    from w2v_scratch.textbook.sampling import AliasSampler

    s = AliasSampler.unigram(COUNTS, 0.75)
    rng = np.array([12345], np.uint64)
    prob, alias = s.prob.astype(np.float32), s.alias.astype(np.int32)
    draws = np.array([cpu.draw_noise(rng, prob, alias) for _ in range(60_000)])
    freq = np.bincount(draws, minlength=V) / len(draws)
    np.testing.assert_allclose(freq, s.probabilities, atol=0.01)


# -- training -----------------------------------------------------------------------------------
def _corpus(path, n_sent=1500, seed=0):
    """Sentences drawn from 6 topics of 10 words each, plus 5 shared frequent words."""
    rng = np.random.default_rng(seed)
    common = [f"the{i}" for i in range(5)]
    topics = [[f"t{t}w{i}" for i in range(10)] for t in range(6)]
    lines = []
    for _ in range(n_sent):
        topic = topics[rng.integers(6)]
        words = [topic[i] if rng.random() < 0.7 else common[rng.integers(5)]
                 for i in rng.integers(0, 10, size=rng.integers(5, 15))]
        lines.append(" ".join(words))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _fit(path, **kw):
    from w2v_scratch.word2vec import Word2Vec

    params = dict(backend="cpu", dim=16, epochs=3, min_count=1, seed=7, threads=1)
    params.update(kw)
    return Word2Vec(**params).fit(path, progress=False, log=lambda msg: None)


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("corpus") / "topics.txt")


@pytest.mark.parametrize("model", ["sg", "cbow"])
@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_loss_falls_over_epochs(corpus_file, model, loss):
    w = _fit(corpus_file, model=model, loss=loss, epochs=4)
    losses = [r["loss"] for r in w.history]
    assert len(losses) == 4 and all(np.isfinite(losses))
    assert losses[-1] < losses[0]
    rec = w.history[-1]
    assert rec["words"] > rec["trained_words"] > 0 and rec["words_per_sec"] > 0 and rec["batch_losses"]
    assert rec["lr_end"] < w.config.lr
    assert "compile_seconds" in w.state
    # same-topic words end up closer than cross-topic words
    wv = w.wv
    assert wv.similarity("t0w1", "t0w2") > wv.similarity("t0w1", "t3w2")


def test_reproducible_with_one_thread(corpus_file):
    a = _fit(corpus_file, threads=1, epochs=2)
    b = _fit(corpus_file, threads=1, epochs=2)
    np.testing.assert_array_equal(a.center, b.center)
    np.testing.assert_array_equal(a.context, b.context)
    c = _fit(corpus_file, threads=1, epochs=2, seed=8)
    assert not np.array_equal(a.center, c.center)


def test_two_threads_train(corpus_file):
    w = _fit(corpus_file, threads=2, epochs=3)
    assert np.isfinite(w.center).all()
    assert w.history[-1]["loss"] < w.history[0]["loss"]
    assert sum(r["words"] for r in w.history) == 3 * int(w.vocab.counts.sum())


def test_partition_covers_every_sentence():
    from w2v_scratch.training.trainer_cpu import partition, slices

    offsets = np.cumsum([0] + [3, 50, 1, 1, 7, 200, 2, 9])
    parts = partition(offsets, 3)
    assert parts[0][0] == 0 and parts[-1][1] == len(offsets) - 1
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
    cut = slices(offsets, 0, len(offsets) - 1, words=10)
    assert cut[0][0] == 0 and cut[-1][1] == len(offsets) - 1 and all(a[1] == b[0] for a, b in zip(cut, cut[1:]))


def test_memmap_corpus_trains(corpus_file, tmp_path):
    from w2v_scratch.corpus import read as corpus_mod
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.corpus.read import encode_memmap
    from w2v_scratch.training.trainer_cpu import train
    from w2v_scratch.word2vec import Word2Vec

    vocab, encoded = corpus_mod.load(corpus_file, 1)
    mm = encode_memmap(corpus_file, vocab, tmp_path / "enc")
    assert isinstance(mm.ids, np.memmap)
    np.testing.assert_array_equal(np.asarray(mm.ids), encoded.ids)
    np.testing.assert_array_equal(np.asarray(mm.offsets), encoded.offsets)
    cfg = TrainConfig(backend="cpu", dim=16, epochs=1, min_count=1, threads=1).resolved()
    w = Word2Vec(cfg)
    w.init_weights(vocab, np.random.default_rng(0))
    train(w, mm, cfg, progress=False, log=lambda msg: None)
    assert np.isfinite(w.center).all() and w.history[0]["words"] == len(encoded)


def test_cli_writes_binary_vectors(corpus_file, tmp_path):
    from w2v_scratch.cli import main
    from w2v_scratch.vectors.formats import load_word2vec

    out = tmp_path / "vectors.bin"
    rc = main(["train", "--backend", "cpu", "--model", "cbow", "--loss", "hs", "--threads", "2",
               "--corpus", corpus_file, "--output", str(out), "--min-count", "1", "--dim", "16",
               "--epochs", "1", "--no-progress", "--query", "t0w1"])
    assert rc == 0 and out.exists()
    emb = load_word2vec(str(out))
    assert len(emb) == 65 and emb.vectors.shape == (65, 16)
    assert np.isfinite(emb.vectors).all()


def test_checkpoint_mid_run_and_resume_is_bit_identical(corpus_file, tmp_path, monkeypatch):
    """threads=1: a run that writes checkpoints (and so stops and restarts its workers at slice
    boundaries) ends with the same vectors as one that does not, and resuming from a checkpoint
    written mid-epoch ends there too."""
    from w2v_scratch.training import trainer_cpu
    from w2v_scratch.training.checkpoint import Checkpointer
    from w2v_scratch.training.run import fit
    from w2v_scratch.word2vec import Word2Vec

    monkeypatch.setattr(trainer_cpu, "SLICE_WORDS", 500)  # many slices in the tiny corpus
    monkeypatch.setattr(trainer_cpu, "REPORT_SECONDS", 0.0)
    plain = _fit(corpus_file, epochs=2)

    class EveryOther(Checkpointer):
        def __init__(self, path):
            super().__init__(path, every_seconds=None)
            self.calls = 0

        def due(self):
            self.calls += 1
            return self.calls % 2 == 0

    ck = EveryOther(str(tmp_path / "ck"))
    params = dict(backend="cpu", dim=16, epochs=2, min_count=1, seed=7, threads=1)
    w = fit(Word2Vec(**params), corpus_file, progress=False, log=lambda m: None, checkpointer=ck)
    assert ck.saved >= 1
    np.testing.assert_array_equal(w.center, plain.center)
    saved = Word2Vec.load(str(tmp_path / "ck"))
    assert "resume" in saved.state
    r = Word2Vec.resume(str(tmp_path / "ck"), progress=False, log=lambda m: None)
    np.testing.assert_array_equal(r.center, plain.center)
    assert "resume" not in r.state and len(r.history) == 2


def test_cli_corpus_cache_streams_the_encoded_corpus_from_disk(corpus_file, tmp_path, capsys):
    from w2v_scratch.cli import main

    out, cache = tmp_path / "v.txt", tmp_path / "cache"
    code = main(["train", "--backend", "cpu", "--corpus", str(corpus_file), "--corpus-cache", str(cache),
                 "--output", str(out), "--dim", "8", "--epochs", "1", "--min-count", "1", "--no-progress",
                 "--query"])
    assert code == 0, capsys.readouterr().err
    assert any(p.stat().st_size > 0 for p in cache.glob("*.ids.int32")) and out.exists()


def test_one_compiled_kernel_for_a_corpus_in_memory_or_mapped(tmp_path):
    """The trainer hands the cpu kernel the corpus read-only whether it is in memory or a
    memory-mapped cache (``kernel_inputs.corpus_arrays``), so both train on one compile of
    ``train_chunk`` (each compile costs about a minute on a cold cache)."""
    from w2v_scratch.cli import main

    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\nb c a\n" * 20)
    common = ["train", "--corpus", str(corpus), "--backend", "cpu", "--dim", "8", "--epochs", "1",
              "--min-count", "1", "--threads", "1", "--no-progress"]
    assert main(common + ["--output", str(tmp_path / "a.txt")]) == 0                   # ids in memory
    assert main(common + ["--output", str(tmp_path / "b.txt"), "--corpus-cache", str(tmp_path / "cache")]) == 0
    one_loss = [sig for sig in cpu.train_chunk.signatures if "omitted" in str(sig[-1])]
    assert one_loss and all(str(sig[0]).startswith("readonly") and str(sig[1]).startswith("readonly")
                            for sig in one_loss), one_loss
