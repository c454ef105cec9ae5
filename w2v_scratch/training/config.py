"""All training hyperparameters in one dataclass, validated once.

Two families of defaults:

* ``backend="reference"`` (the NumPy trainer) follows the textbook (d2l.ai,
  "Pretraining word2vec"): min count 10, subsampling sqrt(1e-4/f), minibatches of
  512 examples (a center word with its context window; for skip-gram with hierarchical or
  full softmax, a (center, context) pair: ``textbook.reference.batches``), Adam.
* ``backend="cpu"`` / ``"cuda"`` (the Numba kernels) follow word2vec.c: min count
  5, sample 1e-3 with the C rule, plain SGD with alpha 0.025 (0.05 for CBOW)
  decaying linearly to ``min_lr``.

Any field left as ``None`` takes its backend's default in :meth:`TrainConfig.resolved`.

``TrainConfig()`` itself defaults to the textbook run (``backend="reference"``, one thread), which
is what ``w2v-scratch train`` runs with no options. :func:`config_from_params` builds the config
of ``Word2Vec(**params)``: the project's field names or gensim's (``vector_size``, ``sg``, ``hs``,
``workers``, ...: mapped by ``gensim_keywords.py``), and — unless a backend is named — the fast one
(``backend="cpu"`` on every core).

The memory a run needs is estimated and checked in ``memory.py`` (:func:`check_memory`, re-exported
here with the gensim mapping, so they can be imported from ``w2v_scratch.training.config`` too).

:meth:`TrainConfig.validate` refuses impossible values and combinations whatever their source;
:func:`refuse_unused` refuses, on the command line, an option the user gave that the run would
ignore (``--negative`` with hierarchical softmax, ``--batch-size`` on the kernels...): a default
never counts there, since only what was asked for can be ignored.

Two fields name files rather than hyperparameters: ``save_vocab`` (write the vocabulary, one
``word count`` line per word, word2vec.c's ``-save-vocab``) and ``read_vocab`` (take the vocabulary
and its counts from such a file instead of counting the corpus, word2vec.c's ``-read-vocab``).
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field

from ..base.errors import ConfigError
from ..base.values import is_int, is_real, short_repr
from .gensim_keywords import GENSIM_FIXED, GENSIM_IGNORED, GENSIM_RENAMED, gensim_fields  # noqa: F401
from .memory import (FIXED_SAMPLE, FIXED_SAMPLE_CHUNK_BYTES, FIXED_SAMPLE_SOFTMAX, MemoryNeed,  # noqa: F401
                     available_memory, check_memory, format_bytes, memory_needed)

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "softmax", "hs+ns")  # hs+ns: both at once on one h (word2vec.c -hs 1 -negative K)
NOISE_LOSSES = ("ns", "hs+ns")  # the losses that draw noise words (--negative, --ns-exponent)
BACKENDS = ("reference", "cpu", "cuda", "auto")

TEXTBOOK = dict(min_count=10, sample=1e-4, sample_rule="textbook", lr=0.01, optimizer="adam", batch_size=512)
WORD2VEC_C = dict(min_count=5, sample=1e-3, sample_rule="word2vec", lr=None, optimizer="sgd", batch_size=512)

# --extra KEY=VALUE: key → (its kind: bool, int (>= 1) or the tuple of allowed values; the backends
# that read it; the models it applies to; an example value)
EXTRA_KEYS = {
    "cbow_update": (("word2vec", "exact"), ("cpu", "cuda"), ("cbow",), "exact"),
    "cuda_sentence_length": (int, ("cuda",), MODELS, "1000"),
    "cuda_launch_words": (int, ("cuda",), MODELS, "33554432"),
    "cuda_atomic": (bool, ("cuda",), MODELS, "false"),
    "cuda_warps_per_block": (int, ("cuda",), MODELS, "4"),
}

# Bounds on options whose value would be impossible, not merely large (sizes are checked against
# the machine's memory by :func:`check_memory` once the vocabulary is known).
MAX_SEED = 2**64 - 1       # every backend derives its generators from a 64-bit seed
MAX_THREADS = 1024         # Python threads, one Hogwild worker each
MAX_EPOCHS = 1_000_000


@dataclass
class TrainConfig:
    model: str = "sg"
    loss: str = "ns"
    dim: int = 100
    window: int = 5
    negative: int = 5
    epochs: int = 5
    min_count: int | None = None
    max_vocab: int | None = None
    max_vocab_size: int | None = None
    max_final_vocab: int | None = None
    sample: float | None = None
    sample_rule: str | None = None
    lr: float | None = None
    min_lr: float | None = None
    optimizer: str | None = None
    batch_size: int | None = None
    cbow_mean: bool = True
    ns_exponent: float = 0.75
    threads: int = 1
    seed: int = 1
    backend: str = "reference"
    max_sentence_length: int = 10_000
    save_vocab: str | None = None
    read_vocab: str | None = None
    shared_noise: bool | None = None
    window_batch: bool | None = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("save_vocab", "read_vocab"):  # a pathlib.Path is kept as its string: configs go to JSON
            value = getattr(self, name)
            if isinstance(value, os.PathLike):
                setattr(self, name, os.fspath(value))

    def resolved(self) -> "TrainConfig":
        """A copy with every ``None`` replaced by the backend's default, then validated, and checked
        against the memory available with the smallest vocabulary and corpus (:func:`check_memory`
        with no vocabulary: a lower bound), so an absurd size fails before the corpus is read."""
        cfg = self.with_defaults()
        check_memory(cfg)
        return cfg

    def with_defaults(self) -> "TrainConfig":
        """A copy with every ``None`` replaced by the backend's default, validated (no memory check)."""
        base = TEXTBOOK if self.backend == "reference" else WORD2VEC_C
        values = dataclasses.asdict(self)
        for key, default in base.items():
            if values[key] is None:
                values[key] = default
        if values["lr"] is None:  # word2vec.c's alpha
            values["lr"] = 0.05 if self.model == "cbow" else 0.025
        if values["min_lr"] is None and is_real(values["lr"]):
            values["min_lr"] = values["lr"] * 1e-4
        if self.loss == "hs+ns" and self.backend == "auto":  # auto never picks a backend that refuses it
            values["backend"] = "cpu"
        values.update(kernel_scheme(dataclasses.replace(self, backend=values["backend"])))
        cfg = TrainConfig(**values)
        cfg.validate()
        return cfg

    def validate(self) -> None:
        """Refuse impossible values with one message naming the option, the rule and the fix.

        Whole-number options must be integers, float options finite numbers (NaN and ±inf are never
        meaningful here), each within its range. Memory is checked later, by :func:`check_memory`,
        once the vocabulary size is known."""
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise ConfigError(msg)

        need(self.model in MODELS, f"unknown model {self.model!r}: use one of {', '.join(MODELS)}")
        need(self.loss in LOSSES, f"unknown loss {self.loss!r}: use one of {', '.join(LOSSES)}")
        need(self.backend in BACKENDS, f"unknown backend {self.backend!r}: use one of {', '.join(BACKENDS)}")
        need(self.loss != "softmax" or self.backend in ("reference", "auto"),  # auto: checked once cpu or cuda
             "the full softmax is only in the reference trainer: use --backend reference or --loss ns|hs")
        need(self.loss != "hs+ns" or self.backend in ("cpu", "auto"),
             f"--loss hs+ns (both losses at once) trains on the cpu backend only, not {self.backend}: use "
             "--backend cpu")
        whole = [("--dim", self.dim), ("--window", self.window), ("--negative", self.negative),
                 ("--epochs", self.epochs), ("--threads", self.threads), ("--seed", self.seed),
                 ("max sentence length", self.max_sentence_length), ("--min-count", self.min_count),
                 ("--max-vocab", self.max_vocab), ("--max-vocab-size", self.max_vocab_size),
                 ("--max-final-vocab", self.max_final_vocab), ("--batch-size", self.batch_size)]
        for opt, value in whole:
            need(value is None or is_int(value), f"{opt} must be a whole number (got {value!r})")
        for opt, value, example in (("--lr", self.lr, "0.025"), ("--min-lr", self.min_lr, "0.0001"),
                                    ("--sample", self.sample, "1e-3"), ("--ns-exponent", self.ns_exponent, "0.75")):
            need(value is None or (is_real(value) and math.isfinite(value)),
                 f"{opt} must be a finite number (got {value!r}): NaN and infinity are not allowed; "
                 f"give a number such as {example}")
        need(self.dim > 0, f"--dim must be positive (got {self.dim}): word2vec uses 100-300")
        need(self.window > 0, f"--window must be positive (got {self.window}): word2vec uses 5")
        need(0 < self.epochs <= MAX_EPOCHS, f"--epochs must be positive (got {self.epochs})" if self.epochs <= 0 else
             f"--epochs must be at most {MAX_EPOCHS:,} (got {self.epochs:,}): a run of that many passes never ends")
        need(self.negative >= 0, f"--negative must be >= 0 (got {self.negative})")
        need(self.loss not in NOISE_LOSSES or self.negative > 0,
             f"--negative must be positive with negative sampling (--loss {self.loss}): word2vec uses 5")
        need(self.min_count is None or self.min_count >= 1, f"--min-count must be at least 1 (got {self.min_count})")
        need(self.max_vocab is None or self.max_vocab >= 1,
             f"--max-vocab must be at least 1 (got {self.max_vocab}): it keeps that many of the most frequent words; "
             "omit --max-vocab for no limit")
        need(self.max_vocab_size is None or self.max_vocab_size >= 1,
             f"--max-vocab-size must be at least 1 (got {self.max_vocab_size}): it bounds the words held while "
             "counting; omit it to count every word exactly")
        need(self.max_final_vocab is None or self.max_final_vocab >= 1,
             f"--max-final-vocab must be at least 1 (got {self.max_final_vocab}): it raises --min-count until at "
             "most that many words are left; omit it for no limit")
        need(self.sample is None or self.sample >= 0,
             f"--sample must be >= 0 (got {self.sample}): 0 turns subsampling off; word2vec uses 1e-3")
        need(self.lr is None or self.lr > 0,
             f"--lr must be positive (got {self.lr}): word2vec uses 0.025 (SGD), the textbook 0.01 (Adam)")
        need(self.min_lr is None or self.min_lr >= 0, f"--min-lr must be >= 0 (got {self.min_lr})")
        need(self.lr is None or self.min_lr is None or self.min_lr <= self.lr,
             f"--min-lr ({self.min_lr:g}) must not be above --lr ({self.lr:g}): the rate decays from --lr down to "
             "--min-lr; lower --min-lr" if self.lr is not None and self.min_lr is not None else "")
        need(self.batch_size is None or self.batch_size > 0, f"--batch-size must be positive (got {self.batch_size})")
        need(self.threads > 0, f"--threads must be positive (got {self.threads})")
        need(self.threads <= MAX_THREADS,
             f"--threads must be at most {MAX_THREADS:,} (got {self.threads:,}): use about one per CPU core "
             f"(this machine has {os.cpu_count() or 1})")
        need(self.backend != "reference" or self.threads == 1,
             f"--threads {self.threads}: the reference trainer runs in one thread (drop --threads, or use "
             "--backend cpu)")
        need(0 <= self.seed <= MAX_SEED,
             f"--seed must be a whole number from 0 to 2**64 - 1 (got {self.seed}): use a non-negative seed")
        need(self.optimizer in (None, "adam", "sgd"), f"unknown optimizer {self.optimizer!r}: use adam or sgd")
        need(self.backend == "reference" or self.optimizer in (None, "sgd"),
             f"--optimizer {self.optimizer} is for the reference trainer: the {self.backend} backend runs "
             "SGD (drop --optimizer, or use --backend reference)")
        need(self.max_sentence_length > 0,
             f"--max-sentence-length must be positive (got {self.max_sentence_length}): word2vec.c cuts at 1000")
        need(self.ns_exponent >= 0,
             f"--ns-exponent (the noise exponent) must be >= 0 (got {self.ns_exponent}): word2vec uses 0.75")
        for opt, value in (("--save-vocab", self.save_vocab), ("--read-vocab", self.read_vocab)):
            need(value is None or (isinstance(value, str) and value.strip() != ""),
                 f"{opt} must be a file path (got {short_repr(value)})")
        need(self.max_vocab_size is None or self.read_vocab is None,
             "--max-vocab-size prunes the words while the corpus is counted, but --read-vocab takes the vocabulary "
             "from a file and counts nothing: drop one of them")
        self._validate_kernel_scheme(need)
        self._validate_extra(need)

    def _validate_extra(self, need) -> None:
        """``extra`` (``--extra KEY=VALUE``): every key one of :data:`EXTRA_KEYS`, its value of its kind,
        and read by the run's backend and model (``auto`` may become cuda: its keys wait until it is
        chosen)."""
        need(isinstance(self.extra, dict), f"extra must be a dict of backend settings (got {short_repr(self.extra)})")
        for key, value in self.extra.items():
            need(key in EXTRA_KEYS, f"--extra: unknown key {short_repr(key)}: use one of {', '.join(EXTRA_KEYS)}")
            kind, backends, models, example = EXTRA_KEYS[key]
            if kind is bool:
                ok = isinstance(value, bool)
            elif kind is int:
                ok = is_int(value) and value >= 1
            else:
                ok = value in kind
            need(ok, f"--extra {key}={short_repr(value)} is not allowed: give e.g. --extra {key}={example}")
            need(self.backend in backends + ("auto",),
                 f"--extra {key} is read by the {' and '.join(backends)} backend only, not {self.backend}: drop it"
                 + (", or use --backend cuda" if backends == ("cuda",) else ""))
            need(self.model in models, f"--extra {key} applies to --model {' or '.join(models)}: drop it")

    def _validate_kernel_scheme(self, need) -> None:
        """``shared_noise`` (True: K noise words per skip-gram window, shared by its pairs; False: K
        per pair) and ``window_batch`` (True: one step on all the pairs of a skip-gram window; False:
        pair by pair, word2vec.c) are choices of the kernels: the cpu kernel does all of them, the
        cuda kernel shares its noise words and steps pair by pair, the reference draws per pair and
        trains minibatches of its own."""
        for name in ("shared_noise", "window_batch"):
            value = getattr(self, name)
            need(value is None or isinstance(value, bool), f"{name} must be True or False (got {short_repr(value)})")
        if self.window_batch:
            need(self.model == "sg" and self.loss in ("ns", "hs", "hs+ns"),
                 "--window-batch is for skip-gram with negative sampling or hierarchical softmax (CBOW takes "
                 "one step per window already): drop it")
            need(self.backend in ("cpu", "auto"),  # auto: checked again once cpu or cuda is chosen
                 f"--window-batch is a cpu kernel scheme: the {self.backend} backend steps its own way (drop it, "
                 "or use --backend cpu)")
            need(self.loss not in NOISE_LOSSES or self.shared_noise is not False,
                 "--window-batch with negative sampling shares the window's noise words among its pairs: drop "
                 "--no-shared-noise, or add --no-window-batch for word2vec.c's pair-by-pair steps")
        if self.shared_noise is None:
            return
        need(not self.shared_noise or (self.model == "sg" and self.loss in NOISE_LOSSES),
             "--shared-noise is for skip-gram with negative sampling (CBOW draws one noise set per window "
             "already, HS draws none): drop it")
        need(not self.shared_noise or self.backend != "reference",
             "--shared-noise is a kernel scheme: the reference trainer draws noise per pair (drop it, or use "
             "--backend cpu)")
        need(self.shared_noise or self.backend != "cuda" or self.model != "sg" or self.loss != "ns",
             "the cuda skip-gram NS kernel always shares its noise words per window: drop --no-shared-noise, "
             "or use --backend cpu for word2vec.c's per-pair draws")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "TrainConfig":
        """A saved config (a model's or a checkpoint's .json). One saved before ``window_batch``
        existed trained cpu skip-gram pair by pair: it keeps that scheme (``window_batch=False``), so
        a resumed run or a later ``train`` goes on as it began."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in values.items() if k in known}
        if "window_batch" not in values and values.get("backend") == "cpu":
            values["window_batch"] = False
        return cls(**values)


def kernel_scheme(cfg: TrainConfig) -> dict:
    """The defaults of ``window_batch`` and ``shared_noise`` (a value the user gave is kept): on the
    cpu backend skip-gram steps once per window (``window_batch``, docs/math.md §11) — with
    negative sampling sharing the window's noise words, which that needs — unless NS is asked
    for per-pair noise (``shared_noise=False``: word2vec.c's scheme); everything else (other
    backends, ``auto`` before it is chosen, CBOW) leaves them unset.
    Only whole bools count (a wrong type is left for :meth:`TrainConfig.validate` to refuse)."""
    out = {}
    if cfg.backend != "cpu" or cfg.model != "sg" or cfg.loss not in ("ns", "hs", "hs+ns"):
        return out
    batch = cfg.window_batch
    if batch is None:
        batch = out["window_batch"] = cfg.loss == "hs" or cfg.shared_noise in (None, True)
    if batch is True and cfg.loss in NOISE_LOSSES and cfg.shared_noise is None:
        out["shared_noise"] = True
    return out


# ---------------------------------------------------------------------------
# Word2Vec(**params): the project's names, gensim's names (gensim_keywords.py), and the fast default
# ---------------------------------------------------------------------------
FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig))


def fast_threads() -> int:
    """The CPU cores this process may run on (its affinity mask, else ``os.cpu_count()``), at most
    MAX_THREADS: the cpu backend's thread count when ``Word2Vec`` is given none."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity call (macOS, Windows)
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_THREADS))


def refuse_unused(given, cfg: TrainConfig) -> None:
    """Refuse an option the run would ignore. ``given``: the names of the TrainConfig fields the
    user set (``train`` calls it with the options on its command line); ``cfg``: the run's config,
    its backend chosen (with ``auto`` still unchosen, what depends on the choice waits). A default
    never counts: only what the user asked for and would not get."""
    given = set(given)

    def refuse(name: str, why: str) -> None:
        if name in given:
            raise ConfigError(why)

    backend = cfg.backend
    if cfg.loss not in NOISE_LOSSES:
        if cfg.negative:
            refuse("negative", f"--negative {cfg.negative} applies to negative sampling: --loss {cfg.loss} draws no "
                               "noise words (drop --negative, or use --loss hs+ns to train hierarchical softmax and "
                               "negative sampling at once)")
        refuse("ns_exponent", f"--ns-exponent shapes the noise words of --loss ns or hs+ns: --loss {cfg.loss} draws "
                              "none (drop --ns-exponent)")
    if backend in ("cpu", "cuda", "auto"):
        refuse("batch_size", f"--batch-size is the reference trainer's minibatch: the {backend} backend takes an SGD "
                             "step per example or window (drop --batch-size, or use --backend reference)")
    if backend == "cuda":
        refuse("threads", "--threads sets the cpu backend's threads: the cuda backend runs on the GPU (drop --threads, "
                          "or use --backend cpu)")
    if backend == "reference" and cfg.optimizer == "adam":
        refuse("min_lr", "--min-lr is where SGD's linear decay ends: Adam keeps --lr throughout (drop --min-lr, or "
                         "add --optimizer sgd)")
    if cfg.model == "sg" and cfg.cbow_mean is False:
        refuse("cbow_mean", "--cbow-sum (cbow_mean=False) applies to --model cbow: skip-gram has one input word "
                            "(drop it)")
    if cfg.model != "sg" or cfg.loss not in NOISE_LOSSES:
        refuse("shared_noise", "--shared-noise/--no-shared-noise applies to skip-gram with --loss ns or hs+ns: CBOW "
                               "draws one noise set per window already, HS draws none (drop it)")
    if cfg.model != "sg" or cfg.loss == "softmax":
        refuse("window_batch", "--window-batch/--no-window-batch applies to skip-gram with --loss ns, hs or hs+ns "
                               "(drop it)")
    if backend in ("reference", "cuda"):
        refuse("window_batch", f"--window-batch/--no-window-batch is a cpu kernel scheme: the {backend} backend "
                               "steps its own way (drop it, or use --backend cpu)")
    if backend == "reference":
        refuse("shared_noise", "--shared-noise/--no-shared-noise is a kernel scheme: the reference trainer draws "
                               "noise per pair (drop it, or use --backend cpu)")
    if cfg.sample == 0:
        refuse("sample_rule", "--sample-rule picks how subsampling keeps words: --sample 0 turns subsampling off "
                              "(drop one of them)")


def config_from_params(params: dict, base: TrainConfig | None = None) -> TrainConfig:
    """The config of ``Word2Vec(**params)``: ``params`` holds TrainConfig field names and/or gensim's
    keyword names (:func:`gensim_fields` maps them). With a ``base`` config they replace its fields;
    without one, an unnamed backend is ``"cpu"`` (the fast trainer, word2vec.c's defaults), and the
    cpu or auto backend without ``threads``/``workers`` runs on every core (:func:`fast_threads`).
    An unknown keyword is a ``TypeError``, as in any Python call."""
    values = gensim_fields(params, FIELDS)
    if base is not None:
        return dataclasses.replace(base, **values)
    values.setdefault("backend", "cpu")
    if "threads" not in values and values["backend"] in ("cpu", "auto"):
        values["threads"] = fast_threads()
    return TrainConfig(**values)
