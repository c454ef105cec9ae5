"""``w2v-scratch train``: train vectors and write them out."""

from __future__ import annotations

import argparse
import sys

from ..config import BACKENDS, LOSSES, MODELS, TrainConfig


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train word vectors (default: the textbook run on bundled PTB)",
        description=(
            "Train word vectors. With no options this is the textbook's run: skip-gram with negative "
            "sampling on the bundled Penn Treebank, NumPy reference trainer with Adam. "
            "Options left unset take the backend's defaults: the textbook's for --backend reference, "
            "word2vec.c's for --backend cpu/cuda (min count 5, sample 1e-3, lr 0.025 / 0.05 for CBOW)."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--corpus", default=None,
                   help="a text file (.gz/.bz2/.xz ok), or 'ptb' for the bundled corpus [ptb; with --resume: "
                        "the checkpoint's corpus]")
    p.add_argument("--output", "-o", default="vectors.txt",
                   help="where to write the word vectors (word2vec format; binary if it ends in .bin)")
    p.add_argument("--save-model", metavar="PATH", help="also save the full model (PATH.npz + PATH.json)")
    p.add_argument("--model", choices=MODELS, default="sg", help="skip-gram or CBOW")
    p.add_argument("--loss", choices=LOSSES, default="ns",
                   help="negative sampling, hierarchical softmax, or full softmax (reference only)")
    p.add_argument("--backend", choices=BACKENDS, default="reference", help="which trainer runs")
    p.add_argument("--dim", type=int, default=100, help="vector size")
    p.add_argument("--window", type=int, default=5, help="maximum context radius")
    p.add_argument("--negative", type=int, default=5, help="noise words per context word (NS)")
    p.add_argument("--min-count", type=int, default=None, help="drop words rarer than this [10 reference, 5 cpu/cuda]")
    p.add_argument("--max-vocab", type=int, default=None, help="keep at most this many words")
    p.add_argument("--sample", type=float, default=None, help="subsampling threshold t [1e-4 reference, 1e-3 cpu/cuda]")
    p.add_argument("--sample-rule", choices=("textbook", "word2vec"), default=None,
                   help="keep prob sqrt(t/f) (textbook) or (sqrt(f/t)+1)t/f (word2vec.c)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus")
    p.add_argument("--batch-size", type=int, default=None,
                   help="centers per minibatch, reference trainer only (the kernels update pair by pair) [512]")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate [0.01 Adam reference; 0.025 sg / 0.05 cbow SGD]")
    p.add_argument("--min-lr", type=float, default=None, help="final learning rate of the linear decay (SGD)")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default=None,
                   help="reference trainer's optimizer [adam]; cpu/cuda always run per-pair SGD")
    p.add_argument("--cbow-sum", action="store_true", help="CBOW sums the context vectors instead of averaging")
    p.add_argument("--threads", type=int, default=1, help="worker threads (cpu backend)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same vectors)")
    p.add_argument("--query", nargs="*", default=["chip"], help="words whose nearest neighbours are printed at the end")
    p.add_argument("--plot", metavar="PNG", help="save the loss curve as a PNG (needs the plot extra)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--corpus-cache", metavar="DIR",
                   help="keep the encoded corpus (int32 ids) in memory-mapped files in DIR rather than in memory, "
                        "for corpora larger than memory")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="where checkpoints go (PATH.npz + PATH.json) [OUTPUT.ckpt]; written on Ctrl-C and with "
                        "--checkpoint-every, removed once the run completes")
    p.add_argument("--checkpoint-every", metavar="DURATION",
                   help="write a checkpoint at this interval: 90s, 10m, 1h (a bare number is seconds)")
    p.add_argument("--resume", metavar="PATH",
                   help="carry on the run saved in checkpoint PATH (its model and options; --output, --corpus, "
                        "--checkpoint-every still apply)")
    p.set_defaults(func=run)


def config_from_args(args) -> TrainConfig:
    return TrainConfig(
        model=args.model, loss=args.loss, dim=args.dim, window=args.window, negative=args.negative,
        epochs=args.epochs, min_count=args.min_count, max_vocab=args.max_vocab, sample=args.sample,
        sample_rule=args.sample_rule, lr=args.lr, min_lr=args.min_lr, optimizer=args.optimizer,
        batch_size=args.batch_size, cbow_mean=not args.cbow_sum, threads=args.threads, seed=args.seed,
        backend=args.backend,
    )


def run(args) -> int:
    import os

    from ..checkpoint import Checkpointer, parse_interval
    from ..io import check_writable, model_paths, save_word2vec
    from ..word2vec import Word2Vec

    every = parse_interval(args.checkpoint_every) if args.checkpoint_every else None
    if args.resume:
        ckpt_path = args.checkpoint or args.resume
        check_writable(args.output)
        checkpointer = Checkpointer(ckpt_path, every, _log)
        from ..train import resume

        model = resume(args.resume, args.corpus, progress=not args.no_progress, log=_log, checkpointer=checkpointer,
                       corpus_cache=args.corpus_cache)
        cfg = model.config
    else:
        cfg = config_from_args(args).resolved()  # bad options fail before any reading
        ckpt_path = args.checkpoint or args.output + ".ckpt"
        for path in (args.output, args.save_model, ckpt_path):  # ... and unwritable outputs before training
            if path:
                check_writable(path)
        checkpointer = Checkpointer(ckpt_path, every, _log)
        from ..train import fit

        model = fit(Word2Vec(cfg), args.corpus or "ptb", progress=not args.no_progress, log=_log,
                    checkpointer=checkpointer, corpus_cache=args.corpus_cache)
    save_word2vec(args.output, model.wv)  # binary when the name ends in .bin
    _log(f"wrote {len(model.vocab):,} vectors of dimension {cfg.dim} to {args.output}")
    if args.save_model:
        model.save(args.save_model)
        _log(f"wrote the full model to {args.save_model}.npz/.json")
    if checkpointer.saved or args.resume:  # the run is complete: its checkpoints have served
        for path in {*model_paths(ckpt_path), *(model_paths(args.resume) if args.resume else ())}:
            if os.path.exists(path):
                os.unlink(path)
    if args.plot:
        from ..plot import plot_loss

        plot_loss(model.history, args.plot)
        _log(f"wrote the loss curve to {args.plot}")
    wv = model.wv
    for word in args.query or []:
        if word not in wv:
            print(f"{word!r} is not in the vocabulary", file=sys.stderr)
            continue
        print(f"nearest to {word!r}:")
        for other, score in wv.most_similar(word, topn=3):
            print(f"  {other:<20} cosine {score:.3f}")
    return 0


def _log(msg: str) -> None:
    print(msg, file=sys.stderr)
