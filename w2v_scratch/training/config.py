"""All training hyperparameters in one dataclass, validated once.

Two families of defaults:

* ``backend="reference"`` (the NumPy trainer) follows the textbook (d2l.ai,
  "Pretraining word2vec"): min count 10, subsampling sqrt(1e-4/f), minibatches of
  512 centers, Adam.
* ``backend="cpu"`` / ``"cuda"`` (the Numba kernels) follow word2vec.c: min count
  5, sample 1e-3 with the C rule, plain SGD with alpha 0.025 (0.05 for CBOW)
  decaying linearly to ``min_lr``.

Any field left as ``None`` takes its backend's default in :meth:`TrainConfig.resolved`.

``TrainConfig()`` itself defaults to the textbook run (``backend="reference"``, one thread), which
is what ``w2v-scratch train`` runs with no options. :func:`config_from_params` builds the config
of ``Word2Vec(**params)``: the project's field names or gensim's (``vector_size``, ``sg``, ``hs``,
``workers``, ...), and — unless a backend is named — the fast one (``backend="cpu"`` on every core).

Two fields name files rather than hyperparameters: ``save_vocab`` (write the vocabulary, one
``word count`` line per word, word2vec.c's ``-save-vocab``) and ``read_vocab`` (take the vocabulary
and its counts from such a file instead of counting the corpus, word2vec.c's ``-read-vocab``).
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import os
from dataclasses import dataclass, field

try:
    import resource  # ulimit -v, in available_memory (POSIX only)
except ImportError:
    resource = None

from ..base.errors import ConfigError

MODELS = ("sg", "cbow")
LOSSES = ("ns", "hs", "softmax")
BACKENDS = ("reference", "cpu", "cuda", "auto")

TEXTBOOK = dict(min_count=10, sample=1e-4, sample_rule="textbook", lr=0.01, optimizer="adam", batch_size=512)
WORD2VEC_C = dict(min_count=5, sample=1e-3, sample_rule="word2vec", lr=None, optimizer="sgd", batch_size=512)

# Bounds on options whose value would be impossible, not merely large (sizes are checked against
# the machine's memory by :func:`check_memory` once the vocabulary is known).
MAX_SEED = 2**64 - 1       # every backend derives its generators from a 64-bit seed
MAX_THREADS = 1024         # Python threads, one Hogwild worker each
MAX_EPOCHS = 1_000_000
# monitor.FixedSample's examples (monitor.SIZE, monitor.SOFTMAX_SIZE; tests/test_limits.py checks
# they agree): every backend evaluates them at each epoch's end, and memory_needed counts them
FIXED_SAMPLE = 4096
FIXED_SAMPLE_SOFTMAX = 512
FIXED_SAMPLE_CHUNK_BYTES = 1 << 26  # monitor.CHUNK_BYTES: the sample is evaluated in chunks of this size


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
        if values["min_lr"] is None and _is_real(values["lr"]):
            values["min_lr"] = values["lr"] * 1e-4
        values.update(kernel_scheme(self))
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
        whole = [("--dim", self.dim), ("--window", self.window), ("--negative", self.negative),
                 ("--epochs", self.epochs), ("--threads", self.threads), ("--seed", self.seed),
                 ("max sentence length", self.max_sentence_length), ("--min-count", self.min_count),
                 ("--max-vocab", self.max_vocab), ("--batch-size", self.batch_size)]
        for opt, value in whole:
            need(value is None or _is_int(value), f"{opt} must be a whole number (got {value!r})")
        for opt, value, example in (("--lr", self.lr, "0.025"), ("--min-lr", self.min_lr, "0.0001"),
                                    ("--sample", self.sample, "1e-3"), ("--ns-exponent", self.ns_exponent, "0.75")):
            need(value is None or (_is_real(value) and math.isfinite(value)),
                 f"{opt} must be a finite number (got {value!r}): NaN and infinity are not allowed; "
                 f"give a number such as {example}")
        need(self.dim > 0, f"--dim must be positive (got {self.dim}): word2vec uses 100-300")
        need(self.window > 0, f"--window must be positive (got {self.window}): word2vec uses 5")
        need(0 < self.epochs <= MAX_EPOCHS, f"--epochs must be positive (got {self.epochs})" if self.epochs <= 0 else
             f"--epochs must be at most {MAX_EPOCHS:,} (got {self.epochs:,}): a run of that many passes never ends")
        need(self.negative >= 0, f"--negative must be >= 0 (got {self.negative})")
        need(self.loss != "ns" or self.negative > 0, "--negative must be positive with negative sampling (--loss ns)")
        need(self.min_count is None or self.min_count >= 1, f"--min-count must be at least 1 (got {self.min_count})")
        need(self.max_vocab is None or self.max_vocab >= 0, f"--max-vocab must be >= 0 (got {self.max_vocab})")
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
        need(0 <= self.seed <= MAX_SEED,
             f"--seed must be a whole number from 0 to 2**64 - 1 (got {self.seed}): use a non-negative seed")
        need(self.optimizer in (None, "adam", "sgd"), f"unknown optimizer {self.optimizer!r}: use adam or sgd")
        need(self.backend == "reference" or self.optimizer in (None, "sgd"),
             f"--optimizer {self.optimizer} is for the reference trainer: the {self.backend} backend runs "
             "word2vec.c's per-pair SGD (drop --optimizer, or use --backend reference)")
        need(self.max_sentence_length > 0, "max sentence length must be positive")
        need(self.ns_exponent >= 0,
             f"--ns-exponent (the noise exponent) must be >= 0 (got {self.ns_exponent}): word2vec uses 0.75")
        for opt, value in (("--save-vocab", self.save_vocab), ("--read-vocab", self.read_vocab)):
            need(value is None or (isinstance(value, str) and value.strip() != ""),
                 f"{opt} must be a file path (got {_short(value)})")
        self._validate_kernel_scheme(need)

    def _validate_kernel_scheme(self, need) -> None:
        """``shared_noise`` (True: K noise words per skip-gram window, shared by its pairs; False: K
        per pair) and ``window_batch`` (True: one step on all the pairs of a skip-gram window; False:
        pair by pair, word2vec.c) are choices of the kernels: the cpu kernel does all of them, the
        cuda kernel shares its noise words and steps pair by pair, the reference draws per pair and
        trains minibatches of its own."""
        for name in ("shared_noise", "window_batch"):
            value = getattr(self, name)
            need(value is None or isinstance(value, bool), f"{name} must be True or False (got {_short(value)})")
        if self.window_batch:
            need(self.model == "sg" and self.loss in ("ns", "hs"),
                 "--window-batch is for skip-gram with negative sampling or hierarchical softmax (CBOW takes "
                 "one step per window already): drop it")
            need(self.backend in ("cpu", "auto"),  # auto: checked again once cpu or cuda is chosen
                 f"--window-batch is a cpu kernel scheme: the {self.backend} backend steps its own way (drop it, "
                 "or use --backend cpu)")
            need(self.loss != "ns" or self.shared_noise is not False,
                 "--window-batch with negative sampling shares the window's noise words among its pairs: drop "
                 "--no-shared-noise, or add --no-window-batch for word2vec.c's pair-by-pair steps")
        if self.shared_noise is None:
            return
        need(not self.shared_noise or (self.model == "sg" and self.loss == "ns"),
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
    if cfg.backend != "cpu" or cfg.model != "sg" or cfg.loss not in ("ns", "hs"):
        return out
    batch = cfg.window_batch
    if batch is None:
        batch = out["window_batch"] = cfg.loss == "hs" or cfg.shared_noise in (None, True)
    if batch is True and cfg.loss == "ns" and cfg.shared_noise is None:
        out["shared_noise"] = True
    return out


def _short(value) -> str:
    """``repr(value)`` cut to 40 characters (a message never embeds a whole object)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# ---------------------------------------------------------------------------
# Word2Vec(**params): the project's names, gensim's names, and the fast default
# ---------------------------------------------------------------------------
FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig))
# gensim's Word2Vec keywords that are a field here under another name
GENSIM_RENAMED = {"vector_size": "dim", "alpha": "lr", "min_alpha": "min_lr", "workers": "threads",
                  "max_final_vocab": "max_vocab"}
# gensim's keywords for behaviour this project has one way only: the values accepted, and why
GENSIM_FIXED = {
    "sorted_vocab": ((1, True), "the vocabulary is always sorted by frequency"),
    "null_word": ((0, False), "there is no padding word"),
    "shrink_windows": ((1, True), "the window radius is always drawn in 1..window, as in word2vec.c"),
    "trim_rule": ((None,), "there are no trim rules: use min_count or max_final_vocab"),
    "hashfxn": ((None, hash), "initial vectors come from seed alone"),
}
GENSIM_IGNORED = ("batch_words",)  # gensim's job size: the cpu backend cuts its own slices (trainer_cpu)


def fast_threads() -> int:
    """The CPU cores this process may run on (its affinity mask, else ``os.cpu_count()``), at most
    MAX_THREADS: the cpu backend's thread count when ``Word2Vec`` is given none."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity call (macOS, Windows)
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_THREADS))


def config_from_params(params: dict, base: TrainConfig | None = None) -> TrainConfig:
    """The config of ``Word2Vec(**params)``: ``params`` holds TrainConfig field names and/or gensim's
    keyword names (:func:`gensim_fields` maps them). With a ``base`` config they replace its fields;
    without one, an unnamed backend is ``"cpu"`` (the fast trainer, word2vec.c's defaults), and the
    cpu or auto backend without ``threads``/``workers`` runs on every core (:func:`fast_threads`).
    An unknown keyword is a ``TypeError``, as in any Python call."""
    values = gensim_fields(params)
    if base is not None:
        return dataclasses.replace(base, **values)
    values.setdefault("backend", "cpu")
    if "threads" not in values and values["backend"] in ("cpu", "auto"):
        values["threads"] = fast_threads()
    return TrainConfig(**values)


def gensim_fields(params: dict) -> dict:
    """TrainConfig fields from keywords, gensim's names mapped: ``vector_size``→dim, ``alpha``→lr,
    ``min_alpha``→min_lr, ``workers``→threads, ``max_final_vocab`` and ``max_vocab_size``→max_vocab
    (the smaller), ``sg``→model, ``hs``/``negative``→loss, ``cbow_mean`` 0/1→False/True. A field
    set twice (``dim`` and ``vector_size``) is a ConfigError; so is a gensim value this project
    does not have (``hs=1`` with ``negative`` > 0, ``sorted_vocab=0``, a ``trim_rule``...)."""
    values, source = {}, {}

    def put(name: str, value, given: str) -> None:
        if name in values:
            raise ConfigError(f"{source[name]}= and {given}= both set {name}: give one of them")
        values[name], source[name] = value, given

    for given, value in params.items():
        if given in FIELDS:
            put(given, value, given)
        elif given in GENSIM_RENAMED:
            put(GENSIM_RENAMED[given], value, given)
        elif given in GENSIM_FIXED:
            allowed, why = GENSIM_FIXED[given]
            if not any(value is a or (type(value) in (int, bool) and value == a) for a in allowed):
                raise ConfigError(f"{given}={_short(value)} is not supported: {why}")
        elif given not in ("sg", "hs", "max_vocab_size") + GENSIM_IGNORED:
            raise TypeError(f"Word2Vec() got an unexpected keyword argument {given!r}")
    if "sg" in params:
        put("model", "sg" if _flag(params["sg"], "sg", "0 (CBOW) or 1 (skip-gram)") else "cbow", "sg")
    if isinstance(values.get("cbow_mean"), numbers.Integral) and values["cbow_mean"] in (0, 1):
        values["cbow_mean"] = bool(values["cbow_mean"])
    _gensim_loss(params, values, put)
    cap = params.get("max_vocab_size")
    if cap is not None:
        if not _is_int(cap) or cap < 1:
            raise ConfigError(f"max_vocab_size must be a positive whole number (got {_short(cap)})")
        if _is_int(values.get("max_vocab")) and values["max_vocab"] > 0:
            cap = min(cap, values["max_vocab"])
        values["max_vocab"] = cap
    return values


def _flag(value, name: str, meaning: str) -> bool:
    if type(value) not in (int, bool) or value not in (0, 1):
        raise ConfigError(f"{name} must be {meaning} (got {_short(value)})")
    return bool(value)


def _gensim_loss(params: dict, values: dict, put) -> None:
    """gensim's ``hs``/``negative`` → ``loss``: hs=1 with negative=0 is hierarchical softmax, hs=0
    with negative > 0 negative sampling. gensim trains both with hs=1 and negative > 0 (its default
    negative is 5): refused here, as is hs=0 with negative=0, which trains nothing."""
    negative = values.get("negative", 5)
    if "hs" in params:
        if _flag(params["hs"], "hs", "0 (negative sampling) or 1 (hierarchical softmax)"):
            if not _is_int(negative) or negative != 0:
                raise ConfigError(f"hs=1 with negative={_short(negative)} trains both losses in gensim; w2v-scratch "
                                  "trains one: add negative=0 for hierarchical softmax alone, or use hs=0")
            put("loss", "hs", "hs")
        else:
            put("loss", "ns", "hs")
    if "loss" not in params and values.get("loss", "ns") == "ns" and _is_int(negative) and negative == 0:
        raise ConfigError("negative=0 with hs=0 trains nothing: give negative=5 (negative sampling), "
                          "or hs=1 with negative=0 (hierarchical softmax)")


# ---------------------------------------------------------------------------
# Memory: what a run will allocate, checked before the first matrix is
# ---------------------------------------------------------------------------
@dataclass
class MemoryNeed:
    """What a training run will allocate beyond the encoded corpus (already in memory when this is
    computed), in bytes: ``parts`` is [(bytes, what, lead, fix)], largest first, where ``lead`` names
    the options that make that part big and ``fix`` says what to lower. Persistent parts (matrices,
    optimizer state, tables, kernel buffers) plus the largest transient one (a minibatch, an epoch's
    window arrays, the fixed evaluation sample); ``total`` is their sum."""

    parts: list
    at_least: bool = False  # the vocabulary and corpus were not known yet: a lower bound

    @property
    def total(self) -> int:
        return sum(p[0] for p in self.parts)

    @property
    def breakdown(self) -> dict:
        return {what: size for size, what, _, _ in self.parts}

    def message(self, available: int) -> str:
        """One line: who needs how much, for what; what the machine has; what to lower."""
        _, _, lead, fix = self.parts[0]
        shown = [f"{format_bytes(b)} for {what}" for b, what, _, _ in self.parts if b >= self.total / 100][:4]
        amount = ("at least " if self.at_least else "") + format_bytes(self.total)
        return (f"{lead} {amount} of memory ({', '.join(shown)}); this machine has "
                f"{format_bytes(available)} available: {fix}")


def format_bytes(n: float) -> str:
    n = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            break
        n /= 1000
    if unit == "PB" and n >= 1000:
        return f"{n:.1e} PB"
    return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"


def memory_needed(cfg: TrainConfig, vocab_size: int | None = None, tokens: int | None = None,
                  kept: int | None = None) -> MemoryNeed:
    """Estimate the memory a run of ``cfg`` on a vocabulary of ``vocab_size`` words needs, before any
    of it is allocated. ``tokens``: corpus tokens of the vocabulary; ``kept``: the expected tokens
    after subsampling (both optional: the reference trainer's window arrays are then left out and its
    minibatches taken as full). With ``vocab_size=None`` (before the corpus is read) it is a lower
    bound: one word, one token, minibatches of one. Pure arithmetic on Python integers: any option
    value, however absurd, gives a number.

    Sizes, with V words, d = --dim, W = --window (C = 2W context slots), K = --negative (NS only),
    B = --batch-size, P = a Huffman path's length (HS), S = the fixed sample's examples (4096):

    * the two matrices, float32: (V + V_out)·d·4 (V_out = V−1 for HS), and for the reference
      trainer with Adam its two moments per matrix, the same again ×2;
    * the cpu kernel, per thread: its noise-id buffer 2·(C·K)+1 int64 (skip-gram; K for CBOW), C
      context ids, 1000 sentence ids, 2·d floats;
    * the reference trainer, per epoch: the window arrays of the kept tokens, ~36 bytes per
      (token, context slot) while they are built, 5 after; per minibatch its gathered rows and their
      gradients, 3·4·d bytes per row (skip-gram NS: B·C·(K+1) output rows, i.e. the textbook's
      B×(2W)×(K+1)×d arrays), its noise draws (B·C·K·C bytes of clash tests), the full softmax's
      B×V scores (×3), and the optimizer's per-row temporaries;
    * every backend's fixed evaluation sample (``monitor.FixedSample``): S examples in float64,
      S·C·d·16 bytes of context rows for CBOW, S·(K+1)·d·24 for NS, S·V·24 for the full softmax,
      evaluated in chunks of at most 64 MB (at least one example).

    The estimates were checked against tracemalloc's peak on small runs (within about 30%)."""
    if any(getattr(cfg, f) is None for f in ("lr", "batch_size", "optimizer", "min_count")):
        cfg = cfg.with_defaults()
    z = _Sizes(cfg, vocab_size, tokens, kept)
    parts = _persistent_parts(z)
    transients = [_fixed_sample_part(z)]
    if z.backend == "reference":
        transients = max([_reference_epoch_parts(z, transients[0]), transients], key=lambda ps: sum(p[0] for p in ps))
    parts += transients
    words, kept = (z.V, z.kept) if z.known else (None, None)
    parts = [(int(b), what, _lead(cfg, grows, words, kept), _fix(cfg, grows, other)) for b, what, grows, other in parts]
    parts.sort(key=lambda p: -p[0])
    return MemoryNeed(parts, at_least=not z.known)


# Each part below: (bytes, what it is, the options it grows with, what else fixes it); "words"
# stands for the vocabulary size and "tokens" for the corpus size.
F32, F64 = 4, 8


class _Sizes:
    """The numbers :func:`memory_needed` works with, as Python integers (no overflow)."""

    def __init__(self, cfg: TrainConfig, vocab_size, tokens, kept) -> None:
        self.cfg = cfg
        self.backend = "cpu" if cfg.backend == "auto" else cfg.backend
        self.known = vocab_size is not None
        self.V = max(int(vocab_size), 1) if self.known else 1
        self.d, self.W, self.B = int(cfg.dim), int(cfg.window), int(cfg.batch_size)
        if not self.known:  # the lower bound: one word, one token, minibatches of one
            tokens, kept, self.B = 1, 1, 1
        self.C = 2 * self.W
        self.K = int(cfg.negative) if cfg.loss == "ns" else 0
        self.tokens = max(int(tokens or 0), 0)
        self.kept = self.tokens if kept is None else max(int(kept), 0)
        self.V_out = max(self.V - 1, 1) if cfg.loss == "hs" else self.V
        # the longest Huffman path: about log2(tokens / rarest count) (PTB: 18 for 887k tokens, 9,858 words)
        self.P = min(max(self.V - 1, 1), max(self.V.bit_length(), self.tokens.bit_length()) + 4)
        self.S = FIXED_SAMPLE_SOFTMAX if cfg.loss == "softmax" else FIXED_SAMPLE


def _persistent_parts(z: _Sizes) -> list:
    """The matrices, Adam's moments, the O(V) tables and the cpu kernel's per-thread buffers."""
    cfg, V, d = z.cfg, z.V, z.d
    matrices = (V + z.V_out) * d * F32
    parts = [(matrices, f"the two {V:,}×{d:,} matrices" if z.known else "the two matrices", ("dim", "words"), "")]
    if z.backend == "reference" and cfg.optimizer == "adam":
        parts.append((2 * matrices, "Adam's moments", ("dim", "words"), "use --optimizer sgd"))
    parts.append((V * 100 + (V * z.P * 5 if cfg.loss == "hs" else 0), "the noise and Huffman tables", ("words",), ""))
    if z.backend == "cpu":
        stride = z.C * z.K if cfg.model == "sg" else z.K
        per_thread = (2 * stride + 1) * 8 + z.C * 8 + 1000 * 8 + 2 * d * F32
        parts.append((int(cfg.threads) * per_thread,
                      f"the cpu kernel's buffers ({cfg.threads:,} thread{'s' if cfg.threads != 1 else ''})",
                      ("window", "negative", "threads"), ""))
    return parts


def _fixed_sample_part(z: _Sizes) -> tuple:
    """``monitor.FixedSample``: drawing 4·S candidates (CBOW: their C context slots), then the loss
    of S examples in float64 at every epoch's end."""
    cfg, S, C, d, K, V = z.cfg, z.S, z.C, z.d, z.K, z.V
    n = 4 * S
    frac = z.kept / z.tokens if z.tokens else 1.0
    draw = n * 80 if cfg.model == "sg" else n * C * (52 + 72 * frac)
    evaluate = S * d * F64 + (2 * S * C * d * F64 if cfg.model == "cbow" else 0)
    grows = ("window", "dim") if cfg.model == "cbow" else ("dim",)
    if cfg.loss == "ns":
        evaluate += 3 * S * (K + 1) * d * F64 + min(V, S * (K + 1)) * d * F64
        grows += ("negative",)
    elif cfg.loss == "hs":
        evaluate += S * z.P * d * 20
    else:
        evaluate += 3 * S * V * F64 + V * d * F64
        grows += ("words",)
    evaluate = max(evaluate / S, min(evaluate, FIXED_SAMPLE_CHUNK_BYTES))  # chunks of at least one example
    return (int(max(draw, evaluate)), f"the fixed evaluation sample ({S:,} examples)", grows,
            "use --loss ns or hs" if cfg.loss == "softmax" else "")


def _reference_epoch_parts(z: _Sizes, fixed: tuple) -> list:
    """The reference trainer's epoch: its window arrays while built, or once built plus the larger
    of a minibatch and the fixed sample's evaluation."""
    cfg, C, d, K, V, W, kept = z.cfg, z.C, z.d, z.K, z.V, z.W, z.kept
    filled = min(C, max(int(cfg.max_sentence_length) - 1, 1))  # a minibatch row's context slots in use, at most
    pairs = cfg.model == "sg" and cfg.loss != "ns"  # skip-gram HS/softmax train on (center, context) pairs
    build = 36 * kept * C + 21 * z.tokens
    keep = 5 * kept * C + (16 * kept * (W + 1) if pairs else 0)
    examples = kept * (W + 1) if pairs else kept
    Bx = max(min(z.B, examples), 1) if z.tokens else z.B
    in_rows = Bx if cfg.model == "sg" else Bx * filled
    if cfg.loss == "ns":
        out_rows = Bx * (filled * (K + 1) if cfg.model == "sg" else K + 1)
    else:
        out_rows = Bx * z.P if cfg.loss == "hs" else 0
    batch = 3 * F32 * d * (in_rows + out_rows) + 8 * F32 * d * (min(V, in_rows) + min(z.V_out, out_rows))
    grows = ("batch_size", "dim") + (("window",) if cfg.model == "cbow" else ())
    if cfg.loss == "ns" and cfg.model == "sg":
        batch += 2 * Bx * C * K * C + 40 * Bx * C * (K + 1)
        grows += ("window", "negative")
    elif cfg.loss == "softmax":
        batch += 3 * F32 * Bx * V + 11 * F32 * V * d
        grows += ("words",)
    windows = ("the epoch's window arrays", ("window", "tokens"), "use --backend cpu (it builds no window arrays)")
    during = max((batch, f"minibatches of {Bx:,} examples" if z.known else "a minibatch", grows,
                  "use --loss ns or hs" if cfg.loss == "softmax" else ""), fixed, key=lambda p: p[0])
    return [(keep, *windows), during] if keep + during[0] > build else [(build, *windows)]


_SIZE_OPTIONS = ("dim", "window", "negative", "batch_size", "threads")  # in the order messages name them


def _above_default(cfg: TrainConfig, name: str) -> bool:
    default = {"batch_size": 512}.get(name, getattr(TrainConfig, name, None))
    return default is not None and getattr(cfg, name) > default


def _lead(cfg: TrainConfig, grows, words: int | None, tokens: int | None) -> str:
    """The options that make a part big, e.g. "--dim 100,000 with 10,000 words": those of its
    options above their defaults (all of them when none is)."""
    names = [n for n in _SIZE_OPTIONS if n in grows]
    big = [n for n in names if _above_default(cfg, n)] or names
    text = _and([f"--{n.replace('_', '-')} {getattr(cfg, n):,}" for n in big])
    extra = [f"{words:,} words"] if "words" in grows and words else []
    extra += [f"{tokens:,} training tokens"] if "tokens" in grows and tokens else []
    if not text:
        return f"a vocabulary of {words or 1:,} words needs"
    return text + (f" with {_and(extra)}" if extra else "") + (" need" if len(big) > 1 else " needs")


def _and(items) -> str:
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + (items[-1] if items else "")


def _fix(cfg: TrainConfig, grows, other: str) -> str:
    names = [n for n in _SIZE_OPTIONS if n in grows]
    big = [n for n in names if _above_default(cfg, n)] or names
    fixes = [f"lower {' or '.join('--' + n.replace('_', '-') for n in big)}"] if big else []
    if "words" in grows:
        fixes.append("keep fewer words (--max-vocab, --min-count)")
    if other:
        fixes.append(other)
    return ", ".join(fixes[:-1]) + (" or " if len(fixes) > 1 else "") + fixes[-1]


def available_memory() -> int | None:
    """Bytes this process can still allocate, as far as the system tells: /proc/meminfo's
    MemAvailable (+ free swap), else sysconf's available (or total) physical pages; lowered to the
    room left under a cgroup memory limit and under ``ulimit -v``. ``None`` when nothing is known."""
    avail = None
    try:
        info = {}
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                fields = rest.split()
                if fields and fields[0].isdigit():
                    info[key] = int(fields[0]) * 1024
        if "MemAvailable" in info:
            avail = info["MemAvailable"] + info.get("SwapFree", 0)
    except (OSError, ValueError):
        pass
    if avail is None:
        for name in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
            try:
                pages, size = os.sysconf(name), os.sysconf("SC_PAGE_SIZE")
            except (ValueError, OSError, AttributeError):
                continue
            if pages > 0 and size > 0:
                avail = pages * size
                break

    def lower(room):
        nonlocal avail
        if room is not None:
            avail = room if avail is None else min(avail, room)

    for limit, usage, stat, inactive in (
            ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat",
             "inactive_file"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
             "/sys/fs/cgroup/memory/memory.stat", "total_inactive_file")):
        try:
            with open(limit) as f:
                text = f.read().strip()
            if text == "max" or int(text) >= 1 << 60:
                continue
            with open(usage) as f:
                used = int(f.read().strip())
            reclaimable = 0
            try:
                with open(stat) as f:
                    for line in f:
                        key, _, value = line.partition(" ")
                        if key == inactive:
                            reclaimable = int(value)
            except (OSError, ValueError):
                pass
            lower(max(int(text) - used + reclaimable, 0))
        except (OSError, ValueError):
            continue
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS) if resource else (-1, None)
        if resource and soft != resource.RLIM_INFINITY and soft > 0:
            vm = 0
            try:
                with open("/proc/self/status") as f:
                    for line in f:
                        if line.startswith("VmSize:"):
                            vm = int(line.split()[1]) * 1024
            except (OSError, ValueError):
                pass
            lower(max(soft - vm, 0))
    except (ValueError, OSError):
        pass
    return avail


def check_memory(cfg: TrainConfig, vocab_size: int | None = None, tokens: int | None = None,
                 kept: int | None = None, available: int | None = None) -> MemoryNeed:
    """Raise :class:`ConfigError` when :func:`memory_needed` exceeds the memory available (``available``,
    default :func:`available_memory`; no check when that is unknown); returns the estimate."""
    need = memory_needed(cfg, vocab_size, tokens, kept)
    available = available_memory() if available is None else available
    if available is not None and need.total > available:
        raise ConfigError(need.message(available))
    return need
