"""Why does the reported loss rise while quality improves? One run, measured every epoch.

Trains the cpu backend once and, after every epoch, records

* ``loss``: the running training loss of the epoch (what the trainer prints),
* ``eval_loss``: the loss of a fixed sample of training examples, parameters frozen
  (``w2v_scratch.training.monitor.FixedSample``: same examples and noise words every epoch),
* ``heldout``: the same on a fixed sample of a held-out corpus (default: WikiText-2 valid),
* the split of the fixed-sample loss into its positive part −log σ(u_pos·h) and its noise part,
* the mean norm of the word vectors (``center``) and of the output vectors (``context``),
* analogy accuracy and WordSim-353 Spearman.

Usage::

    python benchmarks/loss_curve.py --epochs 20 --json loss-curve.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("W2V_DATA") or next(
    (d for d in (os.path.join(_REPO, "shared", "data"), os.path.join(_REPO, "..", "shared", "data"))
     if os.path.isdir(d)), os.path.join(_REPO, "..", "shared", "data"))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=os.path.join(DATA, "wiki.train.tokens"))
    p.add_argument("--heldout", default=os.path.join(DATA, "wiki.valid.tokens"))
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--model", choices=["sg", "cbow"], default="sg")
    p.add_argument("--loss", choices=["ns"], default="ns")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lr", type=float, default=None, help="default: word2vec.c's 0.025 (sg) / 0.05 (cbow)")
    p.add_argument("--min-lr", type=float, default=None, help="default: lr·1e-4 (equal to --lr: a constant rate)")
    p.add_argument("--json", default=None)
    return p.parse_args(argv)


def split_loss(sample, center, output):
    """(positive part, noise part) of the fixed sample's mean NS loss."""
    from w2v_scratch.textbook.losses import softplus

    h = sample.hidden(center)
    pos = np.einsum("bd,bd->b", h, output[sample.targets].astype(np.float64))
    neg = np.einsum("bd,bkd->bk", h, output[sample.noise].astype(np.float64))
    return float(softplus(-pos).mean()), float(softplus(neg).sum(axis=1).mean())


def main(argv=None):
    from w2v_scratch.training import trainer_cpu
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.corpus.read import Corpus, load
    from w2v_scratch.vectors.embeddings import Embeddings
    from w2v_scratch.vectors.evaluate import evaluate_analogies, evaluate_pairs
    from w2v_scratch.training.monitor import FixedSample
    from w2v_scratch.word2vec import Word2Vec

    args = parse_args(argv)
    cfg = TrainConfig(model=args.model, loss=args.loss, dim=args.dim, epochs=args.epochs, threads=args.threads,
                      seed=args.seed, lr=args.lr, min_lr=args.min_lr, backend="cpu").resolved()
    vocab, corpus = load(args.corpus, cfg.min_count)
    heldout = FixedSample(Corpus.encode(args.heldout, vocab), vocab, cfg)
    train_sample = FixedSample(corpus, vocab, cfg)
    w2v = Word2Vec(cfg)
    w2v.init_weights(vocab, np.random.default_rng(cfg.seed))
    rows = []

    class Measured(list):  # every epoch record passes through append: measure the model there
        def append(self, record):
            super().append(record)
            emb = Embeddings(vocab.words, w2v.center, counts=vocab.counts)
            pos, neg = split_loss(train_sample, w2v.center, w2v.context)
            row = {"epoch": record["epoch"], "loss": record["loss"], "eval_loss": record["eval_loss"],
                   "heldout": heldout.loss(w2v.center, w2v.context), "eval_positive": pos, "eval_noise": neg,
                   "lr_end": record["lr_end"],
                   "center_norm": float(np.linalg.norm(w2v.center, axis=1).mean()),
                   "context_norm": float(np.linalg.norm(w2v.context, axis=1).mean()),
                   "analogy": evaluate_analogies(emb, os.path.join(DATA, "questions-words.txt"),
                                                 restrict_vocab=30000).accuracy,
                   "wordsim353": evaluate_pairs(emb, os.path.join(DATA, "wordsim353.tsv")).spearman}
            rows.append(row)
            print(" ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()),
                  flush=True)

    w2v.history = Measured()
    trainer_cpu.train(w2v, corpus, cfg, progress=False, log=lambda m: None)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "rows": rows}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
