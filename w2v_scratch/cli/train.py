"""``w2v-scratch train``: train vectors (or word2vec.c's word classes) and write them out.

Every field of :class:`~w2v_scratch.training.config.TrainConfig` has an option: those in :data:`OPTIONS`
are written out by hand (name, choices, help); any other field gets ``--field-name`` made from its
type and default (:func:`field_option`), so a field added to the config is never out of reach.
Each such option defaults to None in the parser: a field left unset keeps ``TrainConfig``'s own
default (or its backend's, see ``TrainConfig.resolved``), and with ``--resume`` an option that is
given is known to be given, and refused if it differs from the resumed run's value.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import shlex
import stat
import typing

from ..training import progress, recipes
from ..training.checkpoint import (RUN_KEYS, Checkpointer, Interrupted, Terminated, lock, lock_path,
                                   parse_interval, record_run, remove_checkpoint_files, resume_command)
from ..training.persist import model_paths
from ..vectors.classes import save_classes, word_classes
from ..training.config import BACKENDS, EXTRA_KEYS, LOSSES, MODELS, TrainConfig, fast_threads, refuse_unused
from ..corpus.read import BUNDLED, check_cache_dir, resolve
from ..corpus.vocab import VOCAB_OPTIONS
from ..base import terminate
from ..base.errors import ConfigError, W2VError
from ..base.files import check_outputs, file_signature, same_file
from ..vectors.formats import output_format, save_vectors, save_word2vec
from ..vectors.plot import plot_loss
from ..training.run import check_seed, fit, resolved_on, resume
from ..word2vec import Word2Vec
from .common import EXIT_STATUSES, HelpFormatter, positive, require

# TrainConfig field → its option: argparse keywords plus "option" (the flag, when not --field-name) and
# "help" (the field's default is added in brackets where it is one value; see _help).
OPTIONS = {
    "model": dict(choices=MODELS, help="skip-gram or CBOW"),
    "loss": dict(choices=LOSSES, help="negative sampling, hierarchical softmax, full softmax (reference only), or "
                                      "hierarchical softmax and negative sampling at once (hs+ns, cpu only)"),
    "backend": dict(choices=BACKENDS, help="which trainer runs (auto: cuda when a GPU is usable, else cpu); reference "
                                          "is --recipe textbook, cpu/cuda/auto --recipe word2vec [see --recipe]"),
    "dim": dict(type=int, help="vector size"),
    "window": dict(type=int, help="maximum context radius"),
    "negative": dict(type=int, help="noise words per context word (NS)"),
    "ns_exponent": dict(type=float, metavar="POWER",
                        help="noise distribution: word counts raised to this power (0 draws words uniformly)"),
    "min_count": dict(type=int, help="drop words rarer than this [10 reference, 5 cpu/cuda]"),
    **{name: dict(type=int, metavar="N", help=text) for name, text in VOCAB_OPTIONS.items()},
    "sample": dict(type=float, help="subsampling threshold t, 0 for none [1e-4 reference, 1e-3 cpu/cuda]"),
    "sample_rule": dict(choices=("textbook", "word2vec"),
                        help="keep prob sqrt(t/f) (textbook) or (sqrt(f/t)+1)t/f (word2vec.c) "
                             "[textbook reference, word2vec cpu/cuda]"),
    "epochs": dict(type=int, help="passes over the corpus"),
    "batch_size": dict(type=int, help="examples per minibatch (windows; (center, context) pairs for skip-gram "
                                      "HS/softmax), reference trainer only (refused on cpu/cuda: their kernels "
                                      "take SGD steps per example or per window) [512]"),
    "lr": dict(type=float, help="learning rate [0.01 Adam reference; 0.025 sg / 0.05 cbow SGD]"),
    "min_lr": dict(type=float, help="final learning rate of the linear decay (SGD) [lr x 1e-4]"),
    "optimizer": dict(choices=("adam", "sgd"), help="reference trainer's optimizer [adam]; cpu/cuda always run "
                                                    "SGD"),
    "cbow_mean": dict(option="--cbow-sum", action="store_true",
                      help="CBOW sums the context vectors instead of averaging them"),
    "threads": dict(type=int, help="worker threads (cpu backend) [every core the process may use]"),
    "seed": dict(type=int, help="random seed, 0 to 2**64-1 (same seed, same vectors)"),
    "max_sentence_length": dict(type=int, metavar="N",
                                help="a longer line is read as several sentences of at most N tokens"),
    "extra": dict(action="append", metavar="KEY=VALUE",
                  help="backend tuning, repeatable: cbow_update=word2vec|exact (CBOW context update: "
                       "word2vec.c's or the exact gradient of the mean), cuda_sentence_length=N, "
                       "cuda_launch_words=N, cuda_atomic=true|false, cuda_warps_per_block=N"),
    "shared_noise": dict(action=argparse.BooleanOptionalAction,
                         help="skip-gram NS on the kernels: draw the K noise words once per window and share them "
                              "among its pairs (HogBatch) instead of K per pair (word2vec.c) [cpu: shared with the window "
                              "step, per pair with --no-window-batch; --no-shared-noise on cpu: word2vec.c's "
                              "pair-by-pair scheme; cuda: shared]"),
    "window_batch": dict(action=argparse.BooleanOptionalAction,
                         help="skip-gram on the cpu: one step on all the pairs of a window, which share their "
                              "targets (the center word's Huffman path, or the center word and the shared noise "
                              "words), instead of pair by pair as word2vec.c (--no-window-batch) [cpu skip-gram: on]"),
    "save_vocab": dict(metavar="PATH", help="also write the vocabulary (one 'word count' line per word) to PATH"),
    "read_vocab": dict(metavar="PATH", help="take the vocabulary from PATH ('word count' lines) instead of "
                                            "counting it in the corpus"),
}
OUTPUT_FIELDS = ("save_vocab",)  # fields that name a file the run writes: checked as outputs
INPUT_FIELDS = ("read_vocab",)  # fields that name a file the run reads: never an output
DEFAULT_QUERY = {"ptb": ["chip"]}  # words shown at the end of a run on a bundled corpus (none on others)
EPILOG = (f"{EXIT_STATUSES}\n\nCtrl-C and SIGTERM while training write a checkpoint first (at the next chunk boundary; "
          "a second one stops at once). The trained model goes to the checkpoint before the outputs, and the checkpoint "
          "is removed once they are all written: an interruption or a full disk meanwhile keeps it, and the message "
          "says how to resume. A checkpoint records the run's outputs and options: 'train --resume CKPT' alone finishes the run. A "
          "run whose checkpoint exists is refused (resume it, or delete it); a damaged one is a file-format error. "
          "Every output is checked before the corpus is read: none may be an input (the corpus, the checkpoint being "
          "resumed) or another output.\n\nProgress: a bar on a terminal; when stderr is a file or pipe, a plain "
          f"progress line at most every {progress.PLAIN_SECONDS:g} s.")


def option_name(field: str) -> str:
    """The flag that sets TrainConfig ``field``: ``--field-name`` unless :data:`OPTIONS` names another."""
    return OPTIONS.get(field, {}).get("option", "--" + field.replace("_", "-"))


def _help(field: dataclasses.Field, text: str) -> str:
    """``text`` with the field's default in brackets, unless the text gives its own default, or the
    default is None (a backend's default) or a flag's."""
    default = field.default
    if "[" in text or default is None or default is dataclasses.MISSING or isinstance(default, bool):
        return text
    return f"{text} [{default:g}]" if isinstance(default, float) else f"{text} [{default}]"


def field_option(field: dataclasses.Field, hint) -> dict:
    """argparse keywords for a TrainConfig field that :data:`OPTIONS` does not list, made from its
    type: a bool is ``--name/--no-name``, a dict repeatable ``KEY=VALUE`` pairs, an int, float or
    str (optional or not) a value of that type."""
    kind = next((t for t in (bool, dict, int, float, str) if t is hint or t in typing.get_args(hint)), str)
    text = f"sets TrainConfig.{field.name}"
    if kind is bool:
        return dict(action=argparse.BooleanOptionalAction, help=text)
    if kind is dict:
        return dict(action="append", metavar="KEY=VALUE", help=f"{text} (repeatable)")
    return dict(type=kind, metavar=field.name.upper(), help=text)


def _add_config_options(p) -> None:
    """One option per TrainConfig field, in the dataclass's order, all defaulting to None."""
    group = p.add_argument_group("training options (one per TrainConfig field; unset: the backend's default)")
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        spec = dict(OPTIONS.get(field.name) or field_option(field, hints.get(field.name)))
        flag = spec.pop("option", option_name(field.name))
        spec["help"] = _help(field, spec.get("help", ""))
        group.add_argument(flag, dest=_dest(field.name), default=None, **spec)


def _dest(field: str) -> str:
    return "cbow_sum" if field == "cbow_mean" else field


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train word vectors (default: the textbook run on bundled PTB)",
        description=(
            "Train word vectors. Two recipes: 'textbook' is the NumPy reference trainer with the textbook's "
            "settings (Adam at 0.01, minibatches of 512, min count 10, sample 1e-4, one thread); 'word2vec' is the "
            "fastest backend here (cuda when a GPU is usable, else cpu on every core the process may use) with "
            "word2vec.c's settings (SGD at 0.025 / 0.05 for CBOW, min count 5, sample 1e-3). With no options this "
            "is the textbook's run on the bundled Penn Treebank, printing the words nearest to 'chip' at the end; "
            "on your own --corpus the default is the word2vec recipe. --recipe or --backend chooses; the first "
            "line of every run names the recipe, backend, threads and why.\n\nword2vec.c's -classes: --classes N "
            "writes one 'word class' line per word "
            "(k-means on the trained vectors) to --output instead of the vectors; 'w2v-scratch classes' "
            "does the same on vectors already trained."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--corpus", default=None,
                   help="a text file (.gz/.bz2/.xz ok), or 'ptb' for the bundled corpus [ptb; with --resume: "
                        "the checkpoint's corpus]")
    p.add_argument("--recipe", choices=recipes.RECIPES, default=None,
                   help="textbook: --backend reference with the textbook's defaults; word2vec: --backend auto (cuda "
                        "when a GPU is usable, else cpu on every core) with word2vec.c's defaults [textbook on the "
                        "bundled PTB, word2vec on your own --corpus; a --backend given alone picks its own recipe, and "
                        "with --recipe must agree with it]")
    p.add_argument("--output", "-o", default=None,
                   help="where to write the word vectors (word2vec format; binary if it ends in .bin) "
                        "[vectors.txt; classes.txt with --classes; with --resume: the checkpoint's]")
    p.add_argument("--save-model", metavar="PATH", help="also save the full model (PATH.npz + PATH.json)")
    p.add_argument("--classes", type=positive, metavar="N",
                   help="write N word classes (word2vec.c's -classes: k-means, 10 iterations) to --output "
                        "instead of the vectors")
    _add_config_options(p)
    p.add_argument("--query", nargs="*", default=None, metavar="WORD",
                   help="words whose nearest neighbours are printed at the end [chip on the bundled PTB; "
                        "none on other corpora]")
    p.add_argument("--plot", metavar="PNG", help="save the loss curve as a PNG (needs the plot extra)")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (nor, when stderr is not a terminal, progress lines)")
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
                   help="finish the run saved in checkpoint PATH with its model, options and outputs (the "
                        "checkpoint records --output, --save-model, --plot, --classes, --query, --checkpoint-every "
                        "and --corpus-cache; given again, --output, --corpus, --checkpoint and those options "
                        "replace the recorded ones; a training option that would change the run is refused)")
    p.set_defaults(func=run)


def _pairs(field: str, pairs) -> dict:
    """``KEY=VALUE`` pairs of a dict field as a dict: true/false are booleans, numbers are numbers.
    For ``extra``, a key the backends do not read (:data:`EXTRA_KEYS`) is refused."""
    option, out = option_name(field), {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"{option} {pair!r} is not KEY=VALUE: give e.g. --extra cbow_update=exact")
        if field == "extra" and key not in EXTRA_KEYS:
            raise ConfigError(f"{option}: unknown key {key!r}: use one of {', '.join(EXTRA_KEYS)}")
        out[key] = _scalar(text.strip())
    return out


def _scalar(text: str):
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def given(args, field: str):
    """The value the command line gives TrainConfig ``field``, or None when its option is not given."""
    value = getattr(args, _dest(field), None)
    if value is None:
        return None
    if field == "cbow_mean":
        return not value
    if isinstance(value, list):  # the repeatable KEY=VALUE options of dict fields
        return _pairs(field, value)
    return value


def config_from_args(args) -> TrainConfig:
    """The TrainConfig of the options given; the fields not given keep TrainConfig's defaults, except
    ``--backend``, which follows the recipe (``recipes.choose``: textbook → reference, word2vec →
    auto, unless --backend is given), and ``--threads``: the cpu (or auto) backend runs on every
    core unless told otherwise."""
    values = {f.name: given(args, f.name) for f in dataclasses.fields(TrainConfig)}
    values["backend"] = recipes.choose(args.recipe, values["backend"], args.corpus, args.loss)[1]
    if values["threads"] is None and values["backend"] in ("cpu", "auto"):
        values["threads"] = fast_threads()
    return TrainConfig(**{name: value for name, value in values.items() if value is not None})


def run_record(args, corpus) -> dict:
    """What the checkpoint records of this run (``checkpoint.RUN_KEYS``), the query words as they
    will be asked."""
    query = list(args.query) if args.query is not None else DEFAULT_QUERY.get(str(corpus), [])
    return record_run({**{key: getattr(args, key) for key in RUN_KEYS}, "query": query})


def apply_record(args, record, path) -> None:
    """With --resume: each option of :data:`RUN_KEYS` not given takes the checkpoint's recorded value.
    A checkpoint that records no output (``Word2Vec.fit`` wrote it, or a version from before
    outputs were recorded) needs --output: refused with one line naming it."""
    for key in RUN_KEYS:
        if getattr(args, key) is None and record and record.get(key) is not None:
            setattr(args, key, record[key])
    if args.output is None:
        base = os.fspath(path)
        guess = base[: -len(".ckpt")] if base.endswith(".ckpt") else ("classes.txt" if args.classes else "vectors.txt")
        raise ConfigError(f"checkpoint {path} does not record where its run writes (Word2Vec.fit, or a version from "
                          f"before checkpoints recorded their outputs, wrote it): give --output, e.g. "
                          f"{resume_command(path)} --output {shlex.quote(guess)}")


def check_classes(n, words: int) -> None:
    """--classes N needs N <= the vocabulary's words (more classes than words would stay empty)."""
    if n is not None and n > words:
        raise ConfigError(f"--classes {n:,} is more than the {words:,} words of the vocabulary: give --classes "
                          f"{words:,} or fewer (or keep more words with a lower --min-count)")


def run(args) -> int:
    """Train (or resume), then write the outputs. SIGTERM unwinds the run like Ctrl-C (exit 143: the
    CLI runs every command inside ``base.terminate.unwinding``), writing a checkpoint first while
    training; while the outputs are written the trained model is in the checkpoint already (:func:`_finish`). When stderr is not a terminal, progress bars leave
    plain lines (:func:`w2v_scratch.training.progress.plain_unless_terminal`)."""
    try:
        with progress.plain_unless_terminal():
            return (_resume if args.resume else _start)(args, progress.FirstLineLog())
    except Terminated:
        raise Interrupted("terminated by SIGTERM: the run stopped, and no file was left half-written",
                          143) from None


def refuse_changed_options(args, cfg, path) -> None:
    """With --resume: an option given explicitly must be the run's own value (--recipe included)."""
    if args.recipe is not None and args.recipe != recipes.of_backend(cfg.backend):
        raise ConfigError(f"--recipe cannot change when resuming: the run {path} was trained with the "
                          f"{recipes.of_backend(cfg.backend)} recipe (backend {cfg.backend}) (drop --recipe, or start "
                          "a new run without --resume)")
    for field in dataclasses.fields(TrainConfig):
        name, option, value = field.name, option_name(field.name), given(args, field.name)
        if value is None:
            continue
        if name == "cbow_mean":
            if value == cfg.cbow_mean:
                continue
            raise ConfigError(f"{option} cannot change when resuming: the run {path} was trained "
                              f"{'summing' if not cfg.cbow_mean else 'averaging'} the context vectors "
                              f"(drop {option}, or start a new run without --resume)")
        old = getattr(cfg, name)
        if (value if not isinstance(value, dict) else {**(old or {}), **value}) != old:
            raise ConfigError(f"{option} cannot change when resuming: the run was trained with "
                              f"{name.replace('_', ' ')} {old} (drop {option}, or start a new run without --resume)")


def _is_stream(path) -> bool:
    """A character device or FIFO (/dev/null, /dev/stdout, a named pipe)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _check_plot(path) -> None:
    """--plot: matplotlib is there (else a MissingDependency error) and the name's extension is an
    image format it writes."""
    require("matplotlib", "plot", "--plot")
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # deferred: optional and slow to import
    from matplotlib.figure import Figure  # deferred: the plot extra may be missing

    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    if ext not in FigureCanvasAgg(Figure()).get_supported_filetypes():
        raise ConfigError(f"--plot {path}: cannot write a .{ext} image: name it .png, .pdf or .svg")


def check_run_outputs(args, ckpt_path, corpus) -> dict:
    """Every output of the run, checked before anything is read: writable, none of them an input
    (the corpus, the checkpoint being resumed, a vocabulary read), none the same file as another,
    none the cache folder. Returns ``{description: path}`` of the outputs that are not checkpoints."""
    outputs = {"--output": args.output}
    if args.save_model is not None:
        outputs["--save-model"], outputs["--save-model (.json)"] = model_paths(args.save_model)
    if args.plot is not None:
        outputs["--plot"] = args.plot
    outputs.update({option_name(f): getattr(args, f) for f in OUTPUT_FIELDS if getattr(args, f, None) is not None})
    checkpoints = {}
    if ckpt_path is not None:
        name = "--checkpoint" if args.checkpoint is not None else "the checkpoint"
        checkpoints[name], checkpoints[f"{name} (.json)"] = model_paths(ckpt_path)
        checkpoints[f"{name} (.lock)"] = lock_path(ckpt_path)
    if args.resume and (ckpt_path is None or lock_path(ckpt_path) != lock_path(args.resume)):
        checkpoints["the lock of the checkpoint being resumed"] = lock_path(args.resume)
    inputs = {option_name(f): getattr(args, f) for f in INPUT_FIELDS if getattr(args, f, None) is not None}
    if corpus is not None:
        inputs["the corpus"] = resolve(corpus) if str(corpus) in BUNDLED else corpus
    check_outputs({**outputs, **checkpoints}, inputs=inputs)
    if not args.classes and not _is_stream(args.output):  # a file name that says another format (.npz, .pkl,
        # .csv...) is refused now, not after training; a FIFO or device takes word2vec text whatever its name
        try:
            output_format(args.output)
        except ConfigError as exc:
            raise ConfigError(f"--output: {exc}") from None
    if args.resume:
        resumed = model_paths(args.resume)
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


def _checkpoint_path(args):
    """Where this run's checkpoints go: --checkpoint, else the checkpoint resumed, else OUTPUT.ckpt
    (None when OUTPUT is a device or pipe)."""
    if args.checkpoint is not None:
        return args.checkpoint
    if args.resume:
        return args.resume
    return None if _is_stream(args.output) else args.output + ".ckpt"


def _start(args, log) -> int:
    """A new run: the recipe and options checked, every output checked, then train and write."""
    if args.output is None:
        args.output = "classes.txt" if args.classes else "vectors.txt"
    every = parse_interval(args.checkpoint_every) if args.checkpoint_every else None
    recipe, _, why = recipes.choose(args.recipe, given(args, "backend"), args.corpus, args.loss)
    config = config_from_args(args)
    cfg = resolved_on(config)  # auto chosen (cuda or cpu); bad options fail before any reading
    refuse_unused([f.name for f in dataclasses.fields(TrainConfig) if given(args, f.name) is not None], cfg)
    check_seed(cfg.seed)
    ckpt_path = _checkpoint_path(args)
    if every is not None and ckpt_path is None:
        raise ConfigError(f"--checkpoint-every needs --checkpoint PATH here: --output {args.output} is a device or "
                          "pipe, so there is no OUTPUT.ckpt")
    corpus = args.corpus if args.corpus else "ptb"
    outputs = check_run_outputs(args, ckpt_path, corpus)  # ... and every output, before any reading
    checkpointer = Checkpointer(ckpt_path, every, log, run=run_record(args, corpus),
                                command=resume_command(ckpt_path) if ckpt_path is not None else None)
    log.first = recipes.describe(recipe, why, cfg, config.backend, given(args, "threads") is not None)
    with checkpointer.hold():  # a second run on this checkpoint is refused here, an existing checkpoint in fit
        model = fit(Word2Vec(cfg), corpus, progress=not args.no_progress, log=log, checkpointer=checkpointer,
                    corpus_cache=args.corpus_cache, check_vocab=lambda vocab: check_classes(args.classes, len(vocab)))
        _finish(args, model, checkpointer, {}, outputs, log)
    _print_neighbours(model.wv, checkpointer.run["query"])
    return 0


def _resume(args, log) -> int:
    """--resume: the checkpoint's run finished into its recorded outputs (or those given)."""
    ckpt_path = args.checkpoint if args.checkpoint is not None else args.resume
    checkpointer = Checkpointer(ckpt_path, None, log, command=resume_command(ckpt_path))
    with contextlib.ExitStack() as stack:
        stack.enter_context(checkpointer.hold())  # a second run on this checkpoint is refused here
        if not all(same_file(a, b) for a, b in zip(model_paths(args.resume), model_paths(ckpt_path))):
            stack.enter_context(lock(args.resume))
            checkpointer.refuse_existing()  # --checkpoint names another run's checkpoint
        signatures = {path: file_signature(path) for path in model_paths(args.resume)}
        model = Word2Vec.load_checkpoint(args.resume)
        cfg = model.config.resolved()
        refuse_changed_options(args, cfg, args.resume)
        apply_record(args, model.state.pop("run", None), args.resume)
        checkpointer.every = parse_interval(args.checkpoint_every) if args.checkpoint_every else None
        corpus = args.corpus or model.state.get("corpus")
        outputs = check_run_outputs(args, ckpt_path, corpus)  # before the corpus is read
        check_classes(args.classes, len(model.vocab))
        checkpointer.run = run_record(args, corpus)
        log.first = recipes.describe(recipes.of_backend(cfg.backend), f"resuming {args.resume}", cfg, cfg.backend,
                                     True, resuming=True)
        model = resume(model, args.resume, args.corpus, progress=not args.no_progress, log=log,
                       checkpointer=checkpointer, corpus_cache=args.corpus_cache)
        _finish(args, model, checkpointer, signatures, outputs, log)
    _print_neighbours(model.wv, checkpointer.run["query"])
    return 0


def _finish(args, model, checkpointer, signatures, outputs, log) -> None:
    """Write the trained model to the checkpoint, then the outputs, then remove this run's
    checkpoints (only files it wrote or resumed from, unchanged since, never an output). An
    interruption or an error while the outputs are written leaves the checkpoint, and says so."""
    kept = checkpointer.keep_finished(model)
    if kept is not None:
        kept = f"the trained model is kept in the checkpoint {kept}"
    elif checkpointer.path is not None and os.path.exists(model_paths(checkpointer.path)[0]):
        kept = f"the last checkpoint, {checkpointer.path}, is kept (the run goes on from there)"
    try:
        _write_outputs(args, model, log)
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM, SIGHUP (base.terminate)
        if kept is None:
            raise
        name = getattr(exc, "signal_name", None)
        raise Interrupted(f"{f'terminated by {name}' if name else 'interrupted'} while writing the outputs: {kept}; "
                          f"resume with: {checkpointer.resume_hint()}", terminate.exit_status(exc)) from None
    except MemoryError:
        if kept is None:
            raise
        raise ConfigError(f"out of memory while writing the outputs: {kept}; free some memory, then resume with: "
                          f"{checkpointer.resume_hint()}") from None
    except W2VError as exc:
        if kept is not None:
            exc.args = (f"{exc}; {kept}: once that is fixed, resume with: {checkpointer.resume_hint()}",)
        raise
    signatures.update(checkpointer.written)
    remove_checkpoint_files(signatures, keep=list(outputs.values()))


def _write_outputs(args, model, log) -> None:
    """--output (the vectors, or with --classes the word classes), --save-model, --plot."""
    if args.classes:
        classes = word_classes(model.center, args.classes)
        save_classes(args.output, model.vocab.words, classes)
        log(f"wrote the classes of {len(model.vocab):,} words ({args.classes:,} classes, k-means on the "
            f"vectors) to {args.output}")
    else:
        write = save_word2vec if _is_stream(args.output) else save_vectors
        write(args.output, model.wv)  # binary when the name ends in .bin
        log(f"wrote {len(model.vocab):,} vectors of dimension {model.config.dim} to {args.output}")
    if args.save_model:
        model.save(args.save_model)
        log(f"wrote the full model to {args.save_model}.npz/.json")
    if args.plot:
        plot_loss(model.history, args.plot)
        log(f"wrote the loss curve to {args.plot}")


def _print_neighbours(wv, words) -> None:
    for word in words:
        if word not in wv:
            progress.say(f"{word!r} is not in the vocabulary")
            continue
        print(f"nearest to {word!r}:")
        for other, score in wv.most_similar(word, topn=3):
            print(f"  {other:<20} cosine {score:.3f}")
