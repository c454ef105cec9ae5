"""Both losses at once (``--loss hs+ns``, word2vec.c's ``-hs 1 -negative K``): the cpu kernel against
the NumPy reference, step by step.

Every scheme the cpu kernel has is replayed independently — word2vec.c's random stream (its LCG,
emulated in test_sentence_schemes.LCG) gives each position's radius and noise ids, and the NumPy
reference gives each update in float64: the skip-gram window step (``window.both_window_step``,
checked against finite differences by gradcheck), the pair-by-pair steps (the same step with one
input, noise per pair or per window) and CBOW (``losses.BothLosses`` through
``reference.loss_and_grads``). Weights are small, so no score reaches word2vec.c's ±6 departures.
"""

from __future__ import annotations

import numpy as np
import pytest

from w2v_scratch.kernels import cpu
from w2v_scratch.textbook import window
from w2v_scratch.textbook.huffman import build as build_huffman
from w2v_scratch.textbook.losses import BothLosses
from w2v_scratch.textbook.models import CBOW
from w2v_scratch.textbook.optim import SGD
from w2v_scratch.textbook.reference import Step, loss_and_grads
from w2v_scratch.textbook.sampling import AliasSampler
from w2v_scratch.training.kernel_inputs import corpus_arrays

from test_sentence_schemes import LCG, replay_draws

V, D, WINDOW, K, ALPHA = 40, 8, 3, 4, 0.05
COUNTS = np.sort(np.random.default_rng(0).integers(1, 200, size=V))[::-1]


def setup(seed):
    rng = np.random.default_rng(seed)
    sentence = rng.integers(0, V, size=12)
    tree = build_huffman(COUNTS)
    sampler = AliasSampler.unigram(COUNTS)
    tables = [(rng.standard_normal(shape) * 0.3).astype(np.float32) for shape in ((V, D), (V, D), (V - 1, D))]
    return sentence, tree, sampler.prob.astype(np.float32), sampler.alias.astype(np.int32), tables


def run_kernel(sentence, tree, prob, alias, tables, sg, shared, batch, seed, ctx_scale=1.0):
    w_in, w_out, theta = (t.copy() for t in tables)
    state = np.array([seed], np.uint64)
    stats = np.zeros(cpu.N_STATS)
    cpu.train_chunk(*corpus_arrays(sentence, [0, len(sentence)]), 0, 1, w_in.reshape(-1),
                    w_out.reshape(-1), D, np.ones(V, np.float32), prob, alias, tree.codes.astype(np.uint8),
                    tree.points.astype(np.int32), tree.lengths.astype(np.int32), sg, True, WINDOW, K, True,
                    np.float32(ctx_scale), np.float32(ALPHA), np.float32(ALPHA), 10**9, np.zeros(cpu.SLOT, np.int64),
                    0, state, stats, True, shared, batch, theta.reshape(-1))
    return (w_in, w_out, theta), int(state[0]), stats


def targets(word, ids, tree):
    """(HS targets, NS targets) of ``word``: its path in Θ; it and the noise ids in W_out, an id equal
    to ``word`` left out (the kernel skips it)."""
    return window.window_targets(word, tree=tree), window.window_targets(word, noise=ids)


def assert_close(kernel, reference, before):
    assert max(np.abs(r - b).max() for r, b in zip(reference, before)) > 1e-3  # something trained
    for name, k, r, b in zip(("w_in", "w_out", "theta"), kernel, reference, before):
        assert np.abs(r - b).max() > 1e-4, name  # every table moved: both losses ran
        np.testing.assert_allclose(k, r, rtol=1e-4, atol=2e-5, err_msg=name)


@pytest.mark.parametrize("batch, shared", [(True, True), (False, True), (False, False)],
                         ids=["window-step", "pairs-shared-noise", "pairs-word2vec"])
def test_skipgram_sentence_matches_the_reference_draw_for_draw(batch, shared):
    """The window step (the cpu default), and pair by pair with noise per window or per pair
    (word2vec.c): each the reference's step on ℓ_hs + ℓ_ns, one e per input."""
    sentence, tree, prob, alias, tables = setup(4)
    kernel, state, stats = run_kernel(sentence, tree, prob, alias, tables, True, shared, batch, 777)
    lcg = LCG(777)
    plan = replay_draws(len(sentence), lcg, prob, alias, shared=shared)
    assert state == lcg.state
    ref = [t.astype(np.float64) for t in tables]
    for i, (lo, hi, ids) in enumerate(plan):
        contexts = [sentence[j] for j in range(lo, hi) if j != i]
        if batch:
            if contexts:
                window.both_window_step(*ref, contexts, *targets(sentence[i], ids, tree), ALPHA)
            continue
        for n, ctx in enumerate(contexts):
            own = ids if shared else ids[n * K:(n + 1) * K]
            window.both_window_step(*ref, [ctx], *targets(sentence[i], own, tree), ALPHA)
    assert stats[cpu.ST_PAIRS] == sum(hi - lo - 1 for lo, hi, _ in plan)
    assert_close(kernel, ref, tables)


@pytest.mark.parametrize("exact", [True, False], ids=["exact-mean", "word2vec-mean"])
def test_cbow_sentence_matches_the_reference_draw_for_draw(exact):
    """CBOW: h the mean of the contexts against the center's path in Θ and its NS targets in W_out,
    one e; each context row gets e/n (exact, the reference's gradient) or word2vec.c's undivided e."""
    sentence, tree, prob, alias, tables = setup(5)
    kernel, state, stats = run_kernel(sentence, tree, prob, alias, tables, False, False, False, 99,
                                      ctx_scale=-1.0 if exact else 1.0)
    lcg = LCG(99)
    plan = replay_draws(len(sentence), lcg, prob, alias, shared=True)
    assert state == lcg.state
    w_in, w_out, theta = (t.astype(np.float64) for t in tables)
    loss = BothLosses(tree)
    for i, (lo, hi, ids) in enumerate(plan):
        contexts = np.array([sentence[j] for j in range(lo, hi) if j != i])
        if len(contexts) == 0:
            continue
        (hs_t, _), (ns_t, ns_y) = targets(sentence[i], ids, tree)
        step = Step((contexts[None], np.ones((1, len(contexts)), bool)),
                    (np.array([sentence[i]]), ns_t[None], ns_y[None], np.ones((1, len(ns_t)))), 1)
        _, grads = loss_and_grads(CBOW(mean=True), loss, w_in, w_out, step, theta)
        rows, g = grads["w_in"]
        SGD(ALPHA).step("w_in", w_in, rows, g if exact else g * len(contexts))
        SGD(ALPHA).step("w_out", w_out, *grads["w_out"])
        SGD(ALPHA).step("theta", theta, *grads["theta"])
    assert_close(kernel, (w_in, w_out, theta), tables)


def test_both_losses_differ_from_each_loss_alone():
    """The test above could fail: the kernel with Θ trains both tables; without it (HS alone, the same
    draws of radii) W_out is untouched and W_in ends elsewhere."""
    sentence, tree, prob, alias, tables = setup(4)
    (w_in_both, w_out_both, _), _, _ = run_kernel(sentence, tree, prob, alias, tables, True, True, True, 777)
    w_in, theta = tables[0].copy(), tables[2].copy()
    cpu.train_chunk(*corpus_arrays(sentence, [0, len(sentence)]), 0, 1, w_in.reshape(-1),
                    theta.reshape(-1), D, np.ones(V, np.float32), prob, alias, tree.codes.astype(np.uint8),
                    tree.points.astype(np.int32), tree.lengths.astype(np.int32), True, True, WINDOW, K, True,
                    np.float32(1.0), np.float32(ALPHA), np.float32(ALPHA), 10**9, np.zeros(cpu.SLOT, np.int64), 0,
                    np.array([777], np.uint64), np.zeros(cpu.N_STATS), True, False, True)
    assert np.abs(w_out_both - tables[1]).max() > 1e-4
    assert np.abs(w_in_both - w_in).max() > 1e-4


# -- the run around the kernel: config, CLI, model files, memory ------------------------------------------------------
def test_config_trains_hs_plus_ns_on_cpu_only_and_auto_never_picks_a_refusing_backend():
    from w2v_scratch.base.errors import ConfigError
    from w2v_scratch.training.config import TrainConfig, refuse_unused

    cfg = TrainConfig(loss="hs+ns", backend="cpu").with_defaults()
    assert (cfg.window_batch, cfg.shared_noise, cfg.negative) == (True, True, 5)  # NS's window scheme
    assert TrainConfig(loss="hs+ns", backend="auto").with_defaults().backend == "cpu"
    for backend in ("reference", "cuda"):
        with pytest.raises(ConfigError, match="--backend cpu") as err:
            TrainConfig(loss="hs+ns", backend=backend).with_defaults()
        assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="--negative must be positive"):
        TrainConfig(loss="hs+ns", backend="cpu", negative=0).with_defaults()
    refuse_unused({"negative", "ns_exponent", "shared_noise"}, cfg)  # all mean something with hs+ns
    with pytest.raises(ConfigError, match="--loss hs\\+ns"):  # with HS alone --negative points to hs+ns
        refuse_unused({"negative"}, TrainConfig(loss="hs", backend="cpu").with_defaults())


def test_memory_counts_both_output_tables():
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.training.memory import memory_needed

    def matrices(loss):
        cfg = TrainConfig(loss=loss, backend="cpu", dim=50).with_defaults()
        return memory_needed(cfg, 100_000, 10**7).parts

    both = [p for p in matrices("hs+ns") if "matrices" in p[1]][0]
    assert both[0] == (100_000 + 100_000 + 99_999) * 50 * 4 and "three" in both[1]
    assert sum(p[0] for p in matrices("hs+ns")) > max(sum(p[0] for p in matrices(loss)) for loss in ("ns", "hs"))


def _corpus(path, n=600):
    rng = np.random.default_rng(0)
    path.write_text("\n".join(" ".join(f"w{int(x) % 80}" for x in rng.zipf(1.3, 12)) for _ in range(n)) + "\n")
    return path


def test_cli_trains_hs_plus_ns_and_saves_both_tables(tmp_path, capsys):
    from w2v_scratch.base.errors import FormatError
    from w2v_scratch.cli import main
    from w2v_scratch.word2vec import Word2Vec

    corpus = _corpus(tmp_path / "c.txt")
    out, model = tmp_path / "v.txt", tmp_path / "m"
    assert main(["train", "--loss", "hs+ns", "--model", "cbow", "--corpus", str(corpus), "--dim", "8", "--epochs",
                 "2", "--threads", "1", "--negative", "3", "--min-count", "1", "--output", str(out), "--save-model",
                 str(model), "--no-progress", "--query"]) == 0
    assert "backend cpu" in capsys.readouterr().err  # chosen for hs+ns, no backend named
    m = Word2Vec.load(str(model))
    assert m.config.loss == "hs+ns" and m.config.negative == 3
    V = len(m.vocab)
    assert m.context.shape == (V, 8) and m.inner_nodes.shape == (V - 1, 8) and m.w_out is m.context
    assert np.abs(m.context).max() > 0 and np.abs(m.inner_nodes).max() > 0  # both trained
    from w2v_scratch.training.history import untrained_loss

    assert m.history[-1]["eval_loss"] < untrained_loss("hs+ns", 3, V)  # both parts learned something
    with np.load(str(model) + ".npz") as z:  # a file with one table left out is refused in one line
        arrays = {k: z[k] for k in z.files if k != "inner_nodes"}
    np.savez(str(model) + ".npz", **arrays)
    with pytest.raises(FormatError, match="inner_nodes"):
        Word2Vec.load(str(model))


def test_cli_refuses_hs_plus_ns_on_the_reference_backend_in_one_line(tmp_path, capsys):
    from w2v_scratch.cli import main

    corpus = _corpus(tmp_path / "c.txt", 50)
    code = main(["train", "--loss", "hs+ns", "--backend", "reference", "--corpus", str(corpus), "--output",
                 str(tmp_path / "v.txt")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "--backend cpu" in err[0]
    assert not (tmp_path / "v.txt").exists()


def test_checkpoint_and_resume_keep_both_tables_bit_for_bit(tmp_path, monkeypatch):
    """threads=1: a run with hs+ns that checkpoints mid-epoch, resumed from its checkpoint, ends on the
    same W_in, W_out and Θ as a run that never stopped (both tables are saved and loaded)."""
    from w2v_scratch.training import trainer_cpu
    from w2v_scratch.training.checkpoint import Checkpointer
    from w2v_scratch.training.run import fit
    from w2v_scratch.word2vec import Word2Vec

    corpus = str(_corpus(tmp_path / "c.txt"))
    monkeypatch.setattr(trainer_cpu, "SLICE_WORDS", 500)  # several slices in the tiny corpus
    params = dict(backend="cpu", loss="hs+ns", dim=8, epochs=2, min_count=1, seed=7, threads=1, negative=3)
    plain = Word2Vec(**params).fit(corpus, progress=False, log=lambda m: None)

    class Once(Checkpointer):
        def due(self):
            return not self.saved

    ck = Once(str(tmp_path / "ck"), every_seconds=None)
    fit(Word2Vec(**params), corpus, progress=False, log=lambda m: None, checkpointer=ck)
    saved = Word2Vec.load(str(tmp_path / "ck"))
    assert "resume" in saved.state and saved.inner_nodes is not None and saved.context is not None
    r = Word2Vec.resume(str(tmp_path / "ck"), progress=False, log=lambda m: None)
    for name in ("w_in", "context", "inner_nodes"):
        np.testing.assert_array_equal(getattr(r, name), getattr(plain, name), err_msg=name)


def test_the_cuda_and_reference_trainers_refuse_hs_plus_ns_themselves():
    """A config built around TrainConfig.validate still gets one line naming --backend cpu."""
    import dataclasses

    from w2v_scratch.base.errors import ConfigError
    from w2v_scratch.training import trainer_cuda, trainer_reference
    from w2v_scratch.training.config import TrainConfig

    cfg = TrainConfig(loss="hs+ns", backend="cpu").with_defaults()
    with pytest.raises(ConfigError, match="--backend cpu"):
        trainer_cuda.check_supported(dataclasses.replace(cfg, backend="cuda"))
    with pytest.raises(ConfigError, match="--backend cpu"):
        trainer_reference.train(None, None, dataclasses.replace(cfg, backend="reference"), None)
