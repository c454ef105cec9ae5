"""Google-News-size vectors: query time and memory on a .kv file and a word2vec binary.

Synthesizes a V × d word2vec binary (default 3,000,000 × 300, as GoogleNews-vectors-negative300.bin:
words ``w0000000``..., standard-normal float32 written in chunks), converts it to .kv with
``w2v-scratch convert``, then runs, each in its own process (peak memory is the process's own):

- ``similar WORD`` on the .kv and on the .bin: the whole process, start to first (only) answer;
- ``similar`` with 1 and with 100 queries on stdin (.kv): one batch reads the matrix once;
- ``KeyedVectors.load_word2vec_format`` (this project's) and gensim's, then queries: load time, peak,
  memory held after the queries (a second, normalised copy of the matrix would show here);
- ``KeyedVectors.load(kv, mmap='r')`` and the batch API in one process (query time alone);
- word2vec.c's ``distance`` (the ``word2vec-distance`` binary of the ``word2vec`` PyPI package) with
  the same queries on stdin;
- the interpreter alone (Python + NumPy + the CLI's imports), the "+ interpreter" of the targets.

Memory: ``peak RSS`` is the kernel's ru_maxrss (file pages of a mapped .kv count in it once touched:
they are the page cache, shared and dropped under pressure); ``peak anon`` is the largest RssAnon
(private memory) seen by sampling /proc/PID/status every 20 ms, and the workers read their own.

    python benchmarks/bench_vectors.py --words 3000000 --workdir /tmp/gn --report /tmp/gn.md
    python benchmarks/bench_vectors.py --words 100000 --report -          # a quick smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MB = 1 << 20


# -- synthesizing the file ---------------------------------------------------------------------------------
def word(i: int) -> str:
    return f"w{i:07d}"


def synthesize(path: str, V: int, d: int, seed: int = 0, chunk: int = 50_000) -> None:
    """A word2vec binary of V records ``word b" " float32[d]`` (no newline after a vector, as gensim
    writes), fixed-width words so each chunk is one structured array: fast to write."""
    if os.path.exists(path) and os.path.getsize(path) == len(f"{V} {d}\n") + V * (8 + 1 + 4 * d):
        return
    rec = np.dtype([("w", "S8"), ("sp", "S1"), ("v", "<f4", (d,))])
    rng = np.random.default_rng(seed)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(f"{V} {d}\n".encode())
        for start in range(0, V, chunk):
            n = min(chunk, V - start)
            block = np.empty(n, rec)
            block["w"] = np.char.encode(np.char.add("w", np.char.zfill(np.arange(start, start + n).astype(str), 7)))
            block["sp"] = b" "
            block["v"] = rng.standard_normal((n, d), dtype=np.float32)
            f.write(block.tobytes())
    os.replace(tmp, path)


# -- running one process -------------------------------------------------------------------------------------
def _status(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("RssAnon", "RssFile", "VmRSS"):
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def run(cmd: list[str], stdin: bytes | None = None) -> dict:
    """Run ``cmd``; its wall time, the time its first stdout line came, ru_maxrss, the largest
    RssAnon/RssFile sampled, and its output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks = {"RssAnon": 0, "RssFile": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            for k, v in _status(proc.pid).items():
                if k in peaks:
                    peaks[k] = max(peaks[k], v)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if stdin is not None:
        threading.Thread(target=lambda: (proc.stdin.write(stdin), proc.stdin.close()), daemon=True).start()
    out, first = [], None
    for line in proc.stdout:
        if first is None:
            first = time.perf_counter() - start
        out.append(line)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return {"cmd": cmd, "wall": wall, "first": first, "rc": os.waitstatus_to_exitcode(status),
            "maxrss": usage.ru_maxrss * 1024, "anon": peaks["RssAnon"], "file": peaks["RssFile"],
            "out": b"".join(out).decode(errors="replace"), "err": err.decode(errors="replace")}


def worker(kind: str, path: str, queries: list[str]) -> dict:
    """In-process measurements (run as a child: ``--worker KIND PATH``)."""
    def anon():
        return _status(os.getpid()).get("RssAnon", 0)

    res = {"anon_start": anon()}
    t = time.perf_counter()
    if kind == "baseline":
        import w2v_scratch.cli.vectors  # noqa: F401  (measured: what every query command imports)
        return {"anon_start": anon()}
    if kind == "gensim":
        from gensim.models import KeyedVectors
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
    else:
        from w2v_scratch.vectors.keyedvectors import KeyedVectors
        kv = KeyedVectors.load(path, mmap="r") if kind == "ours-kv" else \
            KeyedVectors.load_word2vec_format(path, binary=True)
    res["load_s"], res["anon_loaded"] = time.perf_counter() - t, anon()
    t = time.perf_counter()
    kv.most_similar(queries[0], topn=10)
    res["first_query_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for q in queries[1:11]:
        kv.most_similar(q, topn=10)
    res["ten_queries_s"] = time.perf_counter() - t
    if kind != "gensim":
        t = time.perf_counter()
        kv.most_similar_batch(queries, topn=10)
        res["batch_s"], res["batch_n"] = time.perf_counter() - t, len(queries)
    res["anon_after"] = anon()
    return res


def median_run(runs: list[dict]) -> dict:
    """The run of median wall time, with every wall time listed."""
    out = dict(sorted(runs, key=lambda r: r["wall"])[len(runs) // 2])
    out["walls"] = [r["wall"] for r in runs]
    return out


def in_child(kind: str, path: str, queries: list[str]) -> dict:
    r = run([sys.executable, os.path.abspath(__file__), "--worker", kind, path, "--queries-list",
             ",".join(queries)])
    if r["rc"] != 0:
        return {"failed": r["err"].strip().splitlines()[-1:] or [f"exit {r['rc']}"], **r}
    return {**json.loads(r["out"].strip().splitlines()[-1]), **{k: r[k] for k in ("wall", "maxrss", "anon")}}


# -- the benchmark --------------------------------------------------------------------------------------------
def load_avg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def busy_note(before: str, after: str, cpus: int | None = None) -> str:
    """What the measured 1-minute loads (the first field of :func:`load_avg`'s strings) say about the
    machine: the cores busy on average before the benchmark (other jobs) and by its end."""
    cpus = cpus or os.cpu_count() or 1
    first = [float(x.split("/")[0]) for x in (before, after)]
    return (f"{first[0]:.1f} of {cpus} logical CPUs busy on average before the runs (other jobs), "
            f"{first[1]:.1f} at the end")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=3_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--workdir", default="/tmp/bench_vectors")
    ap.add_argument("--report", default="-", help="markdown output ('-': stdout)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["gensim", "c", "bin", "api"])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    ap.add_argument("--queries-list", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.path, (args.queries_list or "").split(","))))
        return 0
    os.makedirs(args.workdir, exist_ok=True)
    V, d = args.words, args.dim
    binary = os.path.join(args.workdir, f"vectors-{V}x{d}.bin")
    kv = os.path.join(args.workdir, f"vectors-{V}x{d}.kv")
    rows, load_before = [], load_avg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t = time.perf_counter()
    synthesize(binary, V, d)
    gen_s = time.perf_counter() - t
    cli = [sys.executable, "-m", "w2v_scratch"]
    if os.path.exists(kv):
        os.unlink(kv)
    conv = run(cli + ["convert", binary, kv])
    rows.append(("convert .bin → .kv", conv))
    rng = random.Random(1)
    queries = [word(rng.randrange(V)) for _ in range(args.queries)]
    base = in_child("baseline", "-", queries)
    interp = base["anon"]
    sim = cli + ["similar", "--vectors"]
    rows.append(("similar WORD, .kv (cold: first run after convert)", run(sim + [kv, queries[0]])))
    rows.append(("similar WORD, .kv (median of 3)", median_run([run(sim + [kv, q]) for q in queries[1:4]])))
    ones, manys = [], []
    for _ in range(3):  # alternated, so that a change in the machine's load hits both
        ones.append(run(sim + [kv], stdin=(queries[0] + "\n").encode()))
        manys.append(run(sim + [kv], stdin=("\n".join(queries) + "\n").encode()))
    rows.append(("similar, 1 query on stdin, .kv (median of 3)", median_run(ones)))
    rows.append((f"similar, {len(queries)} queries on stdin, .kv (median of 3)", median_run(manys)))
    if "bin" not in args.skip:
        rows.append(("similar WORD, .bin", run(sim + [binary, queries[0]])))
    distance = os.path.join(os.path.dirname(sys.executable), "word2vec-distance")
    if "c" not in args.skip and os.path.exists(distance):
        rows.append(("word2vec.c distance, 1 query",
                     run([distance, binary], stdin=f"{queries[0]}\nEXIT\n".encode())))
        rows.append((f"word2vec.c distance, {len(queries)} queries",
                     run([distance, binary], stdin=("\n".join(queries) + "\nEXIT\n").encode())))
    apis = []
    if "api" not in args.skip:
        apis.append(("ours: KeyedVectors.load(.kv, mmap='r')", in_child("ours-kv", kv, queries)))
        apis.append(("ours: KeyedVectors.load_word2vec_format(.bin)", in_child("ours-bin", binary, queries)))
    if "gensim" not in args.skip:
        apis.append(("gensim: KeyedVectors.load_word2vec_format(.bin)", in_child("gensim", binary, queries)))
    matrix = V * d * 4
    report = render(args, V, d, matrix, interp, gen_s, rows, apis, started, load_before, load_avg(), queries)
    if args.report == "-":
        print(report)
    else:
        with open(args.report, "w") as f:
            f.write(report)
        print(report)
    return 0


def _mb(x) -> str:
    return "—" if x is None else f"{x / MB:,.0f}"


def render(args, V, d, matrix, interp, gen_s, rows, apis, started, before, after, queries) -> str:
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    size = os.path.getsize(os.path.join(args.workdir, f"vectors-{V}x{d}.bin")) / 2**30
    lines = [f"## Google-News-size vectors: {V:,} × {d} (issue 23)", "",
             f"- date: {started}; machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
             f"CPUs, {ram:.0f} GiB RAM; Python {platform.python_version()}, NumPy {np.__version__}",
             f"- load average (1/5/15 min) before {before}, after {after} ({busy_note(before, after)})",
             f"- command: `python benchmarks/bench_vectors.py --words {V} --dim {d} --queries {args.queries}`",
             f"- file: synthetic word2vec binary, {size:.2f} GiB "
             f"(generated in {gen_s:.0f} s); matrix {matrix / 2**30:.2f} GiB; interpreter (Python + NumPy + "
             f"the CLI's imports) {interp / MB:,.0f} MB anon",
             "- peak RSS: ru_maxrss (a mapped .kv's touched pages count: page cache, shared); peak anon: the "
             "largest RssAnon sampled every 20 ms (private memory)", "",
             "| run | whole s | first answer s | peak RSS MB | peak anon MB | rc |", "|---|---:|---:|---:|---:|---:|"]
    for name, r in rows:
        first = "—" if not r.get("first") else f"{r['first']:.2f}"
        wall = f"{r['wall']:.2f}" + (f" ({', '.join(f'{w:.2f}' for w in r['walls'])})" if "walls" in r else "")
        lines.append(f"| {name} | {wall} | {first} | {_mb(r['maxrss'])} | {_mb(r['anon'])} | {r['rc']} |")
    if apis:
        lines += ["", "| Python API | load s | first most_similar s | 10 more s | batch of "
                  f"{len(queries)} s | anon after load MB | anon after queries MB | peak anon MB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, r in apis:
            if "failed" in r:
                lines.append(f"| {name} | failed: {r['failed']} | | | | | | |")
                continue
            batch = f"{r['batch_s']:.2f}" if "batch_s" in r else "—"
            lines.append(f"| {name} | {r['load_s']:.2f} | {r['first_query_s']:.2f} | {r['ten_queries_s']:.2f} | "
                         f"{batch} | {_mb(r['anon_loaded'])} | {_mb(r['anon_after'])} | {_mb(r['anon'])} |")
    lines += ["", targets(dict(rows), dict(apis), matrix, interp, len(queries))]
    return "\n".join(lines) + "\n"


def targets(rows: dict, apis: dict, matrix: int, interp: int, n: int) -> str:
    out = ["| target | figure | met |", "|---|---:|:---:|"]
    kv = rows.get("similar WORD, .kv (median of 3)")
    if kv:
        out.append(f"| `similar` on .kv: first answer ≤ 2 s | {kv['wall']:.2f} s (whole process) | "
                   f"{'yes' if kv['wall'] <= 2 else 'no'} |")
    one = rows.get("similar, 1 query on stdin, .kv (median of 3)")
    many = rows.get(f"similar, {n} queries on stdin, .kv (median of 3)")
    if one and many:
        ratios = sorted(m / o for m, o in zip(many["walls"], one["walls"]))
        ratio = ratios[len(ratios) // 2]
        out.append(f"| {n} queries ≤ 3× one query (whole process, paired runs) | {ratio:.2f}× "
                   f"({', '.join(f'{x:.2f}' for x in ratios)}) | {'yes' if ratio <= 3 else 'no'} |")
    cap = 1.3 * matrix + interp
    b = rows.get("similar WORD, .bin")
    if b:
        out.append(f"| `similar` on .bin: peak ≤ 1.3× matrix + interpreter ({cap / MB:,.0f} MB) | "
                   f"{b['anon'] / MB:,.0f} MB anon, {b['maxrss'] / MB:,.0f} MB RSS | "
                   f"{'yes' if b['maxrss'] <= cap else 'no'} |")
    api = apis.get("ours: KeyedVectors.load_word2vec_format(.bin)")
    if api and "failed" not in api:
        out.append(f"| load_word2vec_format: peak ≤ 1.3× matrix + interpreter | {api['maxrss'] / MB:,.0f} MB RSS | "
                   f"{'yes' if api['maxrss'] <= cap else 'no'} |")
        extra = api["anon_after"] - api["anon_loaded"]
        out.append(f"| no second resident copy after queries | +{extra / MB:,.0f} MB after the queries "
                   f"(a copy: +{matrix / MB:,.0f}) | {'yes' if extra < 0.1 * matrix else 'no'} |")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
