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
    from w2v_scratch.training import trainer_cuda
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.base.errors import ConfigError

    cfg = TrainConfig(loss="softmax", backend="cuda")
    with pytest.raises(ConfigError, match="--backend cpu"):
        trainer_cuda.check_supported(cfg)
    trainer_cuda.check_supported(TrainConfig(model="cbow", loss="hs", backend="cuda"))


# ---------------------------------------------------------------------------
# Helpers for the device tests
# ---------------------------------------------------------------------------
MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def splitmix(z: int) -> int:
    """splitmix64's finaliser (Steele, Lea & Flood 2014) on Python integers."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def sentence_state(key: int, sentence: int) -> int:
    """The generator state a sentence's warp starts from: splitmix(key ^ sentence·golden)."""
    return splitmix(key ^ ((sentence * GOLDEN) & MASK64))


class HostRNG:
    """The kernels' per-warp generator on the host: state += golden, draw = splitmix(state); a
    uniform integer below n from the draw's high 32 bits, a 24-bit coin from its low bits."""

    def __init__(self, state: int) -> None:
        self.state = state & MASK64

    def next(self) -> int:
        self.state = (self.state + GOLDEN) & MASK64
        return splitmix(self.state)

    @staticmethod
    def below(r: int, n: int) -> int:
        return ((r >> 32) * n) >> 32

    @staticmethod
    def unit24(r: int) -> np.float32:
        return np.float32(r & ((1 << 24) - 1)) * np.float32(1.0 / (1 << 24))

    def alias(self, prob: np.ndarray, alias: np.ndarray) -> int:
        r = self.next()
        col = self.below(r, len(prob))
        return int(col) if self.unit24(r) < prob[col] else int(alias[col])


def host_subsample(ids: np.ndarray, offsets: np.ndarray, keep: np.ndarray, key: int):
    """What the subsampling kernel should produce: word at position p kept when the 24-bit coin of
    splitmix(key ^ p·golden) is below keep[word], kept ids compacted to the start of the sentence."""
    coins = np.array([splitmix(key ^ ((p * GOLDEN) & MASK64)) & ((1 << 24) - 1) for p in range(len(ids))])
    flag = coins.astype(np.float32) * np.float32(1.0 / (1 << 24)) < keep[ids]
    kept_ids = np.zeros_like(ids)
    kept_len = np.zeros(len(offsets) - 1, np.int32)
    for s in range(len(offsets) - 1):
        a, b = offsets[s], offsets[s + 1]
        k = ids[a:b][flag[a:b]]
        kept_ids[a : a + len(k)] = k
        kept_len[s] = len(k)
    return kept_ids, kept_len


def tiny_corpus(n_sent=2, length=20, V=12, seed=0):
    """Random ids with a frequency-sorted vocabulary."""
    from w2v_scratch.corpus.read import Corpus
    from w2v_scratch.corpus.vocab import Vocab

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


def emulate_epoch(ck, model, loss, w_in, w_out, kept_ids, kept_len, offsets, key, W, K, lr0, min_lr,
                  progress0, inv_total, prob, alias, tree, cbow_mean=True, ctx_scale=1.0,
                  clip=True, skip_equal=True, events=None):
    """The kernels' algorithm in float64 NumPy, sentence after sentence, with the draws from the
    host twin of the device generator: skip-gram NS windows by the HogBatch step's NumPy reference
    (``textbook.window.hogbatch_pairs``), every other step's gradients from the reference loss
    units (losses.py). Returns (w_in, w_out, loss_sum, pairs).

    word2vec.c's documented departures from those exact gradients, each of which can be turned
    off to show that a test can tell: ``clip`` — NS clips σ to 1 for f > 6 and to 0 for f < −6,
    HS skips path nodes with |f| ≥ 6 (the loss stays exact: every node and target counts);
    ``skip_equal`` — a noise word equal to the positive is skipped (no update, no loss);
    ``ctx_scale`` — CBOW adds ctx_scale·e to each context row (1: word2vec.c; < 0: e/n, the
    exact gradient of the mean). ``events`` (a dict) receives counts of what happened:
    ns_pos_hi/ns_pos_lo/ns_neg_hi/ns_neg_lo (targets beyond ±6), hs_skipped, noise_eq_pos, and
    near6, the smallest ||f| − 6| seen (float32 could decide a case that close differently)."""
    from w2v_scratch.textbook.huffman import HuffmanTree
    from w2v_scratch.textbook.losses import HierarchicalSoftmax, NegativeSampling
    from w2v_scratch.textbook.window import hogbatch_pairs

    ns = NegativeSampling(normalize=False)
    hs = HierarchicalSoftmax(tree) if tree is not None else None
    w_in = w_in.astype(np.float64).copy()
    w_out = w_out.astype(np.float64).copy()
    loss_sum, pairs = 0.0, 0
    ev = events if events is not None else {}
    for name in ("ns_pos_hi", "ns_pos_lo", "ns_neg_hi", "ns_neg_lo", "hs_skipped", "noise_eq_pos"):
        ev.setdefault(name, 0)
    ev.setdefault("near6", np.inf)

    def ns_step(h, table, idx, dup):
        """One NS step of h against table[idx] (idx[0] the positive; dup[k]: noise k equals it):
        (loss, ∂ℓ/∂h, rows, ∂ℓ/∂rows) from losses.py, with the departures."""
        labels = np.array([[1.0] + [0.0] * (len(idx) - 1)])
        mask = np.array([[1.0] + [0.0 if (skip_equal and d) else 1.0 for d in dup]])
        ev["noise_eq_pos"] += int(sum(dup))
        full = ns(h[None], table, np.array([idx]), labels, mask)
        if not clip:
            return full.loss[0], full.grad_h[0], full.rows, full.grad_rows
        f = table[idx] @ h
        live = mask[0] > 0
        ev["near6"] = min(ev["near6"], float(np.abs(np.abs(f[live]) - 6.0).min()))
        beyond = np.abs(f) > 6.0
        part = ns(h[None], table, np.array([idx]), labels, mask * ~beyond)  # exact where |f| ≤ 6
        gh, rows, grads = part.grad_h[0], list(part.rows), list(part.grad_rows)
        for k in np.flatnonzero(beyond & live):
            # σ := 1 (f > 6) or 0 (f < −6): ∂ℓ/∂f = σ − label, so ∂ℓ/∂h = (σ − label)·u, ∂ℓ/∂u = (σ − label)·h
            sig, label = float(f[k] > 0), float(k == 0)
            ev[("ns_pos_" if k == 0 else "ns_neg_") + ("hi" if f[k] > 0 else "lo")] += 1
            if sig != label:
                gh = gh + (sig - label) * table[idx[k]]
                rows.append(idx[k])
                grads.append((sig - label) * h)
        return full.loss[0], gh, np.array(rows, np.int64), np.array(grads).reshape(-1, len(h))

    def hs_step(h, table, word):
        """One HS step of h along word's path: losses.py's gradients over the nodes with |f| < 6."""
        full = hs(h[None], table, np.array([word]))
        if not clip:
            return full.loss[0], full.grad_h[0], full.rows, full.grad_rows
        n = int(tree.lengths[word])
        points, codes = tree.points[word, :n], tree.codes[word, :n]
        f = table[points] @ h
        ev["near6"] = min(ev["near6"], float(np.abs(np.abs(f) - 6.0).min()))
        keep = np.abs(f) < 6.0
        ev["hs_skipped"] += int((~keep).sum())
        sub = HuffmanTree(codes[keep][None], points[keep][None], np.array([keep.sum()], np.int32))
        part = HierarchicalSoftmax(sub)(h[None], table, np.array([0]))
        return full.loss[0], part.grad_h[0], part.rows, part.grad_rows
    for s in range(len(kept_len)):
        rng = HostRNG(sentence_state(key, s))
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
                # the HogBatch step (textbook.window): the window's targets loaded once as copies —
                # the center's output row and K noise rows — every context word's input row
                # predicting the center against them in turn, each copy's change added back
                noise = [rng.alias(prob, alias) for _ in range(K)]
                ev["noise_eq_pos"] += sum(n == t for n in noise)
                kept = [n for n in noise if not (skip_equal and n == t)]
                targets = np.array([t] + kept, np.int64)
                labels = np.array([1.0] + [0.0] * len(kept))
                copies = w_out[targets].copy()
                start = copies.copy()
                steps = hogbatch_pairs(w_in, copies, ctx, labels, lr, "clip" if clip else None)
                for c in ctx:
                    f = copies @ w_in[c]
                    ev["near6"] = min(ev["near6"], float(np.abs(np.abs(f) - 6.0).min()))
                    for k in np.flatnonzero(np.abs(f) > 6.0) if clip else ():
                        ev[("ns_pos_" if k == 0 else "ns_neg_") + ("hi" if f[k] > 0 else "lo")] += 1
                    pairs += 1
                    loss_sum += next(steps)[1]
                np.add.at(w_out, targets, copies - start)
            elif model == "sg":
                x = w_in[t].copy()
                e = np.zeros_like(x)
                for c in ctx:
                    pairs += 1
                    step_loss, grad_h, rows, grad_rows = hs_step(x, w_out, c)
                    loss_sum += step_loss
                    e -= lr * grad_h
                    w_out[rows] -= lr * grad_rows  # path nodes are distinct
                w_in[t] += e
            else:
                h = w_in[ctx].sum(axis=0)
                if cbow_mean:
                    h = h / len(ctx)
                pairs += 1
                if loss == "ns":
                    negs = [rng.alias(prob, alias) for _ in range(K)]
                    step_loss, grad_h, rows, grad_rows = ns_step(h, w_out, [t] + negs, [n == t for n in negs])
                else:
                    step_loss, grad_h, rows, grad_rows = hs_step(h, w_out, t)
                loss_sum += step_loss
                e = -lr * grad_h
                np.add.at(w_out, rows, -lr * grad_rows)
                scale = 1.0 / len(ctx) if ctx_scale < 0 else ctx_scale
                for c in ctx:
                    w_in[c] += scale * e
    return w_in, w_out, loss_sum, pairs


# ---------------------------------------------------------------------------
# Device tests (simulator child or real GPU)
# ---------------------------------------------------------------------------
@needs_device
def test_generator_matches_host_twin():
    from numba import cuda

    from w2v_scratch.kernels import cuda as ck

    @cuda.jit
    def probe(state, n, out):  # launched with one thread: out[i] = the i-th draw from state
        st = state
        for i in range(n):
            st = st + ck.GOLDEN
            out[i] = np.int64(ck.mix64(st))

    state = sentence_state(ck.epoch_key(7, 3), 5)
    out = cuda.device_array(6, np.int64)
    probe[1, 1](np.uint64(state), 6, out)
    rng = HostRNG(state)
    expect = [rng.next() for _ in range(6)]
    assert [int(v) & MASK64 for v in out.copy_to_host()] == expect
    # draws are spread: the alias column and the 24-bit coin are uniform enough
    cols = [HostRNG.below(HostRNG(i).next(), 10) for i in range(2000)]
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
    want_ids, want_len = host_subsample(corpus.ids, corpus.offsets, keep, key)
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


SHARED_LIMIT = 48 * 1024  # static shared memory per block (numba-cuda cannot opt into more)


@pytest.mark.parametrize("dim,K,asked,warps,in_shared", [
    (300, 10, 4, 3, True),     # 11 rows × 10 floats/lane × 32 lanes × 4 B = 14,080 B/warp: 3 fit
    (1000, 20, 4, 4, False),   # 21 × 32 × 32 × 4 = 86,016 B: not one warp → thread-local memory
    (100, 5, 4, 4, True),      # 6 × 4 × 128 = 3,072 B/warp: all 4 asked fit
    (128, 5, 15, 15, True),    # 15 × 3,072 = 46,080 B
    (128, 5, 17, 16, True),    # 16 × 3,072 = 49,152 B = 48 KB exactly: 16 of the 17 asked
    (384, 31, 4, 1, True),     # 32 × 12 × 128 = 49,152 B: exactly one warp
    (385, 31, 4, 4, False),    # 32 × 13 × 128 = 53,248 B: too big
    (33, 1, 8, 8, True),       # ⌈33/32⌉ = 2 floats per lane: 2 × 2 × 128 = 512 B/warp
])
def test_block_plan_sizes_shared_memory(dim, K, asked, warps, in_shared):
    """Skip-gram NS saves the window's K+1 target rows per warp, (K+1)·⌈d/32⌉·32 floats: as many
    warps per block as fit in 48 KB (at most the number asked), or local memory when not even one
    fits. The simulator forces one warp per block. make_kernel's attributes (what launch_train
    launches with, and the static shared memory it declares) agree with the plan."""
    pytest.importorskip("numba")
    from w2v_scratch.kernels import cuda as ck

    per_warp = (K + 1) * -(-dim // 32) * 32 * 4
    assert (per_warp <= SHARED_LIMIT) == in_shared  # the table above is self-consistent
    want = 1 if ck.SIMULATOR else warps
    assert ck.block_plan("sg", "ns", dim, K, asked) == (want, in_shared)
    kernel = ck.make_kernel("sg", "ns", dim, K, 2, warps_per_block=asked)
    assert kernel.warps_per_block == want
    rows = want * per_warp if in_shared else 0
    scratch = kernel.shared_bytes - rows  # what else the kernel keeps in shared memory
    assert 0 <= scratch <= 4 * 32 * (K + 1) * want  # at most one reduction float per lane and target
    # the other kernels keep no rows in shared memory: the warps asked for, a few scratch floats
    # per lane only (the simulator's reduction buffer, and a 32-float placeholder)
    for model, loss in (("sg", "hs"), ("cbow", "ns"), ("cbow", "hs")):
        assert ck.block_plan(model, loss, dim, K, asked)[0] == (1 if ck.SIMULATOR else asked)
        other = ck.make_kernel(model, loss, dim, K, 2, warps_per_block=asked)
        assert other.warps_per_block == (1 if ck.SIMULATOR else asked)
        assert other.shared_bytes <= 4 * 32 * (max(K + 1, ck.HS_CHUNK) + 1) * other.warps_per_block


def one_epoch(model, loss, atomic=True, scale=0.25, lr=0.5, ctx_scale=1.0, V=12, seed=0, init_seed=3,
              small=False):
    """Run one epoch (the second of two: lr mid-way) of the (model, loss) kernel on a tiny corpus,
    weights uniform in (−scale, scale). Returns (result, emulate): result has the kernel's w_in,
    w_out, loss sum and pairs (and the initial w_in, w_out); ``emulate(**options)`` runs
    :func:`emulate_epoch` on the same inputs (options: clip, skip_equal, ctx_scale, events).
    On a real GPU the sizes are real ones (one sentence of 300 words, d = 100) unless ``small``,
    and sentences are launched one at a time (no Hogwild race between warps)."""
    from numba import cuda

    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.textbook.huffman import build as build_huffman
    from w2v_scratch.training.kernel_inputs import Tables
    from w2v_scratch.kernels import cuda as ck

    dim, K, W = 16, 2, 2
    n_sent, length = (2, 16) if model == "sg" else (2, 20)
    if not IN_SIM and not small:  # real sizes on a real GPU
        dim, K, W, V, n_sent, length = 100, 5, 5, 50, 1, 300
        lr = lr / 10
    vocab, corpus = tiny_corpus(n_sent, length, V=V, seed=seed)
    cfg = TrainConfig(model=model, loss=loss, dim=dim, negative=K, window=W, backend="cuda",
                      sample=0.05, lr=lr, epochs=2).resolved()
    t = Tables(vocab, cfg)
    keep, prob, alias, codes, points, lengths = t.keep, t.alias_prob, t.alias_idx, t.codes, t.points, t.lengths
    tree = build_huffman(vocab.counts) if loss == "hs" else None
    rng = np.random.default_rng(init_seed)
    V = len(vocab)
    w_in = ((rng.random((V, dim)) - 0.5) * 2 * scale).astype(np.float32)
    w_out = ((rng.random((V if loss == "ns" else V - 1, dim)) - 0.5) * 2 * scale).astype(np.float32)

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
    d_w_in, d_w_out = cuda.to_device(w_in), cuda.to_device(w_out)
    d_loss = cuda.device_array(corpus.n_sentences, np.float64)
    d_pairs = cuda.device_array(corpus.n_sentences, np.int64)
    tables = [cuda.to_device(a) for a in (prob, alias, codes, points, lengths)]
    # the simulator runs blocks one after another; a real GPU runs warps at once, so there the
    # sentences go one launch each, in the emulation's order
    spans = [(0, corpus.n_sentences)] if IN_SIM else [(s, s + 1) for s in range(corpus.n_sentences)]
    for first, stop in spans:
        ck.launch_train(kernel, first, stop, d_kept, d_len, d_off, d_w_in, d_w_out, *tables,
                        key, cfg.lr, cfg.min_lr, progress0, inv_total, ctx_scale, d_loss, d_pairs)
    result = dict(win0=w_in, wout0=w_out, w_in=d_w_in.copy_to_host(), w_out=d_w_out.copy_to_host(),
                  loss=float(d_loss.copy_to_host().sum()), pairs=int(d_pairs.copy_to_host().sum()))

    def emulate(**options):
        options.setdefault("ctx_scale", ctx_scale)
        return emulate_epoch(ck, model, loss, w_in, w_out, kept_ids, kept_len, corpus.offsets, key, W, K, cfg.lr,
                             cfg.min_lr, progress0, inv_total, prob, alias, tree, **options)

    return result, emulate


RTOL, ATOL = 1e-4, 2e-6  # kernel (float32) vs emulation (float64)


def excess(got, want):
    """max |got − want| / (ATOL + RTOL·|want|): ≤ 1 means assert_allclose(got, want, RTOL, ATOL) holds."""
    return float(np.max(np.abs(got - want) / (ATOL + RTOL * np.abs(want))))


@needs_device
@pytest.mark.parametrize("atomic", [True, False], ids=["atomic", "plain"])
@pytest.mark.parametrize("model,loss", [("sg", "ns"), ("sg", "hs"), ("cbow", "ns"), ("cbow", "hs")])
def test_one_epoch_matches_numpy_reference(model, loss, atomic):
    """Every update of one epoch (subsampling, shrunk windows, shared noise words, lr schedule)
    matches the float64 NumPy emulation built on losses.py's gradients, with atomic adds (the
    default) and with plain stores."""
    got, emulate = one_epoch(model, loss, atomic=atomic)
    e_win, e_wout, e_loss, e_pairs = emulate()
    assert got["pairs"] == e_pairs > 0
    np.testing.assert_allclose(got["loss"], e_loss, rtol=1e-4)
    g_win, g_wout = got["w_in"], got["w_out"]
    assert np.abs(g_win - got["win0"]).max() > 1e-3 and np.abs(g_wout - got["wout0"]).max() > 1e-3  # it trained
    np.testing.assert_allclose(g_win, e_win, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g_wout, e_wout, rtol=RTOL, atol=ATOL)


# Departures from the exact gradient (word2vec.c's, documented in kernels/cuda.py): weights large
# enough that many |f| exceed 6. The kernel must follow the documented rule (emulate_epoch with
# everything on) and be far outside the tolerance of the emulation with one departure turned off.
DEPARTURE_CASES = {
    # (model, loss, weight scale, ctx_scale): what each case must contain, and the departures to
    # turn off one at a time
    "sg-ns": ("sg", "ns", 2.0, 1.0, ("ns_pos_hi", "ns_neg_hi", "ns_neg_lo", "noise_eq_pos"),
              [dict(clip=False), dict(skip_equal=False)]),
    "sg-hs": ("sg", "hs", 2.0, 1.0, ("hs_skipped",), [dict(clip=False)]),
    "cbow-ns": ("cbow", "ns", 3.0, 1.0, ("ns_pos_hi", "ns_neg_hi", "ns_neg_lo", "noise_eq_pos"),
                [dict(clip=False), dict(skip_equal=False), dict(ctx_scale=-1.0)]),
    "cbow-hs": ("cbow", "hs", 3.0, -1.0, ("hs_skipped",), [dict(clip=False), dict(ctx_scale=1.0)]),
}


@needs_device
@pytest.mark.parametrize("case", sorted(DEPARTURE_CASES))
def test_kernels_follow_word2vec_c_departures(case):
    """NS clips σ beyond ±6 (positive with f > 6: no update; noise f < −6: none; noise f > 6:
    g = −α), HS skips nodes with |f| ≥ 6, a noise word equal to the positive is skipped, CBOW adds
    ctx_scale·e (1: undivided, word2vec.c; −1: e/n, exact) — and the tests can tell: with any one
    of these replaced by the exact gradient, the kernel is ≥ 10× outside the tolerance."""
    model, loss, scale, ctx_scale, needed, variants = DEPARTURE_CASES[case]
    got, emulate = one_epoch(model, loss, scale=scale, ctx_scale=ctx_scale, V=8, seed=1, init_seed=4, small=True)
    events = {}
    e_win, e_wout, e_loss, e_pairs = emulate(events=events)
    assert all(events[name] > 0 for name in needed), events
    assert events["near6"] > 1e-3, events  # no decision close enough to ±6 for float32 to flip it
    assert got["pairs"] == e_pairs > 0
    np.testing.assert_allclose(got["loss"], e_loss, rtol=1e-4)
    assert excess(got["w_in"], e_win) <= 1 and excess(got["w_out"], e_wout) <= 1
    for options in variants:
        o_win, o_wout, _, _ = emulate(**options)
        off = max(excess(got["w_in"], o_win), excess(got["w_out"], o_wout))
        assert off > 10, (options, off)


@needs_device
def test_backend_cuda_trains_and_loss_falls(tmp_path):
    """--backend cuda through the public API: loss falls over epochs; history records filled."""
    from w2v_scratch import Word2Vec

    words = "the quick brown fox jumps over a lazy dog now".split()
    path = tmp_path / "tiny.txt"
    path.write_text(" ".join(words) + "\n" + " ".join(words) + "\n")
    logs = []

    class Epochs:  # a gensim-style callback: the epoch's loss and vectors as the device left them
        seen = []

        def on_epoch_end(self, m):
            self.seen.append((m.get_latest_training_loss(), m.center.copy()))

    model = Word2Vec(model="sg", loss="ns", dim=16, window=2, negative=2, epochs=4, min_count=1, sample=0,
                     lr=0.5, backend="cuda", seed=3, callbacks=[Epochs()])
    model.fit(str(path), progress=False, log=logs.append)
    hist = model.history
    assert [loss for loss, _ in Epochs.seen] == [h["loss"] for h in hist]
    assert np.array_equal(Epochs.seen[-1][1], model.center) and not np.array_equal(Epochs.seen[0][1], model.center)
    assert [h["epoch"] for h in hist] == [1, 2, 3, 4]
    for h in hist:
        assert h["words"] == 20 and h["trained_words"] == 20 and h["examples"] > 0
        assert h["words_per_sec"] > 0 and h["trained_words_per_sec"] > 0 and h["seconds"] > 0
    losses = [h["loss"] for h in hist]
    assert losses[-1] < losses[0] - 0.05, losses
    assert np.isfinite(model.center).all() and model.state["backend"] == "cuda"
    assert any(line.startswith("epoch 4/4: loss") and "after subsampling" in line for line in logs)


@needs_device
def test_backend_cuda_checkpoint_at_epoch_boundary_and_resume(tmp_path):
    """Ctrl-C (played by a checkpointer) after epoch 1 writes a checkpoint; resuming it ends with
    the uninterrupted run's vectors (every draw derives from seed, epoch and sentence)."""
    from w2v_scratch import Word2Vec
    from w2v_scratch.training.checkpoint import Checkpointer, Interrupted
    from w2v_scratch.training.run import fit

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
    resumed = Word2Vec.resume(ckpt, **quiet)
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    if IN_SIM:  # one warp at a time: every addition in the same order, bit for bit
        np.testing.assert_array_equal(resumed.center, whole.center)
        np.testing.assert_array_equal(resumed.context, whole.context)
    else:  # a GPU runs both sentences at once: atomic adds land in any order (last bits differ)
        np.testing.assert_allclose(resumed.center, whole.center, atol=2e-2)
        np.testing.assert_allclose(resumed.context, whole.context, atol=2e-2)
        assert not np.allclose(resumed.center, Word2Vec(**dict(params, seed=4)).fit(str(path), **quiet).center,
                               atol=2e-2)
