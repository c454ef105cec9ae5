"""Build docs/word2vec-from-scratch.ipynb from the cells below, execute it, save it with its outputs.

    .venv/bin/python docs/build_notebook.py            # rebuild and re-execute

The cells are written here, as Python, so a change to the chapter is a reviewable diff of this
file; the notebook is what readers open (GitHub shows its committed outputs). ``tests/test_notebook.py``
checks that the committed notebook holds exactly these cells, executes it in a fresh kernel of
the running interpreter, and compares its deterministic outputs with the committed ones: after a
change to a cell, or to the library behind one, run this script and commit the notebook.

Cell tags: ``nondeterministic`` marks the cells whose text depends on the machine (timings); the
test does not compare their text. The other tags name the cells the test looks for.

Needs the ``dev`` extra (nbclient, nbformat, ipykernel) and the ``plot`` extra (matplotlib).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

DOCS = Path(__file__).resolve().parent
NOTEBOOK = DOCS / "word2vec-from-scratch.ipynb"
TIMEOUT = 120  # seconds per cell: room for the longest, the training run, on a slow machine
NONDETERMINISTIC = "nondeterministic"
KERNEL = "python3"
KERNELSPEC = {"name": KERNEL, "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python", "file_extension": ".py", "mimetype": "text/x-python",
                 "codemirror_mode": {"name": "ipython", "version": 3}, "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3"}  # without the interpreter's version, so rebuilds do not churn


def md(text: str) -> dict:
    return {"cell_type": "markdown", "source": text.strip("\n"), "tags": []}


def code(text: str, *tags: str) -> dict:
    return {"cell_type": "code", "source": text.strip("\n"), "tags": list(tags)}


CELLS = [
    md(r"""
# word2vec from scratch, with this project's code

This notebook walks the chapter (d2l.ai, *Pretraining word2vec*, and the derivations in
[math.md](math.md)) with the `w2v_scratch` package and NumPy only: text → minibatch, the
skip-gram forward pass and its gradient (checked against finite differences), the Huffman tree
of hierarchical softmax, a training run on Penn Treebank, one step of the Numba kernel against the
NumPy reference, and the three output layers side by side. The notation is math.md's: $v_w$ a row
of $W_{\text{in}}$ (`w_in`), $u_w$ a row of $W_{\text{out}}$ and $\theta_n$ a Huffman inner node
(both `w_out`: the output table of negative sampling and the full softmax, or of hierarchical
softmax), $h$ the hidden vector, $s$ a score, $\sigma$ the logistic function.

Everything is seeded, so the outputs below are reproducible; only the timings of section 6
change from run to run. `tests/test_notebook.py` executes the notebook in CI;
`python docs/build_notebook.py` rebuilds it.
"""),
    code(r"""
import os
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # one BLAS thread, before NumPy loads: timings measure work, not thread hand-offs
%matplotlib inline
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np

import w2v_scratch
from w2v_scratch import Word2Vec
from w2v_scratch.corpus import read as corpus
from w2v_scratch.textbook import gradcheck
from w2v_scratch.textbook import huffman
from w2v_scratch.vectors import plot
from w2v_scratch.textbook import sampling
from w2v_scratch.kernels import cpu as cpu_kernels
from w2v_scratch.textbook.losses import FullSoftmax, HierarchicalSoftmax, NegativeSampling, sigmoid, softplus
from w2v_scratch.textbook.models import SkipGram
from w2v_scratch.textbook.optim import SGD
from w2v_scratch.textbook.reference import Step, loss_and_grads

np.set_printoptions(precision=4, suppress=True, linewidth=100)
SEED = 0
print("w2v_scratch", w2v_scratch.__version__)
"""),
    md(r"""
## 1. From text to a padded minibatch

Penn Treebank ships with the package: `w2v_scratch.corpus.read.load("ptb", min_count=10)` reads it
once and returns the vocabulary (`Vocab`: ids by frequency, id 0 the most frequent word) and the
encoded corpus (`Corpus`: one int32 array `ids`, sentence `s` is `ids[offsets[s]:offsets[s+1]]`;
words seen fewer than 10 times are dropped, as in the textbook).
"""),
    code(r"""
vocab, ptb = corpus.load("ptb", min_count=10)
print(f"PTB: {len(ptb):,} tokens in {ptb.n_sentences:,} sentences, vocabulary {len(vocab):,} words")
s = 1068
ids = ptb.ids[ptb.offsets[s]:ptb.offsets[s + 1]]
print(" ".join(vocab.words[i] for i in ids))
print(ids)
"""),
    md(r"""
**Subsampling** (math.md §8). Each token of word $w$ is kept with probability
$p_w = \min\bigl(1, \sqrt{t/f_w}\bigr)$, $f_w = \text{count}_w/\text{total}$, $t = 10^{-4}$
(the textbook's rule): `sampling.keep_probabilities(counts, t, rule="textbook")` computes $p_w$,
`sampling.subsample` draws the kept tokens.
"""),
    code(r"""
rng = np.random.default_rng(SEED)
keep = sampling.keep_probabilities(vocab.counts, 1e-4, rule="textbook")
for i in ids:
    print(f"{vocab.words[i]:>14}  count {vocab.counts[i]:>6,}  p_keep {keep[i]:.3f}")
kept, kept_offsets = sampling.subsample(ids, np.array([0, len(ids)]), keep, rng)
print("kept:", " ".join(vocab.words[i] for i in kept))
"""),
    md(r"""
**Windows.** Every kept token is a center $c$; its context words are the tokens within a radius
$R$ drawn uniformly from $1..W$ (same sentence only): `sampling.centers_and_contexts(ids,
offsets, max_window, rng)` returns `centers`, `contexts` $(N, 2W)$ and their `mask`. The textbook
uses $W = 5$; $W = 2$ here keeps the rows short enough to read.
"""),
    code(r"""
centers, contexts, ctx_mask = sampling.centers_and_contexts(kept, kept_offsets, 2, rng)
for c, row, m in zip(centers, contexts, ctx_mask):
    print(f"{vocab.words[c]:>12} -> {', '.join(vocab.words[x] for x in row[m])}")
"""),
    md(r"""
**Noise words and the padded minibatch** (math.md §4.3, §9). Noise words come from
$P_n(w) \propto \text{count}_w^{0.75}$ (`sampling.AliasSampler.unigram`, the alias method), $K$ per
context word, never one of that center's context words. `sampling.textbook_batches` lays a
minibatch out as the textbook does: row $b$ holds the center's context words (label $y = 1$), then
its noise words ($y = 0$), then padding (mask $m = 0$) up to the longest row. $K = 2$ here
(the textbook uses 5).
"""),
    code(r"""
sampler = sampling.AliasSampler.unigram(vocab.counts, 0.75)
batch = next(sampling.textbook_batches(centers, contexts, ctx_mask, sampler, num_noise=2,
                                       batch_size=4, rng=rng, shuffle=False))
print("center:", batch.center[:, 0], [vocab.words[c] for c in batch.center[:, 0]])
print("contexts_and_negatives:", batch.contexts_and_negatives, sep="\n")
print("mask:", batch.mask.astype(int), sep="\n")
print("label:", batch.label.astype(int), sep="\n")
""", "minibatch"),
    md(r"""
## 2. Forward pass, masked binary cross-entropy, and its gradient

Skip-gram's hidden vector is the center's input vector, $h_b = v_{c_b}$ (`models.SkipGram.hidden`).
Each target $t_{bl}$ gets the score $s_{bl} = h_b\cdot u_{t_{bl}}$ and the row's loss is the binary
cross-entropy averaged over its real entries (math.md §4.3,
`w2v_scratch.textbook.losses.NegativeSampling(normalize=True).__call__`):

$$
\ell_b = \frac{1}{n_b}\sum_{l} m_{bl}\,\bigl[\operatorname{softplus}(s_{bl}) - y_{bl}\, s_{bl}\bigr],
\qquad n_b = \sum_l m_{bl}.
$$

Small random tables ($d = 8$, float64) make the numbers readable; the loss is computed by the
library and again by hand with `softplus` (`textbook/losses.py`).
"""),
    code(r"""
rng = np.random.default_rng(SEED)
d = 8
W_in = rng.normal(0, 0.5, (len(vocab), d))   # v_w, rows of w_in
W_out = rng.normal(0, 0.5, (len(vocab), d))  # u_w, rows of w_out
sg, bce = SkipGram(), NegativeSampling(normalize=True)
targets, y, m = batch.contexts_and_negatives, batch.label, batch.mask
h = sg.hidden(W_in, batch.center[:, 0])
out = bce(h, W_out, targets, y, m)
s = np.einsum("bd,bld->bl", h, W_out[targets])
by_hand = (m * (softplus(s) - y * s)).sum(axis=1) / m.sum(axis=1)
print("scores s (first row):", s[0][m[0] > 0])
print("loss per row, library:", out.loss)
print("loss per row, by hand:", by_hand)
"""),
    md(r"""
**The closed-form gradient.** With $g_{bl} = m_{bl}\,(\sigma(s_{bl}) - y_{bl})/n_b$:

$$
\frac{\partial \ell_b}{\partial h_b} = \sum_l g_{bl}\, u_{t_{bl}},
\qquad
\frac{\partial \ell_b}{\partial u_{t_{bl}}} = g_{bl}\, h_b ,
$$

and `SkipGram.backward` hands $\partial\ell_b/\partial h_b$ to the center's row $v_{c_b}$;
`loss_and_grads` (`w2v_scratch.textbook.reference`) chains the three. **The gradient check** (math.md §12,
`w2v_scratch.textbook.gradcheck`) compares it with central differences of $L = \sum_b \ell_b$,
$n_i = \sum_b [\ell_b(x + \varepsilon e_i) - \ell_b(x - \varepsilon e_i)]/(2\varepsilon)$,
$\varepsilon = 10^{-5}$, over every entry of both tables: `gradcheck.analytic_gradients`,
`gradcheck.numeric_gradients`, and
$\text{rel. error} = \max_i |a_i - n_i| / \max(\max_i|a_i|, \max_i|n_i|)$
(`gradcheck.relative_error`). Only the rows this minibatch touches can have a non-zero gradient,
so the check runs on those rows, renumbered $0..n-1$ (the rest is $0$ on both sides).
"""),
    code(r"""
rows, local = np.unique(np.concatenate([batch.center[:, 0], targets.ravel()]), return_inverse=True)
local_centers, local_targets = local[:len(batch.center)], local[len(batch.center):].reshape(targets.shape)
problem = gradcheck.Problem(sg, bce, W_in[rows].copy(), W_out[rows].copy(),
                            Step(local_centers, (local_targets, y, m), int(y.sum())))
analytic = gradcheck.analytic_gradients(problem)
numeric = gradcheck.numeric_gradients(problem)
c0 = local_centers[0]
print(f"d L / d v_{vocab.words[rows[c0]]!r} (first 4 entries)")
print("  closed form:", analytic["w_in"][c0, :4])
print("  finite diff:", numeric["w_in"][c0, :4])
for block in ("w_in", "w_out"):
    err = gradcheck.relative_error(analytic[block], numeric[block])
    print(f"{block:>8}: {len(rows)} rows x {d}, relative error {err:.1e}")
""", "gradcheck"),
    md(r"""
## 3. Hierarchical softmax: the Huffman tree

`huffman.build(counts)` (counts sorted descending, as a `Vocab`'s are) builds the Huffman tree in
$O(V)$ and returns, for each word $w$, its path $p_{w,1..L_w}$ of inner nodes (`tree.points`, rows
of $\Theta$, root first) and branch bits $c_{w,j}$ (`tree.codes`). Frequent words get short paths.
Below, a toy vocabulary of 8 words; the path of "chip" in red.
"""),
    code(r"""
toy_words = ["the", "of", "chip", "intel", "bank", "oil", "mips", "nec"]
toy_counts = np.array([50, 30, 12, 9, 7, 5, 3, 2])
tree = huffman.build(toy_counts)
for w, (word, count) in enumerate(zip(toy_words, toy_counts)):
    L = tree.lengths[w]
    print(f"{word:>5} (count {count:>2}): code {''.join(map(str, tree.codes[w, :L])):<5} path {tree.points[w, :L]}")
"""),
    code(r"""
# The tree, read off the paths: inner node p_{w,j} --c_{w,j}--> p_{w,j+1}, or the word w at the end.
child = {}
for w in range(len(toy_words)):
    L = tree.lengths[w]
    for j in range(L):
        child[(tree.points[w, j], tree.codes[w, j])] = ("node", tree.points[w, j + 1]) if j + 1 < L else ("word", w)
pos, leaves = {}, iter(range(len(toy_words)))
def place(node, depth):  # leaves left to right (branch 0 first), an inner node above its children
    if node[0] == "word":
        pos[node] = (next(leaves), -depth)
    else:
        a, b = place(child[(node[1], 0)], depth + 1), place(child[(node[1], 1)], depth + 1)
        pos[node] = ((a[0] + b[0]) / 2, -depth)
    return pos[node]
place(("node", tree.n_inner - 1), 0)  # the root is the last inner row
print(f"{len(child)} edges, {len(pos)} nodes: {tree.n_inner} inner, {len(toy_words)} words")
"""),
    code(r"""
chip = toy_words.index("chip")
path = {(tree.points[chip, j], tree.codes[chip, j]) for j in range(tree.lengths[chip])}  # edges on its path
fig, ax = plt.subplots(figsize=(7, 4))
for (n, bit), c in child.items():
    (x0, y0), (x1, y1) = pos[("node", n)], pos[c]
    red = (n, bit) in path
    ax.plot([x0, x1], [y0, y1], color="tab:red" if red else "0.6", lw=2.5 if red else 1, zorder=1)
    ax.text(x0 + 0.4 * (x1 - x0), y0 + 0.4 * (y1 - y0), str(bit), fontsize=9, ha="center", va="center",
            backgroundcolor="w")
for node, (x, y_) in pos.items():
    inner = node[0] == "node"
    label = f"θ{node[1]}" if inner else f"{toy_words[node[1]]}\n{toy_counts[node[1]]}"
    ax.text(x, y_, label, ha="center", va="center", fontsize=9, zorder=2,
            bbox=dict(boxstyle="circle" if inner else "round", fc="w", ec="0.3"))
ax.set_title("Huffman tree of a toy vocabulary: word and count at the leaves, code bits on the edges",
             fontsize=10)
ax.axis("off")
plt.show()
""", "huffman-tree"),
    md(r"""
**One word's path, and $P(w\mid h)$** (math.md §4.4). At inner node $n$ the walk takes branch 0
with probability $\sigma(h\cdot\theta_n)$; with $s_j = h\cdot\theta_{p_{w,j}}$ and
$\epsilon_j = 1 - 2c_{w,j}$,

$$
P(w\mid h) = \prod_{j=1}^{L_w} \sigma(\epsilon_j\, s_j),
\qquad \ell = -\log P(w\mid h) = \sum_j \operatorname{softplus}(-\epsilon_j s_j)
$$

(`HierarchicalSoftmax.__call__` in `textbook/losses.py` for $\ell$, `HierarchicalSoftmax.probabilities` for
every $P(w\mid h)$). The two branch probabilities of every node add to 1, so $P(\cdot\mid h)$ sums to
1 over the vocabulary, whatever $h$ and $\Theta$ are.
"""),
    code(r"""
L = tree.lengths[chip]
print(f"'chip': path length {L}, points {tree.points[chip, :L]}, codes {tree.codes[chip, :L]}")
rng = np.random.default_rng(SEED)
theta = rng.normal(0, 1, (tree.n_inner, 5))
h_toy = rng.normal(0, 1, (1, 5))
hs = HierarchicalSoftmax(tree)
P = hs.probabilities(h_toy, theta)[0]
eps = 1 - 2 * tree.codes[chip, :L].astype(float)
print("P(chip | h), product along the path:", np.prod(sigmoid(eps * (theta[tree.points[chip, :L]] @ h_toy[0]))))
print("P(chip | h), exp(-HS loss):         ", np.exp(-hs(h_toy, theta, np.array([chip])).loss[0]))
for w, p in zip(toy_words, P):
    print(f"  P({w:>5} | h) = {p:.4f}")
print(f"sum over the vocabulary: {P.sum():.12f}")
""", "hs-sum"),
    md(r"""
## 4. Training on PTB with the textbook's settings

`Word2Vec(backend="reference").fit("ptb")`, the reference (NumPy) trainer with its defaults, is the textbook's run:
skip-gram with negative sampling, $d = 100$, max window 5, $K = 5$ noise words per context word,
minibatches of 512 centers, min count 10, subsampling $\sqrt{10^{-4}/f}$, Adam at learning rate
0.01 (math.md §6). Each minibatch step (the loop of `w2v_scratch/training/trainer_reference.py`) is
`loss_and_grads` (`textbook/reference.py`) followed by `Adam.step` (`textbook/optim.py`) on the rows
it touched.

**Shortened for CI:** 2 epochs instead of the textbook's 5. The full run (`w2v-scratch train`) ends at a lower loss, with "intel" and
"microprocessor" nearest to "chip".

The loss reported is the loss of one (center, context) example, $-\log\sigma(u_o\cdot h) -
\sum_k \log\sigma(-u_{n_k}\cdot h)$ (math.md §13): the running mean over the epoch (`loss`), and the
loss of a fixed sample at the end of each epoch (`eval_loss`, `w2v_scratch.training.monitor.FixedSample`).
"""),
    code(r"""
model = Word2Vec(backend="reference", epochs=2, seed=1).fit("ptb", progress=False, log=lambda msg: None)
cfg = model.config
print(f"{cfg.backend} backend: {cfg.model}/{cfg.loss}, dim {cfg.dim}, window {cfg.window}, "
      f"K {cfg.negative}, batch {cfg.batch_size} centers, min count {cfg.min_count}, "
      f"sample {cfg.sample:g} ({cfg.sample_rule}), {cfg.optimizer} lr {cfg.lr:g}, {cfg.epochs} epochs")
for r in model.history:
    print(f"epoch {r['epoch']}: loss {r['loss']:.4f}, fixed-sample loss {r['eval_loss']:.4f}, "
          f"{r['trained_words']:,} tokens after subsampling, {len(r['batch_losses'])} minibatches")
""", "train"),
    code(r"""
print(f"training took {sum(r['seconds'] for r in model.history):.1f} s")
""", NONDETERMINISTIC),
    code(r"""
batch_losses = np.concatenate([r["batch_losses"] for r in model.history])
x = np.arange(1, len(batch_losses) + 1) / len(model.history[0]["batch_losses"])
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(x, batch_losses, color="tab:blue", alpha=0.3, lw=0.8, label="minibatch loss")
ax.plot(x, plot.moving_average(batch_losses, 50), color="tab:blue", lw=1.8, label="moving average (50)")
ax.plot([r["epoch"] for r in model.history], [r["eval_loss"] for r in model.history], "o-",
        color="tab:orange", label="fixed-sample loss")
ax.set(xlabel="epoch", ylabel="loss per example", title="skip-gram + NS on PTB (reference trainer, Adam)")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
""", "loss-curve"),
    md(r"""
**Nearest words** by cosine similarity of the input vectors $v_w$ (`model.wv.most_similar`,
`w2v_scratch.vectors.embeddings.Embeddings.most_similar`): $\cos(v_a, v_b) = v_a\cdot v_b / (\lVert v_a\rVert\,\lVert v_b\rVert)$.
"""),
    code(r"""
print("nearest to 'chip':")
for word, cosine in model.wv.most_similar("chip", topn=5):
    print(f"  {word:<16} cosine {cosine:.3f}")
""", "chip-neighbours"),
    md(r"""
## 5. The same update in the Numba kernel

The cpu backend takes word2vec.c's SGD steps in float32. Skip-gram steps once per window by
default, all the window's pairs at once (math.md §11; `tests/test_sentence_schemes.py` checks that
step against the NumPy reference on the window's pairs); pair by pair (`--no-window-batch`) is
word2vec.c's scheme, and its step is the one shown here. For one skip-gram pair (input row $x$,
positive target $o$, $K$ noise words) `kernels.cpu.sg_step` → `ns_update` (→ `logistic_g`)
computes, for every target row $u$ with label $y$, first all the scores $f = x\cdot u$, then
$g = \alpha(y - \sigma(f))$, $e \mathrel{+}= g\,u$, then $u \mathrel{+}= g\,x$, and finally
$x \mathrel{+}= e$ — the SGD step
$x \leftarrow x - \alpha\,\partial\ell/\partial x$, $u \leftarrow u - \alpha\,\partial\ell/\partial u$
on word2vec's loss $\ell = -\log\sigma(x\cdot u_o) - \sum_k\log\sigma(-x\cdot u_{n_k})$ (math.md §5.1,
§11). The NumPy reference takes the same step with `NegativeSampling(normalize=False)`,
`loss_and_grads` (`textbook/reference.py`) and `SGD.step` (`textbook/optim.py`). They agree (float32 against float64) as long as no
$|f| > 6$ (where the kernel clips $\sigma$) and no noise word equals the positive (the kernel skips it).
"""),
    code(r"""
vocab = model.vocab
rng = np.random.default_rng(SEED)
K, alpha, d = 5, 0.025, cfg.dim
inp, word = vocab["chip"], vocab["intel"]
noise = sampling.AliasSampler.unigram(vocab.counts).draw_excluding(rng, (1, K), np.array([[word]]))[0]
assert len(set(noise)) == K
print("input:", vocab.words[inp], "| target:", vocab.words[word], "| noise:", [vocab.words[n] for n in noise])
# the Numba kernel, in place on float32 copies (flat views, as word2vec.c)
W_in_k, W_out_k = model.w_in.copy(), model.w_out.copy()
no_tree = (np.zeros((1, 1), np.int32), np.zeros((1, 1), np.uint8), np.zeros(1, np.int32))
e, fg = np.zeros(d, np.float32), np.zeros(K + 1, np.float32)  # e; scratch (scores, then steps)
loss_k = cpu_kernels.sg_step(W_in_k.reshape(-1), W_out_k.reshape(-1), d, inp, word, False, K, noise.astype(np.int64), 0,
                             *no_tree, np.float32(alpha), e, True, fg)
""", "kernel-step"),
    code(r"""
# the NumPy reference, in float64
W_in_r, W_out_r = model.w_in.astype(np.float64), model.w_out.astype(np.float64)
targets1 = np.concatenate([[word], noise])[None]
labels1 = np.array([[1.0] + [0.0] * K])
step = Step(np.array([inp]), (targets1, labels1, np.ones_like(labels1)), 1)
loss_r, grads = loss_and_grads(SkipGram(), NegativeSampling(normalize=False), W_in_r, W_out_r, step)
sgd = SGD(alpha)
sgd.step("w_in", W_in_r, *grads["w_in"])
sgd.step("w_out", W_out_r, *grads["w_out"])
print("scores f before the step:", model.w_in[inp] @ model.w_out[targets1[0]].T)
print(f"loss: kernel {loss_k:.6f}, reference {loss_r[0]:.6f}")
print(f"largest change of a parameter: {np.abs(W_in_r - model.w_in).max():.2e} (W_in), "
      f"{np.abs(W_out_r - model.w_out).max():.2e} (W_out)")
print(f"max |kernel - reference|: {np.abs(W_in_k - W_in_r).max():.1e} (W_in), {np.abs(W_out_k - W_out_r).max():.1e} (W_out)")
""", "kernel-vs-reference"),
    md(r"""
## 6. Negative sampling, hierarchical softmax, full softmax

The three output layers on the same small corpus (the first 3,000 sentences of PTB, min count 5),
skip-gram, one epoch each with the reference trainer (Adam): `NegativeSampling` ($K + 1$ rows per
example, $O(K d)$), `HierarchicalSoftmax` ($L_o \approx \log_2 V$ rows, $O(d\log V)$) and
`FullSoftmax` (all $V$ rows, $O(V d)$; math.md §5 summary). Their losses are not all the same
quantity: HS and the full softmax report $-\log P(o\mid c)$, a proper probability over the
vocabulary, so they compare directly; NS reports the binary logistic loss of the positive and its $K$
noise words, which is not a probability of $o$ and is shown for completeness.
"""),
    code(r"""
small = os.path.join(tempfile.mkdtemp(), "ptb-3000.txt")
with open(small, "w") as f:
    for _, sentence in zip(range(3000), corpus.iter_sentences("ptb")):
        f.write(" ".join(sentence) + "\n")
runs = {loss: Word2Vec(backend="reference", loss=loss, epochs=1, min_count=5, seed=1)
              .fit(small, progress=False, log=lambda msg: None) for loss in ("ns", "hs", "softmax")}
print(f"vocabulary {len(runs['ns'].vocab):,} words")
for loss, m in runs.items():
    r = m.history[0]
    print(f"{loss:>8}: loss {r['loss']:.4f}, fixed-sample loss {r['eval_loss']:.4f}, "
          f"{r['examples']:,} examples in {len(r['batch_losses'])} minibatches")
""", "three-losses"),
    code(r"""
for loss, m in runs.items():
    r = m.history[0]
    print(f"{loss:>8}: {1e3 * r['seconds'] / len(r['batch_losses']):6.1f} ms per minibatch, "
          f"{1e6 * r['seconds'] / r['examples']:6.1f} µs per example")
""", NONDETERMINISTIC),
    md(r"""
**Cost against vocabulary size.** One forward-and-gradient pass (`loss_and_grads`) of a
minibatch of $B = 256$ skip-gram pairs, $d = 100$, on random tables of growing $V$ (targets drawn
by Zipf frequencies, so HS paths have their usual length). NS stays flat, HS grows like $\log V$,
the full softmax like $V$. Timings are illustrative only: they depend on the machine.
"""),
    code(r"""
rng = np.random.default_rng(SEED)
B, d, sizes = 256, 100, [500, 1000, 2000, 5000, 10000, 20000]
print("V:", sizes)
cost = {"negative sampling": [], "hierarchical softmax": [], "full softmax": []}
for V in sizes:
    counts = (1e6 / np.arange(1, V + 1)).astype(np.int64)  # Zipf's law
    words = sampling.AliasSampler(counts).draw(rng, B)
    noise = sampling.AliasSampler.unigram(counts).draw(rng, (B, 5))
    W_in, W_out = (rng.normal(0, 0.1, (V, d)).astype(np.float32) for _ in range(2))
    ns_t = np.concatenate([words[:, None], noise], axis=1)
    ns_y = np.zeros(ns_t.shape, np.float32)
    ns_y[:, 0] = 1
    setups = {"negative sampling": (NegativeSampling(False), W_out, (ns_t, ns_y, np.ones_like(ns_y))),
              "hierarchical softmax": (HierarchicalSoftmax(huffman.build(counts)), W_out[:-1], (words,)),
              "full softmax": (FullSoftmax(), W_out, (words,))}
    for name, (loss, table, targets_v) in setups.items():
        step = Step(rng.integers(0, V, B), targets_v, B)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            loss_and_grads(SkipGram(), loss, W_in, table, step)
            times.append(time.perf_counter() - t0)
        cost[name].append(1e3 * min(times))
for name, ms in cost.items():
    print(f"{name:>20}: " + ", ".join(f"{t:.2f}" for t in ms) + " ms")
""", NONDETERMINISTIC),
    code(r"""
fig, ax = plt.subplots(figsize=(6, 3.4))
for name, ms in cost.items():
    ax.plot(sizes, ms, "o-", label=name)
ax.set(xscale="log", yscale="log", xlabel="vocabulary size V", ylabel="ms per minibatch (B = 256)",
       title="cost of one forward + gradient pass")
ax.grid(alpha=0.3, which="both")
ax.legend()
plt.show()
""", NONDETERMINISTIC, "cost-vs-vocabulary"),
]


# ---------------------------------------------------------------------------
# Notebook, execution, cleaning
# ---------------------------------------------------------------------------
def notebook():
    """The notebook of :data:`CELLS`, without outputs (nbformat 4; cell ids ``cell-NN``)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    for k, c in enumerate(CELLS):
        make = nbformat.v4.new_code_cell if c["cell_type"] == "code" else nbformat.v4.new_markdown_cell
        cell = make(c["source"], id=f"cell-{k:02d}")
        if c["tags"]:
            cell.metadata["tags"] = list(c["tags"])
        nb.cells.append(cell)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return nb


def kernel_dir(folder: str) -> str:
    """A kernelspec folder whose ``python3`` kernel runs *this* interpreter (``sys.executable``),
    whatever kernels the user or the system have installed: CI's virtualenv runs the notebook
    even when it is not activated."""
    spec = Path(folder, "kernels", KERNEL)
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNELSPEC["display_name"],
                                                  "language": "python"}))
    return str(spec.parent)


def execute(nb, timeout: int = TIMEOUT):
    """Run ``nb`` top to bottom in a fresh kernel of this interpreter, in ``docs/``; returns it
    executed (raises ``nbclient.exceptions.CellExecutionError`` on the first failing cell)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as folder:
        ksm = KernelSpecManager(kernel_dirs=[kernel_dir(folder)])
        km = AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=ksm)
        client = NotebookClient(nb, km=km, timeout=timeout, record_timing=False, coalesce_streams=True,
                                resources={"metadata": {"path": str(DOCS)}})
        client.execute()
    return nb


def clean(nb):
    """Drop what changes from run to run without meaning anything: execution timestamps, the
    interpreter's version; the notebook metadata becomes exactly the kernelspec and language."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for out in cell.outputs:
                out.get("metadata", {}).pop("execution", None)
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return nb


def main() -> None:
    import nbformat

    start = time.perf_counter()
    nb = clean(execute(notebook()))
    nbformat.validate(nb)
    nbformat.write(nb, str(NOTEBOOK))
    print(f"executed and wrote {NOTEBOOK} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
