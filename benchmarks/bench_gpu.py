"""GPU benchmark: the cuda backend next to the cpu backend and gensim, same corpus, same settings.

For each dimension (default 100 and 300) and backend (cuda, cpu, gensim when installed) it
trains on the same encoded corpus (the shared text8 prefix + WikiText-2 train, repeated
``--repeat`` times so a GPU run is long enough to time) and prints

    raw words/s (corpus words before subsampling), trained words/s (after subsampling),
    seconds per epoch, analogy accuracy (questions-words.txt, restrict 30000),
    WordSim-353 and SimLex-999 Spearman.

Usage (on a machine with an NVIDIA GPU)::

    python benchmarks/bench_gpu.py --repeat 10 --epochs 5 --dims 100 300 --json bench-gpu.json
    python benchmarks/bench_gpu.py --check       # a few steps on cuda and cpu, compared
    python benchmarks/bench_gpu.py --ptx         # registers, local memory and float64 per kernel

Speed is timed by the trainers themselves (``history[*]["seconds"]``, after the kernels are
compiled); gensim's is the wall time of ``train()`` after ``build_vocab``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from itertools import chain

import numpy as np

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("W2V_DATA") or next(
    (d for d in (os.path.join(_REPO, "shared", "data"), os.path.join(_REPO, "..", "shared", "data"))
     if os.path.isdir(d)), os.path.join(_REPO, "..", "shared", "data"))
DEFAULT_CORPORA = [os.path.join(DATA, "text8.prefix.gz"), os.path.join(DATA, "wiki.train.tokens")]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", nargs="+", default=DEFAULT_CORPORA, help="corpus files, concatenated")
    p.add_argument("--repeat", type=int, default=10, help="repeat the corpus N times (default 10)")
    p.add_argument("--max-words", type=int, default=None, help="keep only the first N words (smoke tests)")
    p.add_argument("--dims", type=int, nargs="+", default=[100, 300])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--model", choices=["sg", "cbow"], default="sg")
    p.add_argument("--loss", choices=["ns", "hs"], default="ns")
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="threads of the cpu backend and gensim")
    p.add_argument("--backends", nargs="+", default=["cuda", "cpu", "gensim"], choices=["cuda", "cpu", "gensim"])
    p.add_argument("--plain", action="store_true", help="cuda: plain read-modify-write stores instead of atomic adds")
    p.add_argument("--warps-per-block", type=int, default=None, help="cuda: warps per block (default 4)")
    p.add_argument("--sentence-length", type=int, default=None,
                   help="cuda: raw words per pseudo-sentence, i.e. per warp (default 1000)")
    p.add_argument("--launch-words", type=int, default=None,
                   help="cuda: raw words per kernel launch, which bounds the warps in flight (default 2**25)")
    p.add_argument("--analogies", default=os.path.join(DATA, "questions-words.txt"))
    p.add_argument("--restrict", type=int, default=30000, help="analogy vocabulary restriction (gensim's 30000)")
    p.add_argument("--wordsim", default=os.path.join(DATA, "wordsim353.tsv"))
    p.add_argument("--simlex", default=os.path.join(DATA, "simlex999.txt"))
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument("--check", action="store_true", help="train a few steps on cuda and cpu and compare")
    p.add_argument("--ptx", action="store_true", help="report registers, local memory and .f64 per kernel")
    return p.parse_args(argv)


# -- corpus ------------------------------------------------------------------------------------
def load_corpus(files, min_count, repeat=1, max_words=None):
    """One vocabulary over all files, their encodings concatenated, then repeated."""
    from w2v_scratch.corpus.read import Corpus, iter_sentences
    from w2v_scratch.corpus.vocab import Vocab

    vocab = Vocab.build(chain.from_iterable(iter_sentences(f) for f in files), min_count)
    parts = [Corpus.encode(f, vocab) for f in files]
    ids = np.concatenate([c.ids for c in parts])
    offsets, base = [np.zeros(1, np.int64)], 0
    for c in parts:
        offsets.append(c.offsets[1:] + base)
        base += len(c.ids)
    offsets = np.concatenate(offsets)
    if max_words is not None and max_words < len(ids):
        ids = ids[:max_words]
        offsets = np.append(offsets[offsets < max_words], max_words)
    n = len(ids)
    if repeat > 1:
        ids = np.tile(ids, repeat)
        offsets = np.concatenate([offsets[:-1] + k * n for k in range(repeat)] + [[repeat * n]])
        vocab = Vocab(vocab.words, vocab.counts * repeat)
    return vocab, Corpus(ids.astype(np.int32), offsets.astype(np.int64))


def config(args, dim, backend):
    from w2v_scratch.training.config import TrainConfig

    extra = {}
    if args.plain:
        extra["cuda_atomic"] = False
    if args.warps_per_block:
        extra["cuda_warps_per_block"] = args.warps_per_block
    if args.sentence_length:
        extra["cuda_sentence_length"] = args.sentence_length
    if args.launch_words:
        extra["cuda_launch_words"] = args.launch_words
    return TrainConfig(model=args.model, loss=args.loss, dim=dim, window=args.window, negative=args.negative,
                       epochs=args.epochs, min_count=args.min_count, sample=args.sample, seed=args.seed,
                       threads=args.threads, backend=backend, extra=extra).resolved()


# -- training ----------------------------------------------------------------------------------
def train_ours(backend, args, dim, vocab, corpus, log=None):
    from w2v_scratch.word2vec import Word2Vec

    cfg = config(args, dim, backend)
    w2v = Word2Vec(cfg)
    w2v.init_weights(vocab, np.random.default_rng(cfg.seed))
    log = log or (lambda msg: print(f"  [{backend} d={dim}] {msg}", file=sys.stderr))
    if backend == "cuda":
        from w2v_scratch.training import trainer_cuda as trainer
    else:
        from w2v_scratch.training import trainer_cpu as trainer
    trainer.train(w2v, corpus, cfg, progress=False, log=log)
    h = w2v.history
    seconds = sum(r["seconds"] for r in h)
    return {
        "vectors": w2v.center,
        "seconds_per_epoch": seconds / len(h),
        "words_per_sec": sum(r["words"] for r in h) / seconds,
        "trained_words_per_sec": sum(r["trained_words"] for r in h) / seconds,
        "loss": [r["loss"] for r in h],
        "device": w2v.state.get("device"),
    }


def train_gensim(args, dim, vocab, corpus):
    from gensim.models import Word2Vec as GensimW2V

    words = np.array(vocab.words, dtype=object)
    sentences = [words[corpus.ids[a:b]].tolist() for a, b in zip(corpus.offsets[:-1], corpus.offsets[1:])]
    cfg = config(args, dim, "cpu")
    model = GensimW2V(vector_size=dim, window=args.window, negative=args.negative if args.loss == "ns" else 0,
                      hs=int(args.loss == "hs"), sg=int(args.model == "sg"), min_count=1, sample=args.sample,
                      alpha=cfg.lr, min_alpha=cfg.min_lr, workers=args.threads, seed=args.seed,
                      max_final_vocab=None)
    model.build_vocab(sentences)
    t0 = time.perf_counter()
    trained, raw = model.train(sentences, total_examples=len(sentences), epochs=args.epochs)
    seconds = time.perf_counter() - t0
    vectors = np.zeros((len(vocab), dim), np.float32)  # words absent from a --max-words cut stay zero
    for i, w in enumerate(vocab.words):
        j = model.wv.key_to_index.get(w)
        if j is not None:
            vectors[i] = model.wv.vectors[j]
    return {"vectors": vectors, "seconds_per_epoch": seconds / args.epochs, "words_per_sec": raw / seconds,
            "trained_words_per_sec": trained / seconds, "loss": None, "device": "cpu"}


# -- quality -----------------------------------------------------------------------------------
def quality(vocab, vectors, args):
    from w2v_scratch.vectors.embeddings import Embeddings
    from w2v_scratch.vectors.evaluate import evaluate_analogies, evaluate_pairs

    emb = Embeddings(vocab.words, vectors, counts=vocab.counts)
    out = {}
    if args.analogies and os.path.exists(args.analogies):
        out["analogy"] = evaluate_analogies(emb, args.analogies, restrict_vocab=args.restrict).accuracy
    for name, path in (("wordsim353", args.wordsim), ("simlex999", args.simlex)):
        if path and os.path.exists(path):
            out[name] = evaluate_pairs(emb, path).spearman
    return out


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows):
    head = f"{'backend':8} {'dim':>4} {'raw words/s':>13} {'trained w/s':>13} {'s/epoch':>8} " \
           f"{'analogy':>8} {'WS353':>6} {'SimLex':>6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['backend']:8} {r['dim']:>4} {fmt(r['words_per_sec'], ',.0f'):>13} "
              f"{fmt(r['trained_words_per_sec'], ',.0f'):>13} {fmt(r['seconds_per_epoch'], '.2f'):>8} "
              f"{fmt(None if r.get('analogy') is None else 100 * r['analogy'], '.1f'):>8} {fmt(r.get('wordsim353'), '.3f'):>6} "
              f"{fmt(r.get('simlex999'), '.3f'):>6}")


# -- modes -------------------------------------------------------------------------------------
def run_benchmark(args):
    t0 = time.perf_counter()
    vocab, corpus = load_corpus(args.corpus, args.min_count, args.repeat, args.max_words)
    print(f"corpus: {len(corpus.ids):,} words ({args.repeat}× {', '.join(map(os.path.basename, args.corpus))}), "
          f"{corpus.n_sentences:,} sentences, vocabulary {len(vocab):,}; {args.model}-{args.loss}, "
          f"window {args.window}, negative {args.negative}, {args.epochs} epochs, sample {args.sample} "
          f"(read in {time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    rows = []
    for dim in args.dims:
        for backend in args.backends:
            if backend == "gensim":
                try:
                    import gensim  # noqa: F401
                except ImportError:
                    print("gensim is not installed: skipped", file=sys.stderr)
                    continue
                res = train_gensim(args, dim, vocab, corpus)
            else:
                res = train_ours(backend, args, dim, vocab, corpus)
            res.update(quality(vocab, res.pop("vectors"), args), backend=backend, dim=dim)
            rows.append(res)
            print_table([res])
    print()
    print_table(rows)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "words": int(len(corpus.ids)), "vocab": len(vocab), "rows": rows},
                      f, indent=2, default=float)
    return 0


def run_check(args):
    """Train the same short run on cuda and cpu; compare the loss curves and the quality."""
    files = args.corpus if args.corpus != DEFAULT_CORPORA else DEFAULT_CORPORA[:1]
    max_words = args.max_words or 500_000
    vocab, corpus = load_corpus(files, args.min_count, 1, max_words)
    args.epochs = min(args.epochs, 2)
    dim = args.dims[0]
    res = {b: train_ours(b, args, dim, vocab, corpus) for b in ("cuda", "cpu")}
    ok = True
    for b, r in res.items():
        r.update(quality(vocab, r["vectors"], args))
        finite = bool(np.isfinite(r["vectors"]).all())
        ok &= finite
        print(f"{b:5} loss per epoch {['%.4f' % x for x in r['loss']]}, WS353 {fmt(r.get('wordsim353'), '.3f')}, "
              f"analogy {fmt(r.get('analogy'), '.3f')}, finite {finite}")
    lc, lp = res["cuda"]["loss"][-1], res["cpu"]["loss"][-1]
    rel = abs(lc - lp) / lp
    ok &= rel < 0.05
    print(f"last-epoch loss: cuda {lc:.4f} vs cpu {lp:.4f} ({100 * rel:.1f}% apart, want < 5%)")
    ws_c, ws_p = res["cuda"].get("wordsim353"), res["cpu"].get("wordsim353")
    if ws_c is not None and ws_p is not None:
        ok &= abs(ws_c - ws_p) < 0.05
        print(f"WS353 Spearman: cuda {ws_c:.3f} vs cpu {ws_p:.3f} (want within 0.05)")
    print("check:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def run_ptx(args):
    """Compile each kernel for this GPU and report what matters for speed."""
    from numba import cuda

    from w2v_scratch.training import trainer_cuda
    from w2v_scratch.kernels import cuda as ck

    for model in ("sg", "cbow"):
        for loss in ("ns", "hs"):
            for dim in args.dims:
                wpb = args.warps_per_block or ck.DEFAULT_WARPS_PER_BLOCK
                kernel = ck.make_kernel(model, loss, dim, args.negative, args.window, atomic=not args.plain,
                                        warps_per_block=wpb)
                one = lambda a: cuda.to_device(a)  # noqa: E731
                trainer_cuda.warm_up(ck, kernel, dim, one(np.ones(1, np.float32)), one(np.zeros(1, np.int32)),
                                     one(np.zeros((1, 1), np.uint8)), one(np.zeros((1, 1), np.int32)),
                                     one(np.ones(1, np.int32)))
                # one compiled signature each; the dict forms work across numba-cuda versions
                ptx = next(iter(kernel.inspect_asm().values()))
                regs = next(iter(kernel.get_regs_per_thread().values()))
                local = next(iter(kernel.get_local_mem_per_thread().values()))
                f64 = sum(".f64" in line for line in ptx.splitlines())
                print(f"{model:4} {loss} d={dim:<4} registers/thread {regs:>3}, local bytes/thread {local:>4}, "
                      f"lines with .f64 {f64} (2-3 expected: the per-sentence loss store), "
                      f"shuffles {ptx.count('shfl.sync')}, warps/block {kernel.warps_per_block}, "
                      f"shared bytes/block {kernel.shared_bytes}")
    return 0


def main(argv=None):
    args = parse_args(argv)
    if args.check:
        return run_check(args)
    if args.ptx:
        return run_ptx(args)
    return run_benchmark(args)


if __name__ == "__main__":
    sys.exit(main())
