"""Tests of the CUDA kernels (kernels/cuda.py) and the cuda backend (w2v_scratch/trainer_cuda.py).

How the simulator is isolated
-----------------------------
Numba reads ``NUMBA_ENABLE_CUDASIM`` once, when ``numba`` itself is first imported: setting
the variable later in a process that already imported numba (any test of the cpu kernels
does) leaves the real CUDA driver in place, and ``numba.cuda`` then fails without a GPU.
Setting it for the whole pytest session (a conftest) would be worse: ``cuda.is_available()``
is True under the simulator, so ``--backend auto`` tests elsewhere would silently train on
the (very slow) simulator. So:

* ``test_simulator_suite`` (run by a normal ``pytest``) starts ONE child
  ``python -m pytest`` on this file with ``NUMBA_ENABLE_CUDASIM=1`` set from the start, and
  fails with the child's output if any child test fails;
* in the child (or in a process started with the variable set, or where a real GPU is
  present) the kernel tests below run directly; otherwise they are skipped.

Inputs are tiny (two sentences of 10–20 words, d = 16, K = 2, W = 2, one 32-lane warp):
the simulator runs one OS thread per CUDA thread and a few words per second.
"""

from __future__ import annotations

import ast
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

HERE = pathlib.Path(__file__).resolve()
ROOT = HERE.parent.parent
CUDA_SRC = ROOT / "kernels" / "cuda.py"
IN_SIM = os.environ.get("NUMBA_ENABLE_CUDASIM", "0") == "1"


def _real_gpu() -> bool:
    if IN_SIM:
        return False
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:
        return False


DIRECT = IN_SIM or _real_gpu()
needs_device = pytest.mark.skipif(not DIRECT, reason="runs under the CUDA simulator child process "
                                                     "(test_simulator_suite) or on a real GPU")


# ---------------------------------------------------------------------------
# Run in every process: the child launcher and static checks
# ---------------------------------------------------------------------------
@pytest.mark.skipif(IN_SIM or _real_gpu(), reason="already inside the simulator, or a real GPU runs the tests")
def test_simulator_suite():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(HERE)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout[-6000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, f"simulator tests failed:\n{out}"
    passed = re.search(r"(\d+) passed", proc.stdout)
    assert passed and int(passed.group(1)) >= 8, f"the simulator tests did not run:\n{out}"


def _kernel_functions(tree: ast.Module):
    """Function bodies that run on the device: decorated with _device/_kernel, or defined inside
    a factory (make_kernel, _make_reduce)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            decos = {getattr(d, "id", getattr(d, "attr", None)) for d in node.decorator_list}
            if decos & {"_device", "_kernel"}:
                out.append(node)
            elif node.name in ("make_kernel", "_make_reduce"):
                out.extend(n for n in ast.walk(node) if isinstance(n, ast.FunctionDef) and n is not node)
    return out


def test_no_bare_float_literals_in_kernels():
    """A Python float literal in a kernel makes its arithmetic float64: every float constant in a
    device function must be wrapped in np.float32(...) (or be a module-level np.float32)."""
    tree = ast.parse(CUDA_SRC.read_text())
    funcs = _kernel_functions(tree)
    assert len(funcs) >= 8
    bad = []
    for fn in funcs:
        allowed = set()
        for node in ast.walk(fn):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("float32",)):
                allowed.update(id(a) for a in node.args)
        for node in ast.walk(fn):
            if isinstance(node, ast.Constant) and isinstance(node.value, float) and id(node) not in allowed:
                bad.append(f"{fn.name}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "float64" \
                    and fn.name != "kernel":
                bad.append(f"{fn.name}:{node.lineno}: float64")
    assert not bad, "bare float literals in device code: " + ", ".join(bad)


def test_unsupported_configuration_is_a_config_error():
    from w2v_scratch import trainer_cuda
    from w2v_scratch.config import TrainConfig
    from w2v_scratch.errors import ConfigError

    cfg = TrainConfig(loss="softmax", backend="cuda")
    with pytest.raises(ConfigError, match="--backend cpu"):
        trainer_cuda.check_supported(cfg)
    trainer_cuda.check_supported(TrainConfig(model="cbow", loss="hs", backend="cuda"))


# ---------------------------------------------------------------------------
# Helpers for the device tests
# ---------------------------------------------------------------------------
def tiny_corpus(n_sent=2, length=20, V=12, seed=0):
    """Random ids with a frequency-sorted vocabulary."""
    from w2v_scratch.corpus import Corpus
    from w2v_scratch.vocab import Vocab

    rng = np.random.default_rng(seed)
    ids = rng.zipf(1.6, n_sent * length).astype(np.int64) % V
    counts = np.bincount(ids, minlength=V) + 1
    order = np.argsort(-counts, kind="stable")
    remap = np.empty(V, np.int64)
    remap[order] = np.arange(V)
    vocab = Vocab([f"w{i}" for i in range(V)], counts[order])
    offsets = np.arange(0, n_sent * length + 1, length, dtype=np.int64)
    return vocab, Corpus(remap[ids].astype(np.int32), offsets)


def documented_lr(lr0, min_lr, progress0, inv_total, raw_pos):
    """docs/math.md's schedule in float64, α0 − (α0 − α_min)·min(p, 1), at the corpus position
    ``raw_pos`` of an epoch that starts at run fraction ``progress0``."""
    p = min(progress0 + raw_pos * inv_total, 1.0)
    return lr0 - (lr0 - min_lr) * p


def emulate_epoch(ck, model, loss, win, wout, kept_ids, kept_len, offsets, key, W, K, lr0, min_lr,
                  progress0, inv_total, prob, alias, tree, cbow_mean=True, ctx_scale=1.0):
    """The kernels' algorithm in float64 NumPy, sentence after sentence, with the gradients of
    every step taken from the reference loss units (losses.py) and the draws from the host twin
    of the device generator. Returns (win, wout, loss_sum, pairs)."""
    from w2v_scratch.losses import HierarchicalSoftmax, NegativeSampling

    ns = NegativeSampling(normalize=False)
    hs = HierarchicalSoftmax(tree) if tree is not None else None
    win = win.astype(np.float64).copy()
    wout = wout.astype(np.float64).copy()
    loss_sum, pairs = 0.0, 0
    for s in range(len(kept_len)):
        rng = ck.HostRNG(ck.sentence_state(key, s))
        base, raw_len, L = int(offsets[s]), int(offsets[s + 1] - offsets[s]), int(kept_len[s])
        sent = kept_ids[base : base + L]
        for i in range(L):
            b = rng.below(rng.next(), W)
            lo, hi = max(i - (W - b), 0), min(i + (W - b) + 1, L)
            if hi - lo <= 1:
                continue
            t = int(sent[i])
            lr = documented_lr(lr0, min_lr, progress0, inv_total, base + (i * raw_len) // L)
            ctx = [int(sent[p]) for p in range(lo, hi) if p != i]
            if model == "sg" and loss == "ns":
                # the window's targets, drawn and loaded once: the center's output row, K noise rows
                targets = [t] + [rng.alias(prob, alias) for _ in range(K)]
                cache = wout[targets].copy()
                init = cache.copy()
                labels = np.array([[1.0] + [0.0] * K])
                mask = np.array([[1.0] + [float(n != t) for n in targets[1:]]])
                for c in ctx:  # each context word's input row predicts the center
                    pairs += 1
                    out = ns(win[c][None], cache, np.arange(K + 1)[None], labels, mask)
                    loss_sum += out.loss[0]
                    win[c] -= lr * out.grad_h[0]
                    np.add.at(cache, out.rows, -lr * out.grad_rows)
                for k, n in enumerate(targets):
                    wout[n] += cache[k] - init[k]
            elif model == "sg":
                x = win[t].copy()
                e = np.zeros_like(x)
                for c in ctx:
                    pairs += 1
                    out = hs(x[None], wout, np.array([c]))
                    loss_sum += out.loss[0]
                    e -= lr * out.grad_h[0]
                    wout[out.rows] -= lr * out.grad_rows  # path nodes are distinct
                win[t] += e
            else:
                h = win[ctx].sum(axis=0)
                if cbow_mean:
                    h = h / len(ctx)
                pairs += 1
                if loss == "ns":
                    negs = [rng.alias(prob, alias) for _ in range(K)]
                    targets = np.array([[t] + negs])
                    labels = np.array([[1.0] + [0.0] * K])
                    mask = np.array([[1.0] + [float(n != t) for n in negs]])
                    out = ns(h[None], wout, targets, labels, mask)
                else:
                    out = hs(h[None], wout, np.array([t]))
                loss_sum += out.loss[0]
                e = -lr * out.grad_h[0]
                np.add.at(wout, out.rows, -lr * out.grad_rows)
                scale = 1.0 / len(ctx) if ctx_scale < 0 else ctx_scale
                for c in ctx:
                    win[c] += scale * e
    return win, wout, loss_sum, pairs


# ---------------------------------------------------------------------------
# Device tests (simulator child or real GPU)
# ---------------------------------------------------------------------------
@needs_device
def test_generator_matches_host_twin():
    from numba import cuda

    from w2v_scratch.kernels import cuda as ck

    state = ck.sentence_state(ck.epoch_key(7, 3), 5)
    out = cuda.device_array(6, np.int64)
    ck.rng_probe_kernel[1, 1](np.uint64(state), 6, out)
    rng = ck.HostRNG(state)
    expect = [rng.next() for _ in range(6)]
    assert [int(v) & ck.MASK64 for v in out.copy_to_host()] == expect
    # draws are spread: the alias column and the 24-bit coin are uniform enough
    cols = [ck.HostRNG.below(ck.HostRNG(i).next(), 10) for i in range(2000)]
    assert np.bincount(cols, minlength=10).min() > 150


@needs_device
def test_subsampling_on_device_matches_host_twin():
    from numba import cuda

    from w2v_scratch.kernels import cuda as ck

    vocab, corpus = tiny_corpus()
    keep = np.linspace(0.2, 1.0, len(vocab)).astype(np.float32)
    key = ck.epoch_key(1, 0)
    kept = cuda.device_array(len(corpus.ids), np.int32)
    kept_len = cuda.device_array(corpus.n_sentences, np.int32)
    ck.launch_subsample(cuda.to_device(corpus.ids), cuda.to_device(corpus.offsets), cuda.to_device(keep), key,
                        kept, kept_len)
    want_ids, want_len = ck.host_subsample(corpus.ids, corpus.offsets, keep, key)
    got_len = kept_len.copy_to_host()
    np.testing.assert_array_equal(got_len, want_len)
    got = kept.copy_to_host()
    for s in range(corpus.n_sentences):
        a = corpus.offsets[s]
        np.testing.assert_array_equal(got[a : a + got_len[s]], want_ids[a : a + want_len[s]])
    assert 0 < got_len.sum() < len(corpus.ids)


def test_split_offsets():
    pytest.importorskip("numba")
    from w2v_scratch.kernels import cuda as ck

    got = ck.split_offsets(np.array([0, 3, 3, 10, 11], np.int64), 3)
    np.testing.assert_array_equal(got, [0, 3, 6, 9, 10, 11])


@needs_device
@pytest.mark.parametrize("model,loss,atomic", [("sg", "ns", False), ("sg", "hs", False),
                                               ("cbow", "ns", True), ("cbow", "hs", False)])
def test_one_epoch_matches_numpy_reference(model, loss, atomic):
    """Every update of one epoch (subsampling, shrunk windows, shared noise words, lr schedule)
    matches the float64 NumPy emulation built on losses.py's gradients."""
    from numba import cuda

    from w2v_scratch.config import TrainConfig
    from w2v_scratch.huffman import build as build_huffman
    from w2v_scratch.kernel_inputs import Tables
    from w2v_scratch.kernels import cuda as ck

    dim, K, W, V, lr = 16, 2, 2, 12, 0.5
    n_sent, length = (2, 16) if model == "sg" else (2, 20)
    if not IN_SIM:  # a real GPU runs its warps at once: one sentence (no Hogwild race), real sizes
        dim, K, W, V, lr, n_sent, length = 100, 5, 5, 50, 0.05, 1, 300
    vocab, corpus = tiny_corpus(n_sent, length, V=V)
    cfg = TrainConfig(model=model, loss=loss, dim=dim, negative=K, window=W, backend="cuda",
                      sample=0.05, lr=lr, epochs=2).resolved()
    t = Tables(vocab, cfg)
    keep, prob, alias, codes, points, lengths = t.keep, t.alias_prob, t.alias_idx, t.codes, t.points, t.lengths
    tree = build_huffman(vocab.counts) if loss == "hs" else None
    rng = np.random.default_rng(3)
    V = len(vocab)
    win = ((rng.random((V, dim)) - 0.5) / 2).astype(np.float32)  # large enough to move the loss
    wout = ((rng.random((V if loss == "ns" else V - 1, dim)) - 0.5) / 2).astype(np.float32)

    key = ck.epoch_key(cfg.seed, 1)
    N = len(corpus.ids)
    total = cfg.epochs * N + 1
    progress0, inv_total = N / total, 1.0 / total  # the second epoch: lr mid-way
    d_ids, d_off = cuda.to_device(corpus.ids), cuda.to_device(corpus.offsets)
    d_kept = cuda.device_array(N, np.int32)
    d_len = cuda.device_array(corpus.n_sentences, np.int32)
    ck.launch_subsample(d_ids, d_off, cuda.to_device(keep), key, d_kept, d_len)
    kept_ids, kept_len = d_kept.copy_to_host(), d_len.copy_to_host()
    assert 0 < kept_len.sum() < N  # subsampling did something

    kernel = ck.make_kernel(model, loss, dim, K, W, atomic=atomic)
    d_win, d_wout = cuda.to_device(win), cuda.to_device(wout)
    d_loss = cuda.device_array(corpus.n_sentences, np.float64)
    d_pairs = cuda.device_array(corpus.n_sentences, np.int64)
    ck.launch_train(kernel, 0, corpus.n_sentences, d_kept, d_len, d_off, d_win, d_wout, cuda.to_device(prob),
                    cuda.to_device(alias), cuda.to_device(codes), cuda.to_device(points), cuda.to_device(lengths),
                    key, cfg.lr, cfg.min_lr, progress0, inv_total, 1.0, d_loss, d_pairs)

    e_win, e_wout, e_loss, e_pairs = emulate_epoch(
        ck, model, loss, win, wout, kept_ids, kept_len, corpus.offsets, key, W, K, cfg.lr, cfg.min_lr,
        progress0, inv_total, prob, alias, tree)
    assert int(d_pairs.copy_to_host().sum()) == e_pairs > 0
    np.testing.assert_allclose(d_loss.copy_to_host().sum(), e_loss, rtol=1e-4)
    g_win, g_wout = d_win.copy_to_host(), d_wout.copy_to_host()
    assert np.abs(g_win - win).max() > 1e-3 and np.abs(g_wout - wout).max() > 1e-3  # it trained
    np.testing.assert_allclose(g_win, e_win, rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(g_wout, e_wout, rtol=1e-4, atol=2e-6)


@needs_device
def test_backend_cuda_trains_and_loss_falls(tmp_path):
    """--backend cuda through the public API: loss falls over epochs; history records filled."""
    from w2v_scratch import Word2Vec

    words = "the quick brown fox jumps over a lazy dog now".split()
    path = tmp_path / "tiny.txt"
    path.write_text(" ".join(words) + "\n" + " ".join(words) + "\n")
    logs = []
    model = Word2Vec(model="sg", loss="ns", dim=16, window=2, negative=2, epochs=4, min_count=1, sample=0,
                     lr=0.5, backend="cuda", seed=3)
    model.fit(str(path), progress=False, log=logs.append)
    hist = model.history
    assert [h["epoch"] for h in hist] == [1, 2, 3, 4]
    for h in hist:
        assert h["words"] == 20 and h["trained_words"] == 20 and h["pairs"] > 0
        assert h["words_per_sec"] > 0 and h["trained_words_per_sec"] > 0 and h["seconds"] > 0
    losses = [h["loss"] for h in hist]
    assert losses[-1] < losses[0] - 0.05, losses
    assert np.isfinite(model.center).all() and model.state["backend"] == "cuda"
    assert any("trained words/sec" in line for line in logs)


@needs_device
def test_backend_cuda_checkpoint_at_epoch_boundary_and_resume(tmp_path):
    """Ctrl-C (played by a checkpointer) after epoch 1 writes a checkpoint; resuming it ends with
    the uninterrupted run's vectors (every draw derives from seed, epoch and sentence)."""
    from w2v_scratch import Word2Vec
    from w2v_scratch.checkpoint import Checkpointer, Interrupted
    from w2v_scratch.train import fit, resume

    words = "the quick brown fox jumps over a lazy dog now".split()
    path = tmp_path / "tiny.txt"
    path.write_text(" ".join(words) + "\n" + " ".join(reversed(words)) + "\n")
    params = dict(model="sg", loss="ns", dim=16, window=2, negative=2, epochs=3, min_count=1, sample=0,
                  lr=0.5, backend="cuda", seed=3)
    quiet = dict(progress=False, log=lambda m: None)
    whole = fit(Word2Vec(**params), str(path), **quiet)

    class StopNow(Checkpointer):
        def due(self):
            self.stop_requested.set()
            return super().due()

    ckpt = tmp_path / "ck"
    with pytest.raises(Interrupted):
        fit(Word2Vec(**params), str(path), checkpointer=StopNow(ckpt), **quiet)
    assert Word2Vec.load(ckpt).state["resume"] == {"backend": "cuda", "epoch": 1}
    resumed = resume(ckpt, **quiet)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    np.testing.assert_array_equal(resumed.center, whole.center)
    np.testing.assert_array_equal(resumed.context, whole.context)
