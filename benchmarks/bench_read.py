"""Reading and encoding a corpus file: tokens/s, seconds and peak memory, by corpus size.

What is timed is ``w2v_scratch.corpus.read.load(path, min_count=5)`` — read the file once, count the
words, build the vocabulary, encode every token to its int32 id — in memory, and with a corpus
cache folder (``cache_dir=``, the ids written to files there, a fresh folder per run so nothing is
reused). Each run is its own process, with one Numba thread (a child's ``ru_maxrss`` starts at its
parent's peak, so this parent stays small: it streams the corpus, never holds it); the
import and a warm-up load of a tiny file (the compiled kernels come from the Numba cache) happen
before the clock starts, so the figures are the reading alone. The file is read once beforehand,
so it comes from the page cache: this is the encoder's speed, not the disk's.

Columns: tokens (whitespace-separated, all of them, in or out of the vocabulary), seconds (median
over ``--rounds``, wall clock) and CPU seconds of the median run, tokens/s (tokens / median
seconds), peak MB (the process's ``ru_maxrss``; on Linux its high-water mark is reset, through
``/proc/self/clear_refs``, to the current size just before the load), "+MB" (peak minus that size:
what the load itself added), and the encoded corpus's size (4 bytes per kept token,
8 per sentence offset). A digest of the ids and offsets (memory mode) shows two checkouts encode
alike.

    python benchmarks/bench_read.py                                   # /tmp/bench_corpus.txt, 1x and 10x
    python benchmarks/bench_read.py --scale 1 10 --rounds 3 --modes memory cache
    python benchmarks/bench_read.py --checkout /tmp/before            # the code of another checkout

The corpus defaults to ``/tmp/bench_corpus.txt``, built if missing from ``text8.prefix.gz`` and
``wiki.train.tokens`` (``W2V_DATA``, or ``shared/data`` beside or inside the checkout). An N×
corpus is written to ``--workdir`` (a temporary folder) and deleted at the end.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.environ.get("W2V_DATA") or next(
    (d for d in (os.path.join(ROOT, "shared", "data"), os.path.join(ROOT, "..", "shared", "data"),
                 "/work/shared/data") if os.path.isdir(d)), os.path.join(ROOT, "..", "shared", "data"))
DEFAULT_CORPUS = "/tmp/bench_corpus.txt"

# The child: import (from the copy, if any), warm up, then time one load. argv: [-c, JSON].
CHILD = r"""
import hashlib, json, os, resource, sys, tempfile, time
args = json.loads(sys.argv[1])
if args["copy"]:
    sys.path.insert(0, args["copy"])
from w2v_scratch.corpus import read as corpus
where = os.path.realpath(corpus.__file__)
if args["copy"] and not where.startswith(os.path.realpath(args["copy"]) + os.sep):
    sys.exit(f"bench_read: w2v_scratch was imported from {where}, not from {args['copy']}")
with tempfile.TemporaryDirectory() as tmp:
    tiny = os.path.join(tmp, "tiny.txt")
    with open(tiny, "w") as f:
        f.write("a warm up corpus\nof a few words a few\n" * 50)
    corpus.load(tiny, min_count=1)
    corpus.load(tiny, min_count=1, cache_dir=os.path.join(tmp, "warm-cache"))
    try:  # Linux: reset the peak to the current size, so the peak below is the load's own
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    start_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cache = os.path.join(tmp, "cache") if args["mode"] == "cache" else None
    t0, c0 = time.perf_counter(), time.process_time()
    vocab, enc = corpus.load(args["path"], min_count=5, cache_dir=cache)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    digest = ""
    if args["mode"] == "memory":
        digest = hashlib.sha256(enc.ids.tobytes() + enc.offsets.tobytes()).hexdigest()[:12]
    print(json.dumps(dict(seconds=seconds, cpu=cpu, peak_mb=peak_kb / 1024, start_mb=start_kb / 1024,
                          ids=len(enc.ids), sentences=int(enc.n_sentences), vocab=len(vocab), digest=digest)))
"""


def build_corpus(path: str) -> str:
    """text8.prefix (one long line), a line end, then WikiText-2 train: one plain-text file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        with gzip.open(os.path.join(DATA, "text8.prefix.gz"), "rt", encoding="utf-8") as f:
            shutil.copyfileobj(f, out)
        out.write("\n")
        with open(os.path.join(DATA, "wiki.train.tokens"), encoding="utf-8") as f:
            shutil.copyfileobj(f, out)
    os.replace(tmp, path)
    return path


def count_tokens(path: str) -> int:
    """Whitespace-separated tokens of a UTF-8 file (``str.split``, as the reader splits), read in
    blocks cut at an ASCII whitespace byte: this process stays small, and a child's ``ru_maxrss``
    starts from its parent's peak."""
    n, tail = 0, b""
    with open(path, "rb") as f:
        while True:
            block = f.read(1 << 20)
            data = tail + block
            cut = max(data.rfind(b) for b in (b" ", b"\n", b"\t", b"\r")) + 1 if block else len(data)
            n += len(data[:cut].decode("utf-8").split())
            tail = data[cut:]
            if not block:
                return n


def repeat(base: str, n: int, workdir: str) -> str:
    """``base`` written ``n`` times over into ``workdir`` (each copy ending in a line end)."""
    path = os.path.join(workdir, f"bench_read.x{n}.txt")
    with open(base, "rb") as f:
        f.seek(-1, os.SEEK_END)
        line_end = b"" if f.read(1) == b"\n" else b"\n"
    with open(path, "wb") as out:
        for _ in range(n):
            with open(base, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
            out.write(line_end)
    return path


def warm_page_cache(path: str) -> None:
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def copy_checkout(checkout: str, workdir: str) -> str:
    """w2v_scratch/ and kernels/ of ``checkout`` copied as one importable package (as installed)."""
    copy = tempfile.mkdtemp(prefix="read-at-", dir=workdir)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(os.path.join(checkout, "w2v_scratch"), os.path.join(copy, "w2v_scratch"), ignore=skip)
    shutil.rmtree(os.path.join(copy, "w2v_scratch", "kernels"), ignore_errors=True)
    shutil.copytree(os.path.join(checkout, "kernels"), os.path.join(copy, "w2v_scratch", "kernels"), ignore=skip)
    return copy


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def run_child(path: str, mode: str, copy: str | None) -> dict:
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(dict(path=path, mode=mode, copy=copy))],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"bench_read: the {mode} load of {path} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(path: str, tokens: int, mode: str, rounds: int, copy: str | None) -> dict:
    runs = [run_child(path, mode, copy) for _ in range(rounds)]
    runs.sort(key=lambda r: r["seconds"])
    mid = runs[len(runs) // 2]
    return dict(mid, tokens=tokens, tokens_per_s=tokens / mid["seconds"],
                peak_mb=statistics.median(r["peak_mb"] for r in runs),
                added_mb=statistics.median(r["peak_mb"] - r["start_mb"] for r in runs),
                encoded_mb=(4 * mid["ids"] + 8 * (mid["sentences"] + 1)) / 2**20)


def table(rows: list[dict]) -> str:
    lines = ["| size | mode | tokens | seconds | cpu s | tokens/s | peak MB | +MB | encoded MB | ids digest |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['size']}× | {r['mode']} | {r['tokens']:,} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
                     f"{r['tokens_per_s'] / 1e6:.1f}M | {r['peak_mb']:.0f} | {r['added_mb']:.0f} | "
                     f"{r['encoded_mb']:.0f} | {r['digest'] or '-'} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help="plain-text corpus (built if it is the default "
                   "and missing)")
    p.add_argument("--scale", type=int, nargs="+", default=[1, 10], help="sizes, as repetitions of the corpus")
    p.add_argument("--modes", nargs="+", choices=["memory", "cache"], default=["memory", "cache"])
    p.add_argument("--rounds", type=int, default=3, help="runs per size and mode (the median is reported)")
    p.add_argument("--checkout", help="time the code of this checkout (its w2v_scratch/ and kernels/)")
    p.add_argument("--workdir", help="where the N× corpora go (default: a temporary folder, removed)")
    args = p.parse_args(argv)
    if args.corpus == DEFAULT_CORPUS and not os.path.exists(args.corpus):
        build_corpus(args.corpus)
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_read-")
    os.makedirs(workdir, exist_ok=True)
    made: list[str] = []
    try:
        copy = copy_checkout(os.path.abspath(args.checkout), workdir) if args.checkout else None
        base_tokens = count_tokens(args.corpus)
        rows = []
        for n in args.scale:
            path = args.corpus if n == 1 else repeat(args.corpus, n, workdir)
            if n != 1:
                made.append(path)
            warm_page_cache(path)
            for mode in args.modes:
                rows.append(dict(measure(path, n * base_tokens, mode, args.rounds, copy), size=n, mode=mode))
                print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            if n != 1:
                os.unlink(path)
                made.remove(path)
    finally:
        for path in made:
            os.unlink(path)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: "
          f"{cpu_model()}, {os.cpu_count()} logical CPUs, "
          f"Python {platform.python_version()}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
          f"code: {args.checkout or ROOT}")
    print(f"corpus: {args.corpus} ({os.path.getsize(args.corpus):,} bytes, {base_tokens:,} tokens), "
          f"min count 5, one Numba thread, {args.rounds} rounds")
    print(table(rows))


if __name__ == "__main__":
    main()
