"""Counting a vocabulary full of rare words: ours vs word2vec.c vs gensim, one corpus, one invocation.

The corpus is synthetic: ``--tokens`` tokens drawn from a Zipf law (``numpy`` ``zipf(--exponent)``,
1.05 by default: an unbounded vocabulary in which about half the tokens are words seen fewer than 5
times, nearly all of the distinct words; a word is its rank written in base 26 with the letters
a-z), about 25 tokens a line. It is written once to ``--workdir`` (or given with ``--corpus``).

Each tool runs in its own process, one thread, the file already in the page cache:

- ours: ``w2v_scratch.corpus.read.load(path, min_count=5)`` — count, choose the vocabulary and
  encode every token to its id (what ``train`` does before training), after an untimed warm-up on a
  tiny file; with ``--max-vocab-size N`` too (counting pruned to about N words held, then a second,
  encoding pass). ``--checkout DIR`` adds the unpruned row for another checkout's code (before/after).
- c: ``word2vec -train FILE -save-vocab OUT -min-count 5 -threads 1`` with no ``-output``: it
  counts (its ``ReduceVocab`` prunes once the vocabulary passes 21 million words), sorts, drops the
  words under min-count, writes the vocabulary and exits before training.
- gensim: ``Word2Vec(min_count=5, workers=1)`` then ``scan_vocab(corpus_file=FILE)`` and
  ``prepare_vocab()`` (its counting in a Python dict, then the min-count cut), with and without
  ``max_vocab_size``.

Columns: seconds (wall, median over ``--rounds``) and the CPU seconds of that run — of the timed
call for the Python tools (import and warm-up excluded), of the whole process for word2vec.c —,
tokens/s (tokens / wall s and tokens / CPU s: the second is one core's rate, whatever else the
machine runs), peak MB (the child's max RSS: the whole process, interpreter included), and the
vocabulary's size at min count 5.

    python benchmarks/bench_vocab.py --tokens 30000000 --rounds 3 --max-vocab-size 2000000
    python benchmarks/bench_vocab.py --tokens 10000000 --checkout /tmp/before --tools ours
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_cpu import find_c_binary  # noqa: E402
from bench_read import copy_checkout, cpu_model, warm_page_cache  # noqa: E402

OURS = r"""
import json, os, sys, tempfile, time
args = json.loads(sys.argv[1])
if args["copy"]:
    sys.path.insert(0, args["copy"])
from w2v_scratch.corpus import read
with tempfile.TemporaryDirectory() as tmp:
    tiny = os.path.join(tmp, "tiny.txt")
    with open(tiny, "w") as f:  # enough words that every array grows (and, pruned, prunes): all compiled
        f.write("\n".join("the of and " + " ".join(f"w{i}" for i in range(j, j + 50)) for j in range(0, 20000, 50)))
    read.load(tiny, min_count=1)
    extra = {} if args["prune"] is None else {"max_vocab_size": args["prune"]}
    if extra:
        read.load(tiny, min_count=1, max_vocab_size=100)
    t0, c0 = time.perf_counter(), time.process_time()
    vocab, enc = read.load(args["path"], min_count=5, **extra)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps(dict(vocab=len(vocab), seconds=seconds, cpu=cpu, where=os.path.dirname(read.__file__))))
"""
GENSIM = r"""
import json, sys, time
from gensim.models import Word2Vec
args = json.loads(sys.argv[1])
model = Word2Vec(min_count=5, workers=1, max_vocab_size=args["prune"])
t0, c0 = time.perf_counter(), time.process_time()
model.scan_vocab(corpus_file=args["path"])
model.prepare_vocab()
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps(dict(vocab=len(model.wv.index_to_key), seconds=seconds, cpu=cpu)))
"""


def make_zipf_corpus(path: str, tokens: int, exponent: float = 1.05, seed: int = 0, per_line: int = 25,
                     block: int = 5_000_000) -> None:
    """``tokens`` Zipf-distributed words (rank r → r-1 in base 26, letters a-z), a line end after
    each token with probability 1/per_line: written in blocks with NumPy, never a Python string
    per token."""
    rng = np.random.default_rng(seed)
    with open(path + ".tmp", "wb") as out:
        done = 0
        while done < tokens:
            n = min(block, tokens - done)
            ranks = rng.zipf(exponent, n).astype(np.uint64) - np.uint64(1)
            lens = np.ones(n, np.int64)
            rest = ranks // np.uint64(26)
            while rest.any():
                lens += rest > 0
                rest //= np.uint64(26)
            ends = np.cumsum(lens + 1)
            buf = np.empty(int(ends[-1]), np.uint8)
            starts = ends - lens - 1
            rest = ranks.copy()
            for k in range(int(lens.max())):  # the k-th letter from the right of every word still that long
                live = lens > k
                buf[starts[live] + lens[live] - 1 - k] = (rest[live] % np.uint64(26)).astype(np.uint8) + ord("a")
                rest //= np.uint64(26)
            sep = np.where(rng.random(n) < 1.0 / per_line, ord("\n"), ord(" ")).astype(np.uint8)
            sep[-1] = ord("\n")
            buf[ends - 1] = sep
            out.write(buf.tobytes())
            done += n
    os.replace(path + ".tmp", path)


SHAPE = r"""
import json, sys
import numpy as np
from w2v_scratch.corpus import encode, text_file
enc = encode.Encoder(10_000, emit=False)
for piece, _ in text_file._pieces(sys.argv[1]):
    enc.feed(piece)
enc.close()
c = enc.finish().counts
print(json.dumps(dict(tokens=int(c.sum()), words=len(c), rare_words=float((c < 5).mean()),
                      rare_tokens=float(c[c < 5].sum() / c.sum()))))
"""


def in_child(*args: str, code: str | None = None) -> dict:
    """Run this script (or ``code``) in a child and return the JSON of its last line. The parent stays
    small: a child's peak RSS starts from its parent's (ru_maxrss survives fork and exec)."""
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, os.path.abspath(__file__), *args]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_child(cmd: list[str], env=None) -> dict:
    """One run: the child's own rusage through os.wait4 (a Popen we reap ourselves)."""
    import time

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"bench_vocab: {' '.join(cmd[:3])} failed:\n{err.decode()[-2000:]}")
    last = out.decode().strip().splitlines()
    result = json.loads(last[-1]) if last and last[-1].startswith("{") else {}
    cpu = usage.ru_utime + usage.ru_stime
    return dict(wall=result.get("seconds", wall), cpu=result.get("cpu", cpu), peak_mb=usage.ru_maxrss / 1024,
                result=result)


def commands(tool: str, path: str, prune, copy, workdir: str) -> list[str]:
    if tool == "ours":
        return [sys.executable, "-c", OURS, json.dumps(dict(path=path, prune=prune, copy=copy))]
    if tool == "gensim":
        return [sys.executable, "-c", GENSIM, json.dumps(dict(path=path, prune=prune))]
    return [find_c_binary(), "-train", path, "-save-vocab", os.path.join(workdir, "c.vocab"), "-min-count", "5",
            "-threads", "1"]


def c_vocab(workdir: str) -> int:
    with open(os.path.join(workdir, "c.vocab"), "rb") as f:
        return sum(1 for line in f if not line.startswith(b"</s> "))


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--make"]:  # in a child: write the corpus
        make_zipf_corpus(argv[1], int(argv[2]), float(argv[3]))
        print("{}")
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", help="a corpus file (default: a Zipf corpus written to --workdir)")
    p.add_argument("--tokens", type=int, default=30_000_000)
    p.add_argument("--exponent", type=float, default=1.05)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--max-vocab-size", type=int, default=2_000_000, help="the pruned rows' N (0: none)")
    p.add_argument("--tools", nargs="+", default=["ours", "c", "gensim"], choices=["ours", "c", "gensim"])
    p.add_argument("--checkout", help="also time ours from this checkout's code (before/after)")
    p.add_argument("--workdir", help="where the corpus and word2vec.c's vocabulary go (default: a temporary folder)")
    args = p.parse_args(argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench_vocab-")
    os.makedirs(workdir, exist_ok=True)
    env = dict(os.environ, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    try:
        path = args.corpus or os.path.join(workdir, f"zipf{args.exponent:g}-{args.tokens}.txt")
        if not os.path.exists(path):
            in_child("--make", path, str(args.tokens), str(args.exponent))
        shape = in_child(path, code=SHAPE)
        warm_page_cache(path)
        copy = copy_checkout(os.path.abspath(args.checkout), workdir) if args.checkout else None
        prunes = [None] + ([args.max_vocab_size] if args.max_vocab_size else [])
        variants = []
        for tool in args.tools:
            for code in ([None, copy] if tool == "ours" and copy else [None]):
                for prune in (prunes if tool != "c" and code is None else [None]):  # (older code: no option)
                    variants.append((tool, code, prune))
        runs = {v: [] for v in variants}
        for _ in range(args.rounds):
            for v in variants:
                r = run_child(commands(v[0], path, v[2], v[1], workdir), env)
                if v[0] == "c":
                    r["result"] = dict(vocab=c_vocab(workdir))
                runs[v].append(r)
                print(v, f"{r['wall']:.2f}s cpu {r['cpu']:.2f}s {r['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
        load = os.getloadavg()
        print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; machine: {cpu_model()}, "
              f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}; load average after "
              f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        print(f"corpus: {path} ({os.path.getsize(path):,} bytes): {shape['tokens']:,} tokens, {shape['words']:,} "
              f"distinct words; seen fewer than 5 times: {shape['rare_words']:.1%} of the words, "
              f"{shape['rare_tokens']:.1%} of the tokens; {args.rounds} rounds, one thread each")
        print("\n| tool | code | max_vocab_size | seconds (median) | CPU s | tokens/s (wall) | tokens/s (CPU) | "
              "peak MB | vocabulary |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for (tool, code, prune), rs in runs.items():
            rs.sort(key=lambda r: r["wall"])
            mid = rs[len(rs) // 2]
            where = "this checkout" if code is None else args.checkout
            print(f"| {tool} | {where if tool == 'ours' else '-'} | {prune or '-'} | {mid['wall']:.2f} | "
                  f"{mid['cpu']:.2f} | {shape['tokens'] / mid['wall'] / 1e6:.2f}M | "
                  f"{shape['tokens'] / mid['cpu'] / 1e6:.2f}M | {statistics.median(r['peak_mb'] for r in rs):.0f} | "
                  f"{mid['result'].get('vocab', '?'):,} |")
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
