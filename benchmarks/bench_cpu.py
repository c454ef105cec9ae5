"""CPU benchmark: this project's Numba backend vs gensim (corpus_file mode) vs the C word2vec.

Each tool trains the same corpus with the same hyperparameters (word2vec.c's defaults: dim 100,
window 5, negative 5, sample 1e-3, min count 5, alpha 0.025 / 0.05 for CBOW decaying linearly to
alpha·1e-4, 5 epochs) and the same number of threads, one run after the other, each in its own
process so its peak memory (ru_maxrss) is its own. Then each run's vectors are scored with the
project's evaluation (analogies on questions-words.txt over the 30,000 most frequent words;
Spearman on WordSim-353 and SimLex-999).

words/sec = epochs × (in-vocabulary corpus tokens) / training seconds, the same numerator for every
tool; training seconds exclude reading the corpus and building the vocabulary (for the C tool:
from its first progress line to its exit, so writing its vectors is included) and, for this
project, the Numba compile (reported apart).

    python benchmarks/bench_cpu.py                      # all four variants, 2 threads, 5 epochs
    python benchmarks/bench_cpu.py --variants sg-ns --tools ours gensim --epochs 1
    python benchmarks/bench_cpu.py --variants cbow-ns --seeds 1 2 3 --report -   # quality over seeds

With `--seeds`, ours and gensim train once per seed (the main table shows the first seed's runs);
word2vec.c has no seed option (its random state starts from the thread id), so it runs once.
A "Quality over seeds" table then gives the mean and min-max of each quality number over the seeds.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("W2V_DATA") or next(
    (d for d in (os.path.join(_REPO, "shared", "data"), os.path.join(_REPO, "..", "shared", "data"))
     if os.path.isdir(d)), os.path.join(_REPO, "..", "shared", "data"))
VARIANTS = ("sg-ns", "sg-hs", "cbow-ns", "cbow-hs")
TOOLS = ("ours", "gensim", "c")
NOTES = """Notes:

- One run per tool and variant: on a shared 2-core machine the timings move by ±20 % with the load
  other jobs put on it, and the quality numbers by about ±0.01-0.02 (Spearman) between seeds; the C tool
  and gensim differ from each other by as much.
- Compile: the Numba kernel is compiled once and cached on disk (`cache=True`); "compile s" is the
  time to load it from that cache (a cold compile takes about 5-6 s and is paid once).
- Memory: word2vec.c's NS runs hold its 1e8-entry unigram table (400 MB); ours uses an O(V) alias
  table. Our peak includes Python, NumPy and Numba/LLVM (~150 MB), the encoded corpus (int32, 16 MB)
  and the matrices.
- CBOW does one update per window (≈ 6 rows summed, 6 targets, 6 rows updated), so its loops are
  long enough for the vectorised float32 code to pay; we did not profile the peers to say more."""
MARK_START, MARK_END = "<!-- cpu-benchmark:start -->", "<!-- cpu-benchmark:end -->"


# -- the corpus -------------------------------------------------------------------------------
def build_corpus(workdir: str) -> str:
    """text8.prefix (one long line) then WikiText-2 train, as one plain-text file (the C tool and
    gensim's corpus_file mode read plain text)."""
    path = os.path.join(workdir, "text8prefix+wikitext2.txt")
    if os.path.exists(path):
        return path
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        with gzip.open(os.path.join(DATA, "text8.prefix.gz"), "rb") as f:
            shutil.copyfileobj(f, out)
        out.write(b"\n")
        with open(os.path.join(DATA, "wiki.train.tokens"), "rb") as f:
            shutil.copyfileobj(f, out)
    os.replace(tmp, path)
    return path


def hyper(variant: str) -> dict:
    model, loss = variant.split("-")
    alpha = 0.05 if model == "cbow" else 0.025
    return dict(model=model, loss=loss, dim=100, window=5, negative=5, sample=1e-3, min_count=5, alpha=alpha)


# -- workers (run in a child process) ----------------------------------------------------------
def work_ours(corpus, variant, threads, epochs, output, seed=1) -> dict:
    from w2v_scratch.io import save_word2vec
    from w2v_scratch.word2vec import Word2Vec

    h = hyper(variant)
    w = Word2Vec(model=h["model"], loss=h["loss"], dim=h["dim"], window=h["window"], negative=h["negative"],
                 sample=h["sample"], min_count=h["min_count"], lr=h["alpha"], epochs=epochs, threads=threads,
                 backend="cpu", seed=seed)
    w.fit(corpus, progress=False, log=lambda msg: print(msg, file=sys.stderr))
    save_word2vec(output, w.wv, binary=True)
    return dict(train_seconds=w.state["train_seconds"], compile_seconds=w.state["compile_seconds"],
                vocab=len(w.vocab), tokens=int(w.vocab.counts.sum()), final_loss=w.history[-1]["loss"])


def work_gensim(corpus, variant, threads, epochs, output, seed=1) -> dict:
    from gensim.models import Word2Vec

    h = hyper(variant)
    m = Word2Vec(vector_size=h["dim"], window=h["window"], min_count=h["min_count"], sample=h["sample"],
                 sg=int(h["model"] == "sg"), hs=int(h["loss"] == "hs"),
                 negative=h["negative"] if h["loss"] == "ns" else 0, alpha=h["alpha"],
                 min_alpha=h["alpha"] * 1e-4, cbow_mean=1, workers=threads, epochs=epochs, seed=seed)
    m.build_vocab(corpus_file=corpus)
    t0 = time.perf_counter()
    m.train(corpus_file=corpus, total_words=m.corpus_total_words, total_examples=m.corpus_count, epochs=epochs)
    seconds = time.perf_counter() - t0
    m.wv.save_word2vec_format(output, binary=True)
    return dict(train_seconds=seconds, vocab=len(m.wv))


def run_worker(args) -> None:
    if args.worker == "evaluate":
        result = evaluate(args.output)
    elif args.worker == "count":
        result = dict(tokens=count_tokens(args.corpus))
    else:
        fn = {"ours": work_ours, "gensim": work_gensim}[args.worker]
        result = fn(args.corpus, args.variant, args.threads, args.epochs, args.output, seed=args.seed)
    print("RESULT " + json.dumps(result), flush=True)


def in_child(*worker_args: str) -> dict:
    """Run a worker in a child process and return its RESULT. Counting and evaluating happen in
    children too: a child inherits its parent's peak RSS on Linux (ru_maxrss survives fork and
    exec), so the parent must stay small for the trainers' peaks to be their own."""
    r = _spawn([sys.executable, os.path.abspath(__file__), *worker_args])
    line = [ln for ln in r["stdout"].splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


# -- running one tool ---------------------------------------------------------------------------
def find_c_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.exists(beside):
        return beside
    raise SystemExit(f"{name} not found on PATH or next to {sys.executable}: pip install word2vec")


def _spawn(cmd: list[str], watch_progress: bool = False) -> dict:
    """Run cmd; return its stdout, wall seconds, peak RSS (MB), and, if asked, the time of the
    first word2vec.c progress line ("Alpha: ...")."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    first_progress = [None]
    out_chunks: list[bytes] = []

    def read_stdout():
        while True:
            chunk = proc.stdout.read(256)
            if not chunk:
                return
            if watch_progress and first_progress[0] is None and b"Alpha:" in chunk:
                first_progress[0] = time.perf_counter()
            out_chunks.append(chunk)

    err_chunks: list[bytes] = []
    t_out = threading.Thread(target=read_stdout)
    t_err = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    t_out.start()
    t_err.start()
    _, status, usage = os.wait4(proc.pid, 0)
    end = time.perf_counter()
    t_out.join()
    t_err.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = b"".join(out_chunks).decode("utf-8", "replace")
    stderr = b"".join(err_chunks).decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return dict(stdout=stdout, stderr=stderr, wall=end - start, peak_mb=usage.ru_maxrss / 1024,
                cpu_seconds=usage.ru_utime + usage.ru_stime,
                train_start=first_progress[0], end=end)


def run_tool(tool, variant, corpus, threads, epochs, workdir, seed=1) -> dict:
    suffix = "" if tool == "c" or seed == 1 else f"-seed{seed}"
    output = os.path.join(workdir, f"{tool}-{variant}{suffix}.bin")
    if tool == "c":
        h = hyper(variant)
        cmd = [find_c_binary("word2vec"), "-train", corpus, "-output", output, "-size", str(h["dim"]),
               "-window", str(h["window"]), "-sample", str(h["sample"]), "-hs", str(int(h["loss"] == "hs")),
               "-negative", str(h["negative"] if h["loss"] == "ns" else 0), "-threads", str(threads),
               "-iter", str(epochs), "-min-count", str(h["min_count"]), "-alpha", str(h["alpha"]),
               "-binary", "1", "-cbow", str(int(h["model"] == "cbow"))]
        r = _spawn(cmd, watch_progress=True)
        train = r["end"] - r["train_start"] if r["train_start"] else r["wall"]
        res = dict(train_seconds=train)
    else:
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", tool, "--variant", variant,
               "--corpus", corpus, "--threads", str(threads), "--epochs", str(epochs), "--output", output, "--seed", str(seed)]
        r = _spawn(cmd)
        line = [ln for ln in r["stdout"].splitlines() if ln.startswith("RESULT ")][-1]
        res = json.loads(line[len("RESULT "):])
    res.update(tool=tool, variant=variant, seed=None if tool == "c" else seed, wall=r["wall"], peak_mb=r["peak_mb"], cpu_seconds=r["cpu_seconds"],
               output=output)
    return res


def evaluate(path: str) -> dict:
    from w2v_scratch.evaluate import evaluate_analogies, evaluate_pairs
    from w2v_scratch.io import load_word2vec

    emb = load_word2vec(path)
    a = evaluate_analogies(emb, os.path.join(DATA, "questions-words.txt"), restrict_vocab=30000)
    ws = evaluate_pairs(emb, os.path.join(DATA, "wordsim353.tsv"))
    sl = evaluate_pairs(emb, os.path.join(DATA, "simlex999.txt"))
    return dict(analogy=100 * a.accuracy, analogy_questions=a.questions, wordsim=ws.spearman, simlex=sl.spearman)


# -- report -----------------------------------------------------------------------------------
def count_tokens(corpus: str, min_count: int = 5) -> int:
    from collections import Counter

    counts: Counter = Counter()
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            counts.update(line.split())
    return sum(c for c in counts.values() if c >= min_count)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            names = [ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")]
        cpu = f"{names[0]} ({len(names)} logical CPUs)" if names else cpu
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores visible, Linux {platform.release()}, Python {platform.python_version()}"


def table(results: list[dict], tokens: int, epochs: int) -> str:
    rows = ["| variant | tool | words/sec | train s | compile s | peak MB | analogy % | WS-353 ρ | SimLex ρ |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        wps = epochs * tokens / r["train_seconds"]
        r["words_per_sec"] = wps
        comp = f"{r['compile_seconds']:.1f}" if "compile_seconds" in r else ""
        rows.append(f"| {r['variant']} | {r['tool']} | {wps:,.0f} | {r['train_seconds']:.1f} | {comp} | "
                    f"{r['peak_mb']:.0f} | {r['analogy']:.2f} | {r['wordsim']:.3f} | {r['simlex']:.3f} |")
    return "\n".join(rows)


def ratios(results: list[dict]) -> str:
    lines = ["| variant | speed vs gensim | speed vs C | memory vs gensim | analogy − best peer (pts) | "
             "WS-353 − best peer | SimLex − best peer |", "|---|---:|---:|---:|---:|---:|---:|"]
    by = {(r["variant"], r["tool"]): r for r in results}
    for v in VARIANTS:
        ours = by.get((v, "ours"))
        if not ours:
            continue
        g, c = by.get((v, "gensim")), by.get((v, "c"))
        peers = [p for p in (g, c) if p]
        fmt = lambda x, f: f.format(x) if x is not None else "n/a"
        sg = ours["words_per_sec"] / g["words_per_sec"] if g else None
        sc = ours["words_per_sec"] / c["words_per_sec"] if c else None
        mg = ours["peak_mb"] / g["peak_mb"] if g else None
        da = ours["analogy"] - max(p["analogy"] for p in peers) if peers else None
        dw = ours["wordsim"] - max(p["wordsim"] for p in peers) if peers else None
        ds = ours["simlex"] - max(p["simlex"] for p in peers) if peers else None
        lines.append(f"| {v} | {fmt(sg, '{:.2f}×')} | {fmt(sc, '{:.2f}×')} | {fmt(mg, '{:.2f}×')} | "
                     f"{fmt(da, '{:+.2f}')} | {fmt(dw, '{:+.3f}')} | {fmt(ds, '{:+.3f}')} |")
    return "\n".join(lines)


def seeds_table(runs: list[dict], seeds: list[int]) -> str:
    """Quality over seeds: per variant and tool, mean and min-max of analogy %, WS-353 and SimLex
    over the runs (word2vec.c: its one run), then ours - the better peer on the means."""
    metrics = (("analogy", "{:.2f}"), ("wordsim", "{:.3f}"), ("simlex", "{:.3f}"))
    rows = ["| variant | tool | runs | analogy % mean (min–max) | WS-353 ρ mean (min–max) | "
            "SimLex ρ mean (min–max) |", "|---|---|---:|---:|---:|---:|"]
    diffs = ["| variant | analogy − best peer (pts) | WS-353 − best peer | SimLex − best peer |",
             "|---|---:|---:|---:|"]
    means: dict = {}
    for v in VARIANTS:
        for t in TOOLS:
            rs = [r for r in runs if r["variant"] == v and r["tool"] == t]
            if not rs:
                continue
            cells = []
            for m, f in metrics:
                xs = [r[m] for r in rs]
                means[(v, t, m)] = sum(xs) / len(xs)
                cells.append(f"{f.format(means[(v, t, m)])} ({f.format(min(xs))}–{f.format(max(xs))})"
                             if len(xs) > 1 else f.format(xs[0]))
            label = "1 (no seed option)" if t == "c" else str(len(rs))
            rows.append(f"| {v} | {t} | {label} | " + " | ".join(cells) + " |")
        if (v, "ours", "analogy") in means:
            peers = [t for t in ("gensim", "c") if (v, t, "analogy") in means]
            if peers:
                d = [means[(v, "ours", m)] - max(means[(v, t, m)] for t in peers) for m, _ in metrics]
                diffs.append(f"| {v} | {d[0]:+.2f} | {d[1]:+.3f} | {d[2]:+.3f} |")
    return "\n".join([
        f"Quality over seeds {', '.join(map(str, seeds))} (ours: `seed=`, gensim: `seed`; word2vec.c has no seed "
        "option — its random state starts from the thread id — so it ran once):",
        "", *rows, "", "Ours − the better peer, on the means:", "", *diffs])


def write_report(path: str, body: str) -> None:
    section = f"{MARK_START}\n{body}\n{MARK_END}"
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    if MARK_START in old and MARK_END in old:
        new = old[: old.index(MARK_START)] + section + old[old.index(MARK_END) + len(MARK_END):]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", help="plain-text corpus [text8.prefix + WikiText-2 train, built in --workdir]")
    p.add_argument("--workdir", default=os.path.join(ROOT, "out", "bench_cpu"))
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    p.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seeds", type=int, nargs="+", default=[1],
                   help="seeds for ours and gensim (one run each); word2vec.c runs once [1]")
    p.add_argument("--report", default=os.path.join(ROOT, "docs", "benchmarks.md"),
                   help="markdown file whose CPU section is (re)written; '-' for none")
    p.add_argument("--worker", choices=("ours", "gensim", "evaluate", "count"), help=argparse.SUPPRESS)
    p.add_argument("--variant", help=argparse.SUPPRESS)
    p.add_argument("--output", help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    corpus = args.corpus or build_corpus(args.workdir)
    tokens = in_child("--worker", "count", "--corpus", corpus)["tokens"]
    print(f"corpus {corpus}: {tokens:,} in-vocabulary tokens (min count 5)", file=sys.stderr)
    started = datetime.datetime.now()
    multi = len(args.seeds) > 1
    if multi and "c" in args.tools:
        print("word2vec.c has no seed option (its random state starts from the thread id): it runs once; "
              f"ours and gensim run once per seed {args.seeds}", file=sys.stderr, flush=True)
    runs = []  # every run; results = the first seed's (and C's one run), for the main table
    for variant in args.variants:
        for tool in args.tools:  # one after the other, never at the same time
            for seed in (args.seeds[:1] if tool == "c" else args.seeds):
                print(f"{variant} {tool}" + (f" seed {seed}" if multi and tool != "c" else "") + " ...",
                      file=sys.stderr, flush=True)
                r = run_tool(tool, variant, corpus, args.threads, args.epochs, args.workdir, seed=seed)
                r.update(in_child("--worker", "evaluate", "--output", r["output"]))
                r["words_per_sec"] = args.epochs * tokens / r["train_seconds"]
                print(f"  {r['words_per_sec']:,.0f} words/sec, {r['train_seconds']:.1f}s, peak {r['peak_mb']:.0f} MB, "
                      f"analogy {r['analogy']:.2f}%, WS {r['wordsim']:.3f}, SimLex {r['simlex']:.3f}",
                      file=sys.stderr, flush=True)
                runs.append(r)
    results = [r for r in runs if r["seed"] in (None, args.seeds[0])]
    with open(os.path.join(args.workdir, "results.json"), "w") as f:
        json.dump(runs if multi else results, f, indent=1)
    try:
        load = os.getloadavg()
        load_s = f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)"
    except OSError:
        load_s = ""
    cmd = "python benchmarks/bench_cpu.py " + " ".join(argv if argv is not None else sys.argv[1:])
    gensim_version = subprocess.run([sys.executable, "-c", "import gensim; print(gensim.__version__)"],
                                    capture_output=True, text=True).stdout.strip()
    body = "\n".join([
        "## CPU: Numba backend vs gensim vs word2vec.c",
        "",
        f"- date: {started:%Y-%m-%d %H:%M}; machine: {machine()}; {load_s}",
        f"- command: `{cmd.strip()}`",
        f"- corpus: {os.path.basename(corpus)}, {tokens:,} in-vocabulary tokens; {args.epochs} epochs, "
        f"{args.threads} threads; dim 100, window 5, negative 5 (NS), sample 1e-3, min count 5, "
        "alpha 0.025 (sg) / 0.05 (cbow) → alpha·1e-4",
        f"- peers: gensim {gensim_version} (`corpus_file` mode, same workers), word2vec.c "
        f"(`{find_c_binary('word2vec')}`, from the `word2vec` PyPI package)",
        "- words/sec = epochs × in-vocabulary tokens / training seconds (same numerator for all tools); "
        "peak MB = the process's max RSS; analogy = questions-words.txt, 30,000 most frequent words; "
        "ρ = Spearman",
        "",
        table(results, tokens, args.epochs),
        "",
        "Ratios (ours / peer; quality as ours − the better peer):",
        "",
        ratios(results),
        "",
        NOTES,
    ] + (["", "### Quality over seeds", "",
          f"- date: {started:%Y-%m-%d %H:%M}; machine: {machine()}; {load_s}",
          f"- command: `{cmd.strip()}` (the main table above shows seed {args.seeds[0]})", "",
          seeds_table(runs, args.seeds)] if multi else []))
    print(body)
    if args.report != "-":
        write_report(args.report, body)
        print(f"wrote {args.report}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
