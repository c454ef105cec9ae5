"""The memory a training run will allocate, estimated before the first matrix is, and the memory
this machine has for it.

:func:`memory_needed` is pure arithmetic on a :class:`~w2v_scratch.training.config.TrainConfig` (any
object with its fields and ``with_defaults``) and the corpus's sizes; :func:`available_memory`
reads what the system allows this process (``/proc/meminfo``, a cgroup limit, ``ulimit -v``);
:func:`check_memory` compares the two and refuses a run that cannot fit with one line naming the
options that make it big.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

try:
    import resource  # ulimit -v, in available_memory (POSIX only)
except ImportError:
    resource = None

from ..base.errors import ConfigError

# monitor.FixedSample's examples (monitor.SIZE, monitor.SOFTMAX_SIZE; tests/test_limits.py checks
# they agree): every backend evaluates them at each epoch's end, and memory_needed counts them
FIXED_SAMPLE = 4096
FIXED_SAMPLE_SOFTMAX = 512
FIXED_SAMPLE_CHUNK_BYTES = 1 << 26  # monitor.CHUNK_BYTES: the sample is evaluated in chunks of this size


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


def memory_needed(cfg, vocab_size: int | None = None, tokens: int | None = None,
                  kept: int | None = None) -> MemoryNeed:
    """Estimate the memory a run of ``cfg`` on a vocabulary of ``vocab_size`` words needs, before any
    of it is allocated. ``tokens``: corpus tokens of the vocabulary; ``kept``: the expected tokens
    after subsampling (both optional: the reference trainer's window arrays are then left out and its
    minibatches taken as full). With ``vocab_size=None`` (before the corpus is read) it is a lower
    bound: one word, one token, minibatches of one. Pure arithmetic on Python integers: any option
    value, however absurd, gives a number.

    Sizes, with V words, d = --dim, W = --window (C = 2W context slots), K = --negative (NS and hs+ns),
    B = --batch-size, P = a Huffman path's length (HS), S = the fixed sample's examples (4096):

    * the two matrices (three with hs+ns), float32: (V + V_out)·d·4 (V_out = V−1 for HS, V + V−1 for
      hs+ns), and for the reference
      trainer with Adam its two moments per matrix, the same again ×2;
    * the cpu kernel, per thread (``kernels/cpu.py`` ``train_chunk``): its noise-id buffer
      2·(C·K)+1 int64 (for every model and noise scheme), C context ids, 1000 sentence ids, 2·d floats,
      and its window scratch (``window_scratch``) for windows of C inputs and T = max(P, K+1)
      targets: C + T row offsets (uint64), T labels and 3·C·T scores and steps (float32), C·d
      floats;
    * the cuda backend, on the host: the two matrices copied back from the device at each epoch's
      end (into new arrays, then into the model's), the matrices' size again;
    * the reference trainer, per epoch: the window arrays of the kept tokens, ~36 bytes per
      (token, context slot) while they are built, 5 after; per minibatch its gathered rows and their
      gradients, 3·4·d bytes per row (skip-gram NS: B·C·(K+1) output rows, i.e. the textbook's
      B×(2W)×(K+1)×d arrays), its noise draws (B·C·K·C bytes of clash tests), the full softmax's
      B×V scores (×3), and the optimizer's per-row temporaries;
    * every backend's fixed evaluation sample (``monitor.FixedSample``): S examples in float64,
      S·C·d·16 bytes of context rows for CBOW, S·(K+1)·d·24 for NS, S·V·24 for the full softmax,
      evaluated in chunks of at most 64 MB (at least one example); for NS its S·K noise ids,
      kept as int64 for the whole run (8·S·K bytes) and drawn through about 26·S·K bytes of
      temporaries (``AliasSampler.draw``: int64 columns, float64 uniforms and gathered
      probabilities, then int32 and int64 copies).

    It is an estimate of the peak, not an exact count: the parts are what the trainers allocate,
    not Python's own overhead."""
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

    def __init__(self, cfg, vocab_size, tokens, kept) -> None:
        self.cfg = cfg
        self.backend = "cpu" if cfg.backend == "auto" else cfg.backend
        self.known = vocab_size is not None
        self.V = max(int(vocab_size), 1) if self.known else 1
        self.d, self.W, self.B = int(cfg.dim), int(cfg.window), int(cfg.batch_size)
        if not self.known:  # the lower bound: one word, one token, minibatches of one
            tokens, kept, self.B = 1, 1, 1
        self.C = 2 * self.W
        self.K = int(cfg.negative) if cfg.loss in ("ns", "hs+ns") else 0
        self.hs = cfg.loss in ("hs", "hs+ns")  # a Huffman tree, and Θ
        self.tokens = max(int(tokens or 0), 0)
        self.kept = self.tokens if kept is None else max(int(kept), 0)
        # output rows: Θ's (V−1) for HS, W_out's V for NS and softmax, both for hs+ns
        self.V_out = max(self.V - 1, 1) if cfg.loss == "hs" else self.V + (max(self.V - 1, 1) if self.hs else 0)
        # the longest Huffman path: about log2(tokens / rarest count)
        self.P = min(max(self.V - 1, 1), max(self.V.bit_length(), self.tokens.bit_length()) + 4)
        self.S = FIXED_SAMPLE_SOFTMAX if cfg.loss == "softmax" else FIXED_SAMPLE


def _persistent_parts(z: _Sizes) -> list:
    """The matrices, Adam's moments, the O(V) tables and the cpu kernel's per-thread buffers."""
    cfg, V, d = z.cfg, z.V, z.d
    matrices = (V + z.V_out) * d * F32
    n = "three" if cfg.loss == "hs+ns" else "two"
    parts = [(matrices, f"the {n} {V:,}×{d:,} matrices" if z.known else f"the {n} matrices", ("dim", "words"), "")]
    if z.backend == "reference" and cfg.optimizer == "adam":
        parts.append((2 * matrices, "Adam's moments", ("dim", "words"), "use --optimizer sgd"))
    parts.append((V * 100 + (V * z.P * 5 if z.hs else 0), "the noise and Huffman tables", ("words",), ""))
    if z.backend == "cuda":  # each epoch's end: the device's matrices land in new host arrays, then in w2v's
        parts.append((matrices, "the matrices copied back from the GPU", ("dim", "words"), "use --backend cpu"))
    if z.backend == "cpu":
        stride = z.C * z.K  # allocated for skip-gram's per-pair draws whatever the model or scheme
        targets = max(z.P if z.hs else 1, z.K + 1)
        scratch = (z.C + targets) * 8 + targets * F32 + 3 * max(z.C, 1) * targets * F32 + z.C * d * F32
        per_thread = (2 * stride + 1) * 8 + z.C * 8 + 1000 * 8 + 2 * d * F32 + scratch
        parts.append((int(cfg.threads) * per_thread,
                      f"the cpu kernel's buffers ({cfg.threads:,} thread{'s' if cfg.threads != 1 else ''})",
                      ("dim", "window", "negative", "threads"), ""))
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
    noise = 0
    if cfg.loss in ("ns", "hs+ns"):
        evaluate += 3 * S * (K + 1) * d * F64 + min(V, S * (K + 1)) * d * F64
        grows += ("negative",)
        noise = S * K * 8  # the sample's noise ids, kept for the whole run
    if z.hs:
        evaluate += S * z.P * d * 20
    if cfg.loss == "softmax":
        evaluate += 3 * S * V * F64 + V * d * F64
        grows += ("words",)
    evaluate = max(evaluate / S, min(evaluate, FIXED_SAMPLE_CHUNK_BYTES))  # chunks of at least one example
    draw = max(draw, 26 * S * K if K else 0)  # drawing the noise ids (AliasSampler.draw)
    return (int(max(draw, evaluate + noise)), f"the fixed evaluation sample ({S:,} examples)", grows,
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


def _above_default(cfg, name: str) -> bool:
    default = {"batch_size": 512}.get(name, getattr(type(cfg), name, None))
    return default is not None and getattr(cfg, name) > default


def _lead(cfg, grows, words: int | None, tokens: int | None) -> str:
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


def _fix(cfg, grows, other: str) -> str:
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


def check_memory(cfg, vocab_size: int | None = None, tokens: int | None = None,
                 kept: int | None = None, available: int | None = None) -> MemoryNeed:
    """Raise :class:`ConfigError` when :func:`memory_needed` exceeds the memory available (``available``,
    default :func:`available_memory`; no check when that is unknown); returns the estimate."""
    need = memory_needed(cfg, vocab_size, tokens, kept)
    available = available_memory() if available is None else available
    if available is not None and need.total > available:
        raise ConfigError(need.message(available))
    return need
