"""CPU benchmark, paired: this project's CLI (Numba backend) vs gensim vs word2vec.c vs fastText.

Speed on a shared machine is quoted as a ratio against a peer run in the same invocation: single runs
here move by up to 1.8x, so every tool runs once per round, the rounds interleave the tools (the order
rotates each round), and the ratios are taken round by round (paired) and summarised by their median
and min-max. One untimed warm-up run per tool and variant comes first (it fills the Numba cache and
the page cache).

Every time is the WHOLE PROCESS, from its start to its exit: reading the corpus, building the
vocabulary, training, writing the vectors (and, for the Python tools, starting Python and importing
the library). Each run is its own process, so its peak memory (ru_maxrss) is its own.

Tools (same corpus, same hyperparameters: word2vec.c's defaults, dim 100, window 5, negative 5,
sample 1e-3, min count 5, alpha 0.025 sg / 0.05 cbow, 5 epochs, same thread count):

- ours: the project's CLI as a user runs it, `python -m w2v_scratch train --backend cpu ...`, every
  hyperparameter passed explicitly;
- ours@PATH: the same CLI from another checkout PATH (say a git worktree of an older commit), copied
  to a temporary folder and imported from there (checked inside the process) — for before/after
  comparisons;
- gensim: Word2Vec with corpus_file (build_vocab + train), vectors saved in word2vec binary format;
- c: the `word2vec` binary from the `word2vec` PyPI package (-binary 1);
- fasttext: fasttext.train_unsupervised with minn=0 maxn=0 wordNgrams=1 (plain word vectors, no
  subwords), its words and input vectors written in word2vec binary format.

Each run's vectors are scored with the project's evaluation (analogies on questions-words.txt over the
30,000 most frequent words; Spearman on WordSim-353 and SimLex-999).

    python benchmarks/bench_cpu.py                                  # 4 variants x 4 tools x 3 rounds
    python benchmarks/bench_cpu.py --quick                          # smoke test: 200k words, 1 epoch, 2 rounds
    python benchmarks/bench_cpu.py --variants sg-ns --tools ours ours@../w2v-old --report -   # before/after
    python benchmarks/bench_cpu.py --variants sg-ns --scale 1 10 --rounds 1 --report -       # time/token by size
    python benchmarks/bench_cpu.py --variants cbow-ns --rounds 3 --seeds 1 2 3 --report -    # quality over seeds
    python benchmarks/bench_cpu.py --variants sg-hs+ns cbow-hs+ns --tools ours gensim c --report -  # both losses
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("W2V_DATA") or next(
    (d for d in (os.path.join(ROOT, "shared", "data"), os.path.join(ROOT, "..", "shared", "data"))
     if os.path.isdir(d)), os.path.join(ROOT, "..", "shared", "data"))
VARIANTS = ("sg-ns", "sg-hs", "cbow-ns", "cbow-hs")  # the default set
# hs+ns: both losses at once (word2vec.c -hs 1 -negative 5, gensim hs=1 negative=5); fastText has no such mode
ALL_VARIANTS = VARIANTS + ("sg-hs+ns", "cbow-hs+ns")
TOOLS = ("ours", "gensim", "c", "fasttext")
QUICK = dict(corpus_words=200_000, epochs=1, rounds=2)
NORMAL = dict(corpus_words=None, epochs=5, rounds=3)
MARKERS = {"bench": ("<!-- cpu-benchmark:start -->", "<!-- cpu-benchmark:end -->"),
           "scale": ("<!-- cpu-scale:start -->", "<!-- cpu-scale:end -->")}
METRICS = (("analogy", "{:.2f}"), ("wordsim", "{:.3f}"), ("simlex", "{:.3f}"))
# Flags of `w2v_scratch train` this script passes when the checkout's CLI has them (an older checkout
# given as ours@PATH may lack them: it then runs with its own defaults, and the report says so).
OPTIONAL_FLAGS = ("--sample-rule", "--min-lr")
NOTES = """Notes:

- Timings: whole process, start to exit, for every tool; for the Python tools that includes starting
  Python and importing the library (for ours: NumPy, Numba and its kernels from the on-disk cache,
  about 1 s; the warm-up run fills that cache). "train+write s" starts where each tool says its
  vocabulary is built (ours: its `corpus:` log line; gensim: after `build_vocab`, which also
  initialises its vectors; word2vec.c: its `Words in train file` line; fastText: its `Number of
  labels` line) and runs to the exit: initialisation, training, writing the vectors (and for ours the
  Numba import and kernel load, which the CLI does after reading the corpus). The rest is read+vocab.
- Paired ratios: within a round the tools run one after the other (never at the same time) in an
  order rotated each round; the speed ratio peer s / ours s (above 1: ours is faster) is taken per
  round and summarised by its median and min-max over the rounds. Single runs on this kind of shared
  machine move by up to 1.8x with the load other jobs put on it: quote the ratios, not the seconds.
- Quality: the mean over the rounds (with more than one thread the runs are not deterministic, and
  `--seeds` gives each round its own seed for ours and gensim; word2vec.c has no seed option, its
  random state starts from the thread id, and fastText's train_unsupervised takes none).
- Memory: word2vec.c's NS runs hold its 1e8-entry unigram table (400 MB); ours uses an O(V) alias
  table. Our peak includes Python, NumPy and Numba/LLVM (~150 MB), the encoded corpus (int32) and the
  matrices.
- fastText decays its learning rate linearly to 0 (the others to alpha·1e-4), treats each line end as
  a word `</s>` (as word2vec.c), and with minn=0 maxn=0 wordNgrams=1 keeps no subword buckets."""


# -- pure helpers (tested in tests/test_bench_cpu.py) -------------------------------------------
def rotation(tools: list[str], r: int) -> list[str]:
    """The order of round ``r``: ``tools`` rotated left by ``r`` places, so each tool takes each
    position in turn (no tool always runs first, on a cold machine, or last, after the others)."""
    if not tools:
        return []
    k = r % len(tools)
    return list(tools[k:]) + list(tools[:k])


def seed_for_round(seeds: list[int], r: int) -> int:
    return seeds[r % len(seeds)]


def spread(xs) -> tuple[float, float, float] | None:
    """(median, min, max) of the numbers in ``xs`` (None left out), or None when there are none."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return statistics.median(xs), min(xs), max(xs)


def mean(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def paired_ratios(num: dict, den: dict) -> list[float]:
    """``num[r] / den[r]`` for every round ``r`` in both (same round: paired), in round order; rounds
    where either value is missing or the denominator is not positive are left out."""
    return [num[r] / den[r] for r in sorted(set(num) & set(den))
            if num[r] is not None and den[r] is not None and den[r] > 0]


def fmt_spread(s, f: str = "{:.2f}", unit: str = "") -> str:
    if s is None:
        return "n/a"
    med, lo, hi = s
    if lo == hi:
        return f.format(med) + unit
    return f"{f.format(med)}{unit} ({f.format(lo)}–{f.format(hi)})"


def fmt(x, f: str) -> str:
    return "n/a" if x is None else f.format(x)


def parse_tool(spec: str) -> str:
    """A tool name, ``ours@PATH`` with PATH a checkout holding w2v_scratch/ and kernels/, or
    ``ours+FLAG[+FLAG...]``: the installed checkout with ``--FLAG`` added to its train command
    (``ours+shared-noise``; a flag with a value as ``name=value``)."""
    if spec in TOOLS:
        return spec
    if spec.startswith("ours+") and all(part for part in spec[len("ours+"):].split("+")):
        return spec
    if spec.startswith("ours@") and len(spec) > len("ours@"):
        path = os.path.abspath(os.path.expanduser(spec[len("ours@"):]))
        for sub in ("w2v_scratch", "kernels"):
            if not os.path.isdir(os.path.join(path, sub)):
                raise argparse.ArgumentTypeError(f"{spec}: {path} has no {sub}/ folder (want a checkout of this project)")
        return spec
    raise argparse.ArgumentTypeError(f"unknown tool {spec!r}: use one of {', '.join(TOOLS)} or ours@PATH")


def is_ours(tool: str) -> bool:
    return tool == "ours" or tool.startswith(("ours@", "ours+"))


def checkout_of(tool: str) -> str:
    return os.path.abspath(os.path.expanduser(tool[len("ours@"):])) if tool.startswith("ours@") else ROOT


def added_flags(tool: str) -> list[str]:
    """The train options an ``ours+FLAG+...`` tool adds: ``--FLAG``, or ``--name value`` for ``name=value``."""
    if not tool.startswith("ours+"):
        return []
    out = []
    for part in tool[len("ours+"):].split("+"):
        name, _, value = part.partition("=")
        out += ["--" + name] + ([value] if value else [])
    return out


def baseline_of(tools: list[str]) -> str | None:
    """The tool the ratios are taken against: `ours` if it runs, else the first ours@PATH."""
    if "ours" in tools:
        return "ours"
    return next((t for t in tools if is_ours(t)), None)


def hyper(variant: str, dim: int = 100) -> dict:
    """The variant's hyperparameters; ``hs`` (0/1) and ``neg`` (the noise words drawn: 0 for HS alone)
    are what word2vec.c's -hs and -negative and gensim's hs and negative get."""
    model, loss = variant.split("-")
    alpha = 0.05 if model == "cbow" else 0.025
    return dict(model=model, loss=loss, dim=dim, window=5, negative=5, sample=1e-3, min_count=5, alpha=alpha,
                hs=int(loss in ("hs", "hs+ns")), neg=5 if loss in ("ns", "hs+ns") else 0)


# -- the corpora (built in a child) --------------------------------------------------------------
def _open_text(path: str):
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    if path.endswith(".bz2"):
        import bz2

        return bz2.open(path, "rt", encoding="utf-8")
    if path.endswith(".xz"):
        import lzma

        return lzma.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _replace_when_done(path: str, write) -> str:
    """Write ``path`` through a temporary file (a half-written corpus is never taken for a whole one)."""
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as out:
            write(out)
        os.replace(tmp, path)
    return path


def build_default_corpus(workdir: str) -> str:
    """text8.prefix (one long line) then WikiText-2 train, as one plain-text file (the C tool,
    gensim's corpus_file mode and fastText read plain text)."""
    def write(out):
        with gzip.open(os.path.join(DATA, "text8.prefix.gz"), "rt", encoding="utf-8") as f:
            shutil.copyfileobj(f, out)
        out.write("\n")
        with open(os.path.join(DATA, "wiki.train.tokens"), encoding="utf-8") as f:
            shutil.copyfileobj(f, out)

    return _replace_when_done(os.path.join(workdir, "text8prefix+wikitext2.txt"), write)


def _stem(path: str) -> str:
    name = os.path.basename(path)
    for ext in (".gz", ".bz2", ".xz", ".txt", ".tokens"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name


def cut_corpus(source: str, workdir: str, words: int | None) -> str:
    """The first ``words`` words of ``source`` (all of it when None), as plain text, lines kept."""
    name = f"{_stem(source)}.first{words}.txt" if words else f"{_stem(source)}.txt"

    def write(out):
        left = words if words else float("inf")
        with _open_text(source) as f:
            for line in f:
                toks = line.split()
                if len(toks) >= left:
                    out.write(" ".join(toks[: int(left)]) + "\n")
                    return
                out.write(" ".join(toks) + "\n")
                left -= len(toks)

    return _replace_when_done(os.path.join(workdir, name), write)


def repeat_corpus(base: str, workdir: str, n: int) -> str:
    """``base`` written ``n`` times over (each copy ending in a line end), for --scale."""
    if n == 1:
        return base
    stem = os.path.basename(base)
    stem = stem[:-4] if stem.endswith(".txt") else stem

    def write(out):
        for _ in range(n):
            last = ""
            with open(base, encoding="utf-8") as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    out.write(chunk)
                    last = chunk[-1]
            if last != "\n":
                out.write("\n")

    return _replace_when_done(os.path.join(workdir, f"{stem}.x{n}.txt"), write)


def prepare(corpus: str | None, workdir: str, words: int | None, sizes: list[int], min_count: int = 5) -> dict:
    """The corpus of each size and its in-vocabulary token count (words seen at least
    ``min_count`` times, counted once on the base corpus: n copies have n× every count)."""
    from collections import Counter

    if corpus is None:
        base = build_default_corpus(workdir)
        if words:
            base = cut_corpus(base, workdir, words)
    elif words or corpus.endswith((".gz", ".bz2", ".xz")):
        base = cut_corpus(corpus, workdir, words)
    else:
        base = corpus
    counts: Counter = Counter()
    with open(base, encoding="utf-8") as f:
        for line in f:
            counts.update(line.split())
    tokens = {n: sum(n * c for c in counts.values() if n * c >= min_count) for n in sizes}
    corpora = {n: repeat_corpus(base, workdir, n) for n in sizes}
    return dict(corpora=corpora, tokens=tokens, raw_words=sum(counts.values()), base=base)


# -- workers (each runs in a child process) ------------------------------------------------------
def work_gensim(corpus, variant, threads, epochs, dim, output, seed) -> dict:
    from gensim.models import Word2Vec

    h = hyper(variant, dim)
    m = Word2Vec(vector_size=h["dim"], window=h["window"], min_count=h["min_count"], sample=h["sample"],
                 sg=int(h["model"] == "sg"), hs=h["hs"], negative=h["neg"], alpha=h["alpha"],
                 min_alpha=h["alpha"] * 1e-4, cbow_mean=1, workers=threads, epochs=epochs, seed=seed)
    m.build_vocab(corpus_file=corpus)
    print("VOCAB-DONE", file=sys.stderr, flush=True)  # the parent's train+write clock starts here
    t0 = time.perf_counter()
    m.train(corpus_file=corpus, total_words=m.corpus_total_words, total_examples=m.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - t0
    m.wv.save_word2vec_format(output, binary=True)
    return dict(kernel_seconds=seconds, vocab=len(m.wv))


def work_fasttext(corpus, variant, threads, epochs, dim, output, seed) -> dict:
    import fasttext
    import numpy as np

    h = hyper(variant, dim)
    if h["loss"] == "hs+ns":
        raise SystemExit("fastText trains one loss at a time: leave fasttext out of --tools for the hs+ns variants")
    t0 = time.perf_counter()
    # verbose=1: fastText prints "Number of labels: 0" once its vocabulary is built (the parent's
    # train+write clock starts there) and one progress line at the end; no periodic progress.
    m = fasttext.train_unsupervised(
        corpus, model="skipgram" if h["model"] == "sg" else "cbow", loss=h["loss"], dim=h["dim"],
        ws=h["window"], neg=h["negative"], minCount=h["min_count"], t=h["sample"], lr=h["alpha"], epoch=epochs,
        thread=threads, minn=0, maxn=0, wordNgrams=1, verbose=1)  # takes no seed: `seed` is unused
    seconds = time.perf_counter() - t0
    words = list(m.words)
    matrix = m.get_input_matrix()
    if matrix.shape[0] == len(words):  # no subword buckets: the input matrix holds the word vectors
        vectors = np.ascontiguousarray(matrix, dtype="<f4")
    else:
        vectors = np.stack([m.get_word_vector(w) for w in words]).astype("<f4")
    with open(output, "wb") as f:  # word2vec binary, as io.save_word2vec_binary writes it
        f.write(f"{len(words)} {vectors.shape[1]}\n".encode())
        for w, row in zip(words, vectors):
            f.write(w.encode("utf-8") + b" " + row.tobytes())
    return dict(train_call_seconds=seconds, vocab=len(words))


def evaluation_files() -> dict:
    """The shared data's evaluation files, or the project's bundled copies when they are missing."""
    def pick(name):
        path = os.path.join(DATA, name)
        return path if os.path.exists(path) else None

    return dict(analogies=pick("questions-words.txt"), wordsim=pick("wordsim353.tsv"), simlex=pick("simlex999.txt"))


def evaluate(paths: list[str]) -> list[dict]:
    from w2v_scratch.vectors.evaluate import bundled_pairs, evaluate_analogies, evaluate_pairs
    from w2v_scratch.vectors.formats import load_word2vec

    files = evaluation_files()
    ws_path = files["wordsim"] or bundled_pairs()[0]
    sl_path = files["simlex"] or bundled_pairs()[1]
    out = []
    for path in paths:
        emb = load_word2vec(path)
        a = evaluate_analogies(emb, files["analogies"], restrict_vocab=30000)  # None: the bundled copy
        ws = evaluate_pairs(emb, ws_path)
        sl = evaluate_pairs(emb, sl_path)
        out.append(dict(analogy=100 * a.accuracy if a.questions else None, analogy_questions=a.questions,
                        wordsim=ws.spearman, simlex=sl.spearman, vocab=len(emb)))
    return out


def versions() -> dict:
    from importlib import metadata

    out = {}
    for key, dists in (("gensim", ("gensim",)), ("fasttext", ("fasttext-numpy2-wheel", "fasttext")),
                       ("word2vec", ("word2vec",)), ("numba", ("numba",)), ("numpy", ("numpy",))):
        for d in dists:
            try:
                out[key] = f"{d} {metadata.version(d)}"
                break
            except metadata.PackageNotFoundError:
                continue
    try:
        import w2v_scratch

        out["w2v_scratch"] = os.path.dirname(os.path.abspath(w2v_scratch.__file__))
    except ImportError:
        pass
    return out


def run_worker(args) -> None:
    if args.worker == "evaluate":
        result = evaluate(args.outputs)
    elif args.worker == "prepare":
        result = prepare(args.corpus, args.workdir, args.corpus_words, args.sizes)
    elif args.worker == "versions":
        result = versions()
    else:
        fn = {"gensim": work_gensim, "fasttext": work_fasttext}[args.worker]
        result = fn(args.corpus, args.variant, args.threads, args.epochs, args.dim, args.output, args.seed)
    print("RESULT " + json.dumps(result), flush=True)


def result_of(stdout: str) -> dict:
    line = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def in_child(*worker_args: str, cwd: str | None = None):
    """Run a worker of this script in a child process and return its RESULT. Preparing, counting and
    evaluating happen in children too: a child inherits its parent's peak RSS on Linux (ru_maxrss
    survives fork and exec), so the parent must stay small for the trainers' peaks to be their own."""
    return result_of(spawn([sys.executable, os.path.abspath(__file__), *worker_args], cwd=cwd)["stdout"])


# -- running one process ------------------------------------------------------------------------------
def find_c_binary(name: str = "word2vec") -> str | None:
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(beside):
        return beside
    return shutil.which(name)


def spawn(cmd: list[str], markers=(), env=None, cwd=None) -> dict:
    """Run ``cmd`` to its exit; return its stdout and stderr, whole wall seconds (start to exit),
    peak RSS (MB), CPU seconds, and ``marked``: the seconds from the start to the first of
    ``markers`` ((stream, bytes) pairs, stream "stdout" or "stderr") seen in its output, or None."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0, env=env, cwd=cwd)
    seen: list[float] = []
    chunks = {"stdout": [], "stderr": []}

    def read(stream, name):
        wanted = [m for s, m in markers if s == name]
        tail = b""
        while True:
            chunk = stream.read(65536)
            if not chunk:
                return
            now = time.perf_counter()
            if wanted:
                window = tail + chunk
                if any(m in window for m in wanted):
                    seen.append(now)
                    wanted = []
                tail = window[-64:]
            chunks[name].append(chunk)

    readers = [threading.Thread(target=read, args=(proc.stdout, "stdout")),
               threading.Thread(target=read, args=(proc.stderr, "stderr"))]
    for t in readers:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.perf_counter()
    for t in readers:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = b"".join(chunks["stdout"]).decode("utf-8", "replace")
    stderr = b"".join(chunks["stderr"]).decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-3000:]}")
    return dict(stdout=stdout, stderr=stderr, whole=end - start, peak_mb=usage.ru_maxrss / 1024,
                cpu_seconds=usage.ru_utime + usage.ru_stime, marked=min(seen) - start if seen else None)


# The child that runs ours@PATH: import the copy, check that it is the copy (and its kernels too),
# then run `python -m w2v_scratch` in this process. argv: [-c, COPY_ROOT, train, ...].
OURS_AT_BOOTSTRAP = """\
import os, runpy, sys
root = os.path.realpath(sys.argv.pop(1))
import w2v_scratch, w2v_scratch.kernels.cpu
for name, mod in (("w2v_scratch", w2v_scratch), ("w2v_scratch.kernels.cpu", w2v_scratch.kernels.cpu)):
    where = os.path.realpath(mod.__file__)
    if not where.startswith(root + os.sep):
        sys.exit(f"bench_cpu: {name} was imported from {where}, not from the copy under {root}")
runpy.run_module("w2v_scratch", run_name="__main__", alter_sys=True)
"""


class Ours:
    """How to start one `ours` tool: the installed checkout (`ours`), or a copy of another one
    (`ours@PATH`) in a temporary folder, imported through PYTHONPATH."""

    def __init__(self, tool: str, tmp_root: str):
        self.tool = tool
        self.checkout = checkout_of(tool)
        self.env = None
        self.prefix = [sys.executable, "-m", "w2v_scratch"]
        if tool.startswith("ours@"):
            self.copy = tempfile.mkdtemp(prefix="ours-at-", dir=tmp_root)
            skip = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(os.path.join(self.checkout, "w2v_scratch"), os.path.join(self.copy, "w2v_scratch"),
                            ignore=skip)
            shutil.rmtree(os.path.join(self.copy, "w2v_scratch", "kernels"), ignore_errors=True)
            shutil.copytree(os.path.join(self.checkout, "kernels"), os.path.join(self.copy, "w2v_scratch", "kernels"),
                            ignore=skip)
            self.env = dict(os.environ, PYTHONPATH=self.copy)
            self.prefix = [sys.executable, "-c", OURS_AT_BOOTSTRAP, self.copy]
        help_text = spawn([*self.prefix, "train", "--help"], env=self.env, cwd=tmp_root)["stdout"]
        self.flags = {tok.strip(",[]") for tok in help_text.split() if tok.startswith("--")}
        needed = ["--backend", "--corpus", "--output", "--model", "--loss", "--dim", "--window", "--negative",
                  "--sample", "--min-count", "--lr", "--epochs", "--threads", "--seed", "--no-progress", "--query"]
        missing = [f for f in needed if f not in self.flags]
        if missing:
            raise SystemExit(f"{tool}: `w2v_scratch train` in {self.checkout} lacks {' '.join(missing)}")
        self.lacking = [f for f in OPTIONAL_FLAGS if f not in self.flags]

    def command(self, variant, corpus, output, threads, epochs, dim, seed) -> list[str]:
        h = hyper(variant, dim)
        cmd = [*self.prefix, "train", "--backend", "cpu", "--corpus", corpus, "--output", output,
               "--model", h["model"], "--loss", h["loss"], "--dim", str(h["dim"]), "--window", str(h["window"]),
               "--negative", str(h["neg"]),  # HS alone draws none (as -negative 0)
               "--sample", str(h["sample"]), "--min-count", str(h["min_count"]),
               "--lr", str(h["alpha"]), "--epochs", str(epochs), "--threads", str(threads), "--seed", str(seed),
               "--no-progress"]
        if "--sample-rule" in self.flags:
            cmd += ["--sample-rule", "word2vec"]
        if "--min-lr" in self.flags:
            cmd += ["--min-lr", repr(h["alpha"] * 1e-4)]
        return cmd + added_flags(self.tool) + ["--query"]  # no query words: nothing printed at the end


def run_tool(tool, variant, corpus, output, a, seed, ours: dict, cwd) -> dict:
    """One whole-process run of ``tool``; returns its timings and peak memory."""
    h = hyper(variant, a.dim)
    env, extra = None, {}
    if is_ours(tool):
        o = ours[tool]
        cmd, env = o.command(variant, corpus, output, a.threads, a.epochs, a.dim, seed), o.env
        markers = [("stderr", b"corpus: ")]
    elif tool == "c":
        cmd = [find_c_binary(), "-train", corpus, "-output", output, "-size", str(h["dim"]),
               "-window", str(h["window"]), "-sample", str(h["sample"]), "-hs", str(h["hs"]),
               "-negative", str(h["neg"]), "-threads", str(a.threads),
               "-iter", str(a.epochs), "-min-count", str(h["min_count"]), "-alpha", str(h["alpha"]),
               "-binary", "1", "-cbow", str(int(h["model"] == "cbow"))]
        stdbuf = shutil.which("stdbuf")
        if stdbuf:  # line-buffered stdout, so "Words in train file" arrives when it is printed
            cmd = [stdbuf, "-oL", *cmd]
        markers = [("stdout", b"Words in train file"), ("stdout", b"Alpha:")]
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", tool, "--variant", variant, "--corpus", corpus,
               "--threads", str(a.threads), "--epochs", str(a.epochs), "--dim", str(a.dim), "--output", output,
               "--seed", str(seed)]
        markers = [("stderr", b"VOCAB-DONE" if tool == "gensim" else b"Number of labels")]
    r = spawn(cmd, markers=markers, env=env, cwd=cwd)
    if tool in ("gensim", "fasttext"):
        extra = result_of(r["stdout"])
    train = r["whole"] - r["marked"] if r["marked"] is not None else None
    return dict(tool=tool, variant=variant, seed=None if tool in ("c", "fasttext") else seed, whole=r["whole"], train=train,
                peak_mb=r["peak_mb"], cpu_seconds=r["cpu_seconds"], output=output, **extra)


# -- summaries and tables -------------------------------------------------------------------------
def summarize(runs: list[dict], tokens: dict, epochs: int) -> dict:
    """Per (size, variant, tool): rounds, whole/train seconds and words/sec as (median, min, max),
    peak MB (max), and each quality metric as mean and (min, max)."""
    out: dict = {}
    failed: dict = {}
    for r in runs:
        key = (r["size"], r["variant"], r["tool"])
        if r.get("failed"):
            failed[key] = failed.get(key, 0) + 1
            out.setdefault(key, [])
        else:
            out.setdefault(key, []).append(r)
    summary = {}
    for key, rs in out.items():
        n_tok = epochs * tokens[key[0]]
        if not rs:  # every round failed
            summary[key] = dict(rounds=0, failed=failed[key], n_tok=n_tok)
            continue
        trains = [r["train"] for r in rs]
        complete = all(t is not None for t in trains)  # a marker missed in some round: no train+write numbers
        s = dict(rounds=len(rs), failed=failed.get(key, 0), n_tok=n_tok, whole=spread(r["whole"] for r in rs),
                 train=spread(trains) if complete else None,
                 wps=spread(n_tok / r["whole"] for r in rs), peak_mb=max(r["peak_mb"] for r in rs),
                 us_per_token=1e6 * statistics.median(r["whole"] for r in rs) / n_tok if n_tok else None,
                 train_us_per_token=1e6 * statistics.median(trains) / n_tok if complete and n_tok else None)
        for m, _ in METRICS:
            xs = [r.get(m) for r in rs if r.get(m) is not None]
            s[m] = mean(xs)
            s[m + "_range"] = (min(xs), max(xs)) if xs else None
        summary[key] = s
    return summary


def ratio_rows(runs: list[dict], summary: dict, base: str, tools: list[str]) -> list[dict]:
    """Per (size, variant, peer): the per-round speed ratios peer s / base s (whole process, and
    train+write), paired by round; peak memory base / peer; quality base − peer on the means."""
    rows = []
    by = {}
    for r in runs:
        if not r.get("failed"):
            by.setdefault((r["size"], r["variant"], r["tool"]), {})[r["round"]] = r
    for (size, variant, tool) in ordered_keys(by, tools):
        if tool == base or (size, variant, base) not in by:
            continue
        ours, peer = by[(size, variant, base)], by[(size, variant, tool)]
        whole = paired_ratios({k: v["whole"] for k, v in peer.items()}, {k: v["whole"] for k, v in ours.items()})
        train = paired_ratios({k: v["train"] for k, v in peer.items()}, {k: v["train"] for k, v in ours.items()})
        so, sp = summary[(size, variant, base)], summary[(size, variant, tool)]
        row = dict(size=size, variant=variant, peer=tool, pairs=len(whole), speed=spread(whole),
                   train_speed=spread(train) if len(train) == len(whole) else None,
                   memory=so["peak_mb"] / sp["peak_mb"] if sp["peak_mb"] else None)
        for m, _ in METRICS:
            row[m] = so[m] - sp[m] if so[m] is not None and sp[m] is not None else None
        rows.append(row)
    return rows


def ordered_keys(summary: dict, tools: list[str]) -> list[tuple]:
    rank = {t: i for i, t in enumerate(tools)}
    return sorted(summary, key=lambda k: (k[0], ALL_VARIANTS.index(k[1]) if k[1] in ALL_VARIANTS else 0,
                                          rank.get(k[2], 99)))


def main_table(summary: dict, tools: list[str], show_size: bool) -> str:
    size_h, size_a = ("size | ", "---:|") if show_size else ("", "")
    rows = [f"| {size_h}variant | tool | rounds | whole s, median (min–max) | train+write s | words/sec (whole) | "
            "peak MB | analogy % | WS-353 ρ | SimLex ρ |",
            f"|{size_a}---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in ordered_keys(summary, tools):
        s = summary[key]
        size = f"{key[0]}× | " if show_size else ""
        rounds = f"{s['rounds']}" + (f" ({s['failed']} failed)" if s["failed"] else "")
        if not s["rounds"]:
            rows.append(f"| {size}{key[1]} | {key[2]} | {rounds} | failed |" + " |" * 6)
            continue
        q = []
        for m, f in METRICS:
            cell = fmt(s[m], f)
            rng = s[m + "_range"]
            if rng and rng[0] != rng[1]:
                cell += f" ({f.format(rng[0])}–{f.format(rng[1])})"
            q.append(cell)
        rows.append(f"| {size}{key[1]} | {key[2]} | {rounds} | {fmt_spread(s['whole'], '{:.2f}')} | "
                    f"{fmt_spread(s['train'], '{:.2f}')} | {fmt_spread(s['wps'], '{:,.0f}')} | "
                    f"{s['peak_mb']:.0f} | " + " | ".join(q) + " |")
    return "\n".join(rows)


def ratio_table(rows: list[dict], base: str, show_size: bool) -> str:
    size_h, size_a = ("size | ", "---:|") if show_size else ("", "")
    out = [f"| {size_h}variant | {base} vs | pairs | speed: peer s / {base} s, median (min–max) | "
           "train+write: peer / ours | peak MB: ours / peer | analogy Δ (pts) | WS-353 Δ | SimLex Δ |",
           f"|{size_a}---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        size = f"{r['size']}× | " if show_size else ""
        out.append(f"| {size}{r['variant']} | {r['peer']} | {r['pairs']} | {fmt_spread(r['speed'], '{:.2f}', '×')} | "
                   f"{fmt_spread(r['train_speed'], '{:.2f}', '×')} | {fmt(r['memory'], '{:.2f}×')} | "
                   f"{fmt(r['analogy'], '{:+.2f}')} | {fmt(r['wordsim'], '{:+.3f}')} | {fmt(r['simlex'], '{:+.3f}')} |")
    return "\n".join(out)


def scale_table(summary: dict, tools: list[str]) -> str:
    """Per variant and tool, one row per size: µs per token (whole process and train+write), peak
    MB, and their growth from the smallest size (1.00× = time linear in the corpus, flat memory)."""
    rows = ["| variant | tool | size | tokens × epochs | whole s | µs/token (whole) | µs/token (train+write) | "
            "peak MB | µs/token growth | peak MB growth |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    first: dict = {}
    keys = sorted(summary, key=lambda k: (ALL_VARIANTS.index(k[1]) if k[1] in ALL_VARIANTS else 0,
                                          tools.index(k[2]) if k[2] in tools else 99, k[0]))
    for key in keys:
        size, variant, tool = key
        s = summary[key]
        if not s["rounds"]:
            rows.append(f"| {variant} | {tool} | {size}× | {s['n_tok']:,} | failed |" + " |" * 5)
            continue
        f0 = first.setdefault((variant, tool), s)
        g_time = s["us_per_token"] / f0["us_per_token"] if s["us_per_token"] and f0["us_per_token"] else None
        rows.append(f"| {variant} | {tool} | {size}× | {s['n_tok']:,} | {fmt_spread(s['whole'], '{:.2f}')} | "
                    f"{fmt(s['us_per_token'], '{:.3f}')} | {fmt(s['train_us_per_token'], '{:.3f}')} | "
                    f"{s['peak_mb']:.0f} | {fmt(g_time, '{:.2f}×')} | {s['peak_mb'] / f0['peak_mb']:.2f}× |")
    return "\n".join(rows)


# -- the report ---------------------------------------------------------------------------------------
def machine() -> str:
    cpu, logical = platform.processor() or "unknown CPU", os.cpu_count()
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        if names:
            cpu, logical = names[0], len(names)
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    return (f"{cpu}, {logical} logical CPUs ({usable} usable by this process), Linux {platform.release()}, "
            f"Python {platform.python_version()}")


def loadavg() -> tuple | None:
    try:
        return os.getloadavg()
    except OSError:
        return None


def fmt_load(load) -> str:
    return "n/a" if load is None else f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"


def git_rev(path: str) -> str:
    try:
        rev = subprocess.run(["git", "-C", path, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", path, "status", "--porcelain", "--untracked-files=no", "--",
                                "w2v_scratch", "kernels"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "not a git checkout"
    if not rev:
        return "not a git checkout"
    return rev + (" + uncommitted changes in w2v_scratch/ or kernels/" if dirty else "")


def write_report(path: str, body: str, markers=MARKERS["bench"]) -> None:
    start, end = markers
    section = f"{start}\n{body}\n{end}"
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    if start in old and end in old:
        new = old[: old.index(start)] + section + old[old.index(end) + len(end):]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def report_body(a, info: dict, runs: list[dict], summary: dict, ratios: list[dict]) -> str:
    sizes, tokens = info["sizes"], info["tokens"]
    show_size = len(sizes) > 1
    base = baseline_of(a.tools)
    v = info["versions"]
    tool_lines = []
    for t in a.tools:
        if is_ours(t):
            o = info["ours"][t]
            where = (f"`{o['checkout']}` copied to a temporary folder and imported from there" if t.startswith("ours@")
                     else f"the installed package, imported from `{v.get('w2v_scratch', '?')}`")
            where += "".join(f", with `{' '.join(added_flags(t))}`" for _ in [0] if added_flags(t))
            lacking = (f"; its CLI lacks {', '.join('`' + f + '`' for f in o['lacking'])}, so those took its own defaults"
                       if o["lacking"] else "")
            tool_lines.append(f"  - {t}: `python -m w2v_scratch train --backend cpu ...`, {where}; "
                              f"git {o['rev']}; {v.get('numba', 'numba ?')}{lacking}")
        elif t == "gensim":
            tool_lines.append(f"  - gensim: {v.get('gensim', '?')}, Word2Vec with `corpus_file`, same workers")
        elif t == "c":
            tool_lines.append(f"  - c: word2vec.c, `{find_c_binary()}` ({v.get('word2vec', 'word2vec PyPI package')})")
        elif t == "fasttext":
            tool_lines.append(f"  - fasttext: {v.get('fasttext', '?')}, `train_unsupervised` with minn=0 maxn=0 "
                              "wordNgrams=1 (word vectors only)")
    corpus_desc = ", ".join(f"{n}× = {tokens[n]:,} in-vocabulary tokens" for n in sizes)
    loads = ", ".join(f"{x:.2f}" for x in info["round_loads"])
    seeds = ("seed " + str(a.seeds[0])) if len(a.seeds) == 1 else \
        f"round r uses seed {a.seeds} [r mod {len(a.seeds)}] for ours and gensim (word2vec.c has no seed " \
        "option, fastText's train_unsupervised takes none)"
    names = " vs ".join({"c": "word2vec.c", "fasttext": "fastText"}.get(t, t) for t in a.tools)
    title = f"## CPU scaling: time per token and peak memory by corpus size ({names})" if a.scale else \
        f"## CPU: {names} (paired rounds)"
    lines = [
        title,
        "",
        f"- date: {info['started']:%Y-%m-%d %H:%M} – {info['ended']:%H:%M}; machine: {machine()}",
        f"- load average (1/5/15 min) before {fmt_load(info['load_before'])}, after {fmt_load(info['load_after'])}; "
        f"1-min load at each round's start: {loads}",
        f"- command: `{info['command']}`",
        f"- corpus: {os.path.basename(info['base'])} ({info['raw_words']:,} words), {corpus_desc}; "
        f"{a.epochs} epoch(s), {a.threads} thread(s); dim {a.dim}, window 5, negative 5 (NS), sample 1e-3, min count 5, "
        "alpha 0.025 (sg) / 0.05 (cbow) → alpha·1e-4",
        f"- rounds: {a.rounds} per size after {a.warmup} untimed warm-up run(s) per tool and variant; tool order "
        f"rotated each round; {seeds}",
        "- tools:",
        *tool_lines,
        "- whole s = the process from start to exit (read, vocabulary, train, write); words/sec = epochs × "
        "in-vocabulary tokens / whole s (the same numerator for every tool); peak MB = the process's max RSS "
        "(max over rounds); quality = mean over rounds (min–max where they differ): analogy = questions-words.txt "
        "over the 30,000 most frequent words, ρ = Spearman",
        "",
        main_table(summary, a.tools, show_size),
    ]
    if base and ratios:
        lines += ["", f"Paired ratios against {base} (speed above 1×: {base} is faster; memory below 1×: {base} "
                  "uses less; quality as ours − peer on the means):", "", ratio_table(ratios, base, show_size)]
    if a.scale:
        lines += ["", "Time per token (µs per in-vocabulary token per epoch, medians) and peak memory by size; "
                  f"growth from the {sizes[0]}× corpus:", "", scale_table(summary, a.tools)]
    lines += ["", NOTES]
    return "\n".join(lines)


# -- the driver -----------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def read_through(path: str) -> None:
    """Read ``path`` once (into the page cache), 1 MB at a time so this process stays small."""
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    p.add_argument("--corpus", help="plain-text corpus (.gz/.bz2/.xz are decompressed into --workdir) "
                                    "[text8.prefix + WikiText-2 train, built in --workdir]")
    p.add_argument("--corpus-words", type=int, metavar="N",
                   help="cut the base corpus to its first N words (a smoke test in seconds) [all; --quick: 200000]")
    p.add_argument("--workdir", default=os.path.join(ROOT, "out", "bench_cpu"),
                   help="corpora, vectors and results.json go here")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=ALL_VARIANTS,
                   help="default: the four one-loss variants; sg-hs+ns and cbow-hs+ns train both losses at once")
    p.add_argument("--tools", nargs="+", default=list(TOOLS), type=parse_tool, metavar="TOOL",
                   help=f"any of {', '.join(TOOLS)}; ours@PATH: the CLI of the checkout at PATH (e.g. a git "
                        "worktree of an older commit); ours+FLAG: ours with --FLAG added (ours+shared-noise) "
                        "[ours gensim c fasttext]")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, help="[5; --quick: 1]")
    p.add_argument("--dim", type=int, default=100, help="vector size [100]")
    p.add_argument("--rounds", type=int, help="timed runs per tool, variant and size, interleaved [3; --quick: 2]")
    p.add_argument("--warmup", type=int, default=1, choices=(0, 1),
                   help="one untimed run per tool and variant before the rounds (on the smallest size) [1]")
    p.add_argument("--seeds", type=int, nargs="+", default=[1],
                   help="round r uses seed SEEDS[r mod len(SEEDS)] (ours, gensim; word2vec.c has no seed option and "
                        "fastText's train_unsupervised takes none) [1]")
    p.add_argument("--scale", type=int, nargs="+", metavar="N",
                   help="also run on the base corpus repeated N× (built once in --workdir) and report time per token "
                        "and peak memory per size, e.g. --scale 1 10")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: --corpus-words 200000 --epochs 1 --rounds 2 unless given, and --report - "
                        "unless a report file is given")
    p.add_argument("--keep-vectors", action="store_true", help="keep every run's vectors in --workdir")
    p.add_argument("--report", help="markdown file whose CPU section (between its markers) is rewritten; "
                                    "'-' for stdout only [docs/benchmarks.md; with --quick: -]")
    p.add_argument("--worker", choices=("gensim", "fasttext", "evaluate", "prepare", "versions"), help=argparse.SUPPRESS)
    p.add_argument("--variant", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    p.add_argument("--outputs", nargs="+", help=argparse.SUPPRESS)
    p.add_argument("--sizes", type=int, nargs="+", default=[1], help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        return a
    defaults = QUICK if a.quick else NORMAL
    for k, v in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.report is None:
        a.report = "-" if a.quick else os.path.join(ROOT, "docs", "benchmarks.md")
    if a.rounds < 1 or a.epochs < 1 or a.threads < 1 or a.dim < 1:
        p.error("--rounds, --epochs, --threads and --dim must be positive")
    if a.corpus_words is not None and a.corpus_words < 1:
        p.error("--corpus-words must be positive")
    if a.scale and min(a.scale) < 1:
        p.error("--scale sizes must be positive")
    a.tools = list(dict.fromkeys(a.tools))
    if "c" in a.tools and not find_c_binary():
        p.error(f"word2vec not found on PATH or next to {sys.executable}: pip install word2vec (or drop c from --tools)")
    return a


def main(argv=None) -> int:
    a = parse_args(argv)
    if a.worker:
        run_worker(a)
        return 0
    command = "python benchmarks/bench_cpu.py " + " ".join(argv if argv is not None else sys.argv[1:])
    os.makedirs(a.workdir, exist_ok=True)
    workdir = os.path.abspath(a.workdir)
    sizes = sorted(set(a.scale or [1]))
    load_before, started = loadavg(), datetime.datetime.now()
    prep_args = ["--worker", "prepare", "--workdir", workdir, "--sizes", *map(str, sizes)]
    if a.corpus:
        prep_args += ["--corpus", os.path.abspath(a.corpus)]
    if a.corpus_words:
        prep_args += ["--corpus-words", str(a.corpus_words)]
    log("preparing the corpora ...")
    prep = in_child(*prep_args)
    corpora = {int(k): v for k, v in prep["corpora"].items()}
    tokens = {int(k): v for k, v in prep["tokens"].items()}
    for n in sizes:
        log(f"  {n}×: {corpora[n]}: {tokens[n]:,} in-vocabulary tokens (min count 5)")
    info = dict(sizes=sizes, tokens=tokens, base=prep["base"], raw_words=prep["raw_words"], started=started,
                load_before=load_before, command=command.strip(), round_loads=[])
    info["versions"] = in_child("--worker", "versions", cwd=workdir)
    tmp_root = tempfile.mkdtemp(prefix="bench_cpu-", dir=workdir)
    try:
        ours = {t: Ours(t, tmp_root) for t in a.tools if is_ours(t)}
        info["ours"] = {t: dict(checkout=o.checkout, rev=git_rev(o.checkout), lacking=o.lacking) for t, o in ours.items()}
        for t, o in ours.items():
            if o.lacking:
                log(f"warning: {t}'s CLI lacks {' '.join(o.lacking)}: it runs with its own defaults for those")
        runs = run_all(a, sizes, corpora, tokens, ours, workdir, tmp_root, info)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    info["ended"], info["load_after"] = datetime.datetime.now(), loadavg()
    summary = summarize(runs, tokens, a.epochs)
    base = baseline_of(a.tools)
    ratios = ratio_rows(runs, summary, base, a.tools) if base else []
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump(dict(command=info["command"], tokens=tokens, runs=runs, ratios=ratios,
                       summary=[dict(size=k[0], variant=k[1], tool=k[2], **v) for k, v in summary.items()]),
                  f, indent=1, default=str)
    body = report_body(a, info, runs, summary, ratios)
    print(body, flush=True)
    if a.report != "-":
        write_report(a.report, body, MARKERS["scale" if a.scale else "bench"])
        log(f"wrote {a.report}")
    failures = [r for r in runs if r.get("failed")]
    if failures:
        log(f"{len(failures)} run(s) failed: " + ", ".join(f"{r['size']}× {r['variant']} {r['tool']} round "
                                                           f"{r['round'] + 1}" for r in failures))
        return 1
    return 0


def run_all(a, sizes, corpora, tokens, ours, workdir, tmp_root, info) -> list[dict]:
    """Every timed run, in order. A run that fails (a tool's error, say fastText's "Encountered NaN"
    on a tiny corpus) is logged and kept as {"failed": message}; the others go on."""
    runs = []
    for i, size in enumerate(sizes):
        corpus = corpora[size]
        read_through(corpus)
        if a.warmup and i == 0:
            for variant in a.variants:
                for tool in a.tools:
                    log(f"warm-up {size}× {variant} {tool} ...")
                    out = os.path.join(tmp_root, "warmup.bin")
                    try:
                        r = run_tool(tool, variant, corpus, out, a, seed_for_round(a.seeds, 0), ours, cwd=tmp_root)
                        log(f"  {r['whole']:.2f}s (untimed)")
                    except RuntimeError as e:
                        log(f"  warm-up FAILED: {e}")
                    if os.path.exists(out):
                        os.unlink(out)
        for rnd in range(a.rounds):
            seed = seed_for_round(a.seeds, rnd)
            load = loadavg()
            info["round_loads"].append(load[0] if load else float("nan"))
            batch = []
            for variant in a.variants:
                for tool in rotation(a.tools, rnd):
                    name = tool.replace("@", "-at-").replace(os.sep, "_")
                    out = os.path.join(workdir, f"{name}-{variant}-x{size}-r{rnd + 1}.bin")
                    log(f"[{size}× round {rnd + 1}/{a.rounds}] {variant} {tool} ...")
                    try:
                        r = run_tool(tool, variant, corpus, out, a, seed, ours, cwd=tmp_root)
                    except RuntimeError as e:
                        log(f"  FAILED: {e}")
                        runs.append(dict(tool=tool, variant=variant, size=size, round=rnd, failed=str(e)[-1500:]))
                        continue
                    r.update(size=size, round=rnd)
                    train = f", {r['train']:.2f}s train+write" if r["train"] is not None else ""
                    log(f"  {r['whole']:.2f}s whole{train}, {a.epochs * tokens[size] / r['whole']:,.0f} words/sec, "
                        f"peak {r['peak_mb']:.0f} MB")
                    batch.append(r)
            if batch:
                scores = in_child("--worker", "evaluate", "--outputs", *[r["output"] for r in batch], cwd=tmp_root)
                for r, q in zip(batch, scores):
                    r.update(q)
                    log(f"  {r['variant']} {r['tool']}: analogy {fmt(r['analogy'], '{:.2f}')}%, "
                        f"WS {fmt(r['wordsim'], '{:.3f}')}, SimLex {fmt(r['simlex'], '{:.3f}')}")
                    if not a.keep_vectors:
                        os.unlink(r["output"])
            runs += batch
    return runs


if __name__ == "__main__":
    sys.exit(main())
