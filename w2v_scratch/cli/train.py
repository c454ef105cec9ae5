"""``w2v-scratch train``: train vectors and write them out."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys

from ..checkpoint import (Checkpointer, Interrupted, Terminated, checkpoint_paths, file_signature, lock, lock_path,
                          parse_interval, remove_checkpoint_files, terminate_by_unwinding)
from ..config import BACKENDS, LOSSES, MODELS, TrainConfig
from ..corpus import BUNDLED, check_cache_dir, resolve
from ..errors import ConfigError, W2VError
from ..files import check_outputs, same_file
from ..io import save_word2vec
from ..plot import plot_loss
from ..train import check_seed, fit, resume
from ..word2vec import Word2Vec

# Options that define a run, with their defaults: None in the parser, so that an option given with
# --resume is known to be given (and refused if it differs from the resumed run's value).
DEFAULTS = dict(model="sg", loss="ns", backend="reference", dim=100, window=5, negative=5, epochs=5, threads=1,
                seed=1, cbow_sum=False)
RUN_OPTIONS = {"--model": "model", "--loss": "loss", "--backend": "backend", "--dim": "dim", "--window": "window",
               "--negative": "negative", "--min-count": "min_count", "--max-vocab": "max_vocab",
               "--sample": "sample", "--sample-rule": "sample_rule", "--epochs": "epochs",
               "--batch-size": "batch_size", "--lr": "lr", "--min-lr": "min_lr", "--optimizer": "optimizer",
               "--cbow-sum": "cbow_sum", "--threads": "threads", "--seed": "seed"}
EPILOG = ("Exit status: 0 done; 2 argument syntax; 3 input file; 4 option; 5 vocabulary; 6 file format (a damaged "
          "checkpoint too); 7 device; 8 divergence; 130 Ctrl-C; 143 SIGTERM. Ctrl-C and SIGTERM write a checkpoint "
          "first (at the next chunk boundary; a second one stops at once). Every output is checked before the "
          "corpus is read: none may be an input (the corpus, the checkpoint being resumed) or another output.")


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows '(default: X)' only where there is a default worth showing."""

    def _get_help_string(self, action):
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


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
        epilog=EPILOG,
        formatter_class=_HelpFormatter,
    )
    p.add_argument("--corpus", default=None,
                   help="a text file (.gz/.bz2/.xz ok), or 'ptb' for the bundled corpus [ptb; with --resume: "
                        "the checkpoint's corpus]")
    p.add_argument("--output", "-o", default="vectors.txt",
                   help="where to write the word vectors (word2vec format; binary if it ends in .bin)")
    p.add_argument("--save-model", metavar="PATH", help="also save the full model (PATH.npz + PATH.json)")
    p.add_argument("--model", choices=MODELS, default=None, help="skip-gram or CBOW [sg]")
    p.add_argument("--loss", choices=LOSSES, default=None,
                   help="negative sampling, hierarchical softmax, or full softmax (reference only) [ns]")
    p.add_argument("--backend", choices=BACKENDS, default=None, help="which trainer runs [reference]")
    p.add_argument("--dim", type=int, default=None, help="vector size [100]")
    p.add_argument("--window", type=int, default=None, help="maximum context radius [5]")
    p.add_argument("--negative", type=int, default=None, help="noise words per context word (NS) [5]")
    p.add_argument("--min-count", type=int, default=None, help="drop words rarer than this [10 reference, 5 cpu/cuda]")
    p.add_argument("--max-vocab", type=int, default=None, help="keep at most this many words")
    p.add_argument("--sample", type=float, default=None, help="subsampling threshold t [1e-4 reference, 1e-3 cpu/cuda]")
    p.add_argument("--sample-rule", choices=("textbook", "word2vec"), default=None,
                   help="keep prob sqrt(t/f) (textbook) or (sqrt(f/t)+1)t/f (word2vec.c)")
    p.add_argument("--epochs", type=int, default=None, help="passes over the corpus [5]")
    p.add_argument("--batch-size", type=int, default=None,
                   help="centers per minibatch, reference trainer only (the kernels update pair by pair) [512]")
    p.add_argument("--lr", type=float, default=None,
                   help="learning rate [0.01 Adam reference; 0.025 sg / 0.05 cbow SGD]")
    p.add_argument("--min-lr", type=float, default=None, help="final learning rate of the linear decay (SGD)")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default=None,
                   help="reference trainer's optimizer [adam]; cpu/cuda always run per-pair SGD")
    p.add_argument("--cbow-sum", action="store_true", default=None,
                   help="CBOW sums the context vectors instead of averaging")
    p.add_argument("--threads", type=int, default=None, help="worker threads (cpu backend) [1]")
    p.add_argument("--seed", type=int, default=None, help="random seed, 0 to 2**64-1 (same seed, same vectors) [1]")
    p.add_argument("--query", nargs="*", default=["chip"], help="words whose nearest neighbours are printed at the end")
    p.add_argument("--plot", metavar="PNG", help="save the loss curve as a PNG (needs the plot extra)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--corpus-cache", metavar="DIR",
                   help="keep the encoded corpus (int32 ids) in memory-mapped files in DIR rather than in memory, "
                        "for corpora larger than memory; files are named after the corpus file and vocabulary, "
                        "reused by later runs, and safe to share between runs running at once")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="where checkpoints go (PATH.npz + PATH.json) [OUTPUT.ckpt; none when OUTPUT is a device or "
                        "pipe]; written on Ctrl-C, SIGTERM and with --checkpoint-every, removed once the run "
                        "completes; PATH.lock keeps a second run off the same checkpoint")
    p.add_argument("--checkpoint-every", metavar="DURATION",
                   help="write a checkpoint at this interval: 90s, 10m, 1h (a bare number is seconds)")
    p.add_argument("--resume", metavar="PATH",
                   help="carry on the run saved in checkpoint PATH with its model and options (--output, --corpus, "
                        "--checkpoint, --checkpoint-every, --save-model, --plot, --query, --corpus-cache, "
                        "--no-progress apply; an option that would change the run is refused)")
    p.set_defaults(func=run)


def config_from_args(args) -> TrainConfig:
    def get(name):
        value = getattr(args, name, None)
        return DEFAULTS[name] if value is None else value

    return TrainConfig(
        model=get("model"), loss=get("loss"), dim=get("dim"), window=get("window"), negative=get("negative"),
        epochs=get("epochs"), min_count=args.min_count, max_vocab=args.max_vocab, sample=args.sample,
        sample_rule=args.sample_rule, lr=args.lr, min_lr=args.min_lr, optimizer=args.optimizer,
        batch_size=args.batch_size, cbow_mean=not get("cbow_sum"), threads=get("threads"), seed=get("seed"),
        backend=get("backend"),
    )


def run(args) -> int:
    """Train (or resume), then write the outputs. SIGTERM unwinds the run like Ctrl-C (exit 143),
    writing a checkpoint first while training."""
    try:
        with terminate_by_unwinding():
            return _run(args)
    except Terminated:
        raise Interrupted("terminated by SIGTERM: the run stopped, and no file was left half-written",
                          143) from None


def refuse_changed_options(args, cfg, path) -> None:
    """With --resume: an option given explicitly must be the run's own value."""
    for option, name in RUN_OPTIONS.items():
        given = getattr(args, name, None)
        if given is None:
            continue
        if name == "cbow_sum":
            if given == (not cfg.cbow_mean):
                continue
            raise ConfigError(f"{option} cannot change when resuming: the run {path} was trained "
                              f"{'summing' if not cfg.cbow_mean else 'averaging'} the context vectors "
                              f"(drop {option}, or start a new run without --resume)")
        value = getattr(cfg, name)
        if given != value:
            raise ConfigError(f"{option} cannot change when resuming: the run was trained with "
                              f"{name.replace('_', ' ')} {value} (drop {option}, or start a new run without --resume)")


def _is_stream(path) -> bool:
    """A character device or FIFO (/dev/null, /dev/stdout, a named pipe)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _check_plot(path) -> None:
    """--plot: matplotlib is there and the name's extension is an image format it writes."""
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # deferred: optional and slow to import
        from matplotlib.figure import Figure  # deferred: the plot extra may be missing
    except ImportError:
        raise W2VError("--plot needs matplotlib: install the plot extra: pip install 'w2v-scratch[plot]'") from None
    if ext not in FigureCanvasAgg(Figure()).get_supported_filetypes():
        raise ConfigError(f"--plot {path}: cannot write a .{ext} image: name it .png, .pdf or .svg")


def check_run_outputs(args, ckpt_path, corpus) -> dict:
    """Every output of the run, checked before anything is read: writable, none of them an input
    (the corpus, the checkpoint being resumed), none the same file as another, none the cache
    folder. Returns ``{description: path}`` of the outputs that are not checkpoints."""
    outputs = {"--output": args.output}
    if args.save_model is not None:
        outputs["--save-model"], outputs["--save-model (.json)"] = checkpoint_paths(args.save_model)
    if args.plot is not None:
        outputs["--plot"] = args.plot
    checkpoints = {}
    if ckpt_path is not None:
        name = "--checkpoint" if args.checkpoint is not None else "the checkpoint"
        checkpoints[name], checkpoints[f"{name} (.json)"] = checkpoint_paths(ckpt_path)
        checkpoints[f"{name} (.lock)"] = lock_path(ckpt_path)
    if args.resume and (ckpt_path is None or lock_path(ckpt_path) != lock_path(args.resume)):
        checkpoints["the lock of the checkpoint being resumed"] = lock_path(args.resume)
    inputs = {}
    if corpus is not None:
        inputs["the corpus"] = resolve(corpus) if str(corpus) in BUNDLED else corpus
    check_outputs({**outputs, **checkpoints}, inputs=inputs)
    if args.resume:
        resumed = checkpoint_paths(args.resume)
        check_outputs(outputs, inputs={"the checkpoint being resumed": resumed[0],
                                       "the checkpoint being resumed (.json)": resumed[1]})
    if args.corpus_cache is not None:
        check_cache_dir(args.corpus_cache)
        cache = os.path.realpath(os.path.abspath(args.corpus_cache))
        for name, path in {**outputs, **checkpoints}.items():
            if os.path.realpath(os.path.abspath(path)) == cache:
                raise ConfigError(f"{name} {path} is the --corpus-cache folder: give them different names")
    if args.plot is not None:
        _check_plot(args.plot)
    return outputs


def _run(args) -> int:
    every = parse_interval(args.checkpoint_every) if args.checkpoint_every else None
    cfg = None
    if not args.resume:
        cfg = config_from_args(args).resolved()  # bad options fail before any reading
        check_seed(cfg.seed)
    if args.checkpoint is not None:
        ckpt_path = args.checkpoint
    elif args.resume:
        ckpt_path = args.resume
    elif _is_stream(args.output):
        ckpt_path = None  # nowhere to put OUTPUT.ckpt beside a device or pipe
    else:
        ckpt_path = args.output + ".ckpt"
    if every is not None and ckpt_path is None:
        raise ConfigError(f"--checkpoint-every needs --checkpoint PATH here: --output {args.output} is a device or "
                          "pipe, so there is no OUTPUT.ckpt")
    corpus = args.corpus if (args.corpus or args.resume) else "ptb"
    outputs = check_run_outputs(args, ckpt_path, corpus)  # ... and every output, before any reading
    checkpointer = Checkpointer(ckpt_path, every, _log)
    signatures = {}  # checkpoint files this run may remove once complete → what they were
    with contextlib.ExitStack() as stack:
        stack.enter_context(checkpointer.hold())  # a second run on this checkpoint is refused here
        if args.resume:
            if ckpt_path is None or not all(same_file(a, b) for a, b in zip(checkpoint_paths(args.resume),
                                                                            checkpoint_paths(ckpt_path))):
                stack.enter_context(lock(args.resume))
            signatures = {path: file_signature(path) for path in checkpoint_paths(args.resume)}
            model = Word2Vec.load_checkpoint(args.resume)
            cfg = model.config.resolved()
            refuse_changed_options(args, cfg, args.resume)
            if args.corpus is None:  # the checkpoint's corpus is an input too
                check_run_outputs(args, ckpt_path, model.state.get("corpus"))
            model = resume(model, args.resume, args.corpus, progress=not args.no_progress, log=_log,
                           checkpointer=checkpointer, corpus_cache=args.corpus_cache)
        else:
            model = fit(Word2Vec(cfg), corpus, progress=not args.no_progress, log=_log, checkpointer=checkpointer,
                        corpus_cache=args.corpus_cache)
            cfg = model.config
        save_word2vec(args.output, model.wv)  # binary when the name ends in .bin
        _log(f"wrote {len(model.vocab):,} vectors of dimension {cfg.dim} to {args.output}")
        if args.save_model:
            model.save(args.save_model)
            _log(f"wrote the full model to {args.save_model}.npz/.json")
        if args.plot:
            plot_loss(model.history, args.plot)
            _log(f"wrote the loss curve to {args.plot}")
        # The run is complete: its checkpoints have served. Remove only files this run wrote or
        # resumed from, unchanged since, and never one of its outputs.
        signatures.update(checkpointer.written)
        remove_checkpoint_files(signatures, keep=list(outputs.values()))
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
