"""Subcommands that use trained vectors: ``similar``, ``analogy``, ``evaluate``, ``convert``, ``plot``.

``--vectors`` takes any supported file: the memory-mapped ``.kv`` file (opened read-only without
parsing: the matrix is mapped, never copied, and never written), word2vec text or binary, GloVe
text (each may be gzip/bzip2/xz-compressed), or a native model (``model.npz``/``model.json`` or
their common base path); the format is told from the content unless ``--format`` says it.
``--limit N`` keeps the first N words (the rest of a file is never read).

``similar`` and ``analogy`` given no words read queries from stdin, one per line, as word2vec.c's
``distance`` and ``word-analogy`` do: the lines already available are answered together (one pass
over the matrix for all of them; 3CosMul analogies one by one), each in turn and in order, so a
user typing one line, or a program writing one and waiting, gets its answer at once; ``EXIT`` or
the end of input ends the loop, a prompt is shown only when stdin is a terminal, and a query that
cannot be answered (an unknown word) is one line on stderr, after which the loop goes on; the exit
status is then that error's.

No NumPy warning is ever printed: a problem is one ``error:`` line, nothing else.
"""

from __future__ import annotations

import functools
import json
import os
import select
import sys
import warnings

import numpy as np

from ..training import progress
from ..vectors.embeddings import QueryError
from ..base.errors import W2VError
from ..vectors.evaluate import AnalogyResult, bundled_analogies, bundled_pairs, evaluate_analogies, evaluate_pairs, stem
from ..base.files import check_outputs
from ..vectors.formats import FORMATS, WRITE_FORMATS, load_vectors, output_format, save_vectors
from ..training.persist import model_paths
from ..vectors.plot import plot_words  # light: matplotlib itself is imported when a picture is drawn
from .common import HelpFormatter, positive, require

LOOP_HELP = ("A prompt is shown only when stdin is a terminal. A query that cannot be answered (a word not in the "
             "vocabulary, a line of the wrong length) gets one line on stderr and the loop goes on; the exit status "
             "is then that error's (5 for an unknown word, 2 for a wrong number of words), else 0.")
PROMPT = "Enter {what} (EXIT to break): "
VECTORS_HELP = ("word vectors: a .kv file (memory-mapped), word2vec text or binary, GloVe text (plain, .gz, .bz2 "
                "or .xz), or a native model (.npz/.json)")
LIMIT_HELP = "keep the first (most frequent) N words only; the rest of the file is never read"
BATCH_LINES = 1024  # stdin queries answered together at most (those already available)


def _quiet(run):
    """Run a subcommand with NumPy's floating-point warnings off: results are checked, never warned about."""
    @functools.wraps(run)
    def wrapper(args) -> int:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return run(args)

    return wrapper


def _add_vectors(p, limit: bool = True) -> None:
    p.add_argument("--vectors", required=True, metavar="PATH", help=VECTORS_HELP)
    p.add_argument("--format", choices=FORMATS, help="format of --vectors (default: guessed)")
    if limit:
        p.add_argument("--limit", type=positive, metavar="N", help=LIMIT_HELP)


def _load(args):
    """The vectors of ``--vectors`` (a .kv file mapped read-only), the first ``--limit`` only if given."""
    return load_vectors(args.vectors, format=args.format, limit=getattr(args, "limit", None), mmap="r")


def register(subparsers) -> None:
    p = subparsers.add_parser("similar", help="nearest words by cosine similarity",
                              description="Print the K words nearest to WORD (to the mean of several words' unit "
                                          "vectors).\n\nWith no WORD, read queries from stdin as word2vec.c's "
                                          "distance does: one query (one or more words) per line, EXIT or the "
                                          "end of input to stop; a blank line separates the answers. " + LOOP_HELP,
                              formatter_class=HelpFormatter)
    p.add_argument("words", nargs="*", metavar="WORD", help="the query [none: queries from stdin]")
    _add_vectors(p)
    p.add_argument("-k", "--topn", type=positive, default=10, metavar="N", help="how many words (default 10)")
    p.add_argument("--restrict-vocab", type=positive, metavar="N", help="search only the N most frequent words")
    p.set_defaults(func=run_similar)

    p = subparsers.add_parser("analogy", help="A is to B as C is to ?",
                              description="Solve 'A is to B as C is to ?': the words nearest to B - A + C.\n\n"
                                          "With no words, read queries from stdin as word2vec.c's word-analogy "
                                          "does: three words A B C per line, EXIT or the end of input to stop; a "
                                          "blank line separates the answers. " + LOOP_HELP,
                              formatter_class=HelpFormatter)
    p.add_argument("words", nargs="*", metavar="A B C", help="the query [none: queries from stdin]")
    _add_vectors(p)
    p.add_argument("-k", "--topn", type=positive, default=5, metavar="N", help="how many answers (default 5)")
    p.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd")
    p.add_argument("--restrict-vocab", type=positive, metavar="N", help="search only the N most frequent words")
    p.set_defaults(func=run_analogy)

    p = subparsers.add_parser("evaluate", help="analogy accuracy and word-similarity correlation",
                              description="Evaluate vectors on analogy and word-pair files (by default the "
                                          "bundled Google analogies, WordSim-353 and SimLex-999).")
    _add_vectors(p)
    p.add_argument("--analogies", action="append", metavar="FILE", help="questions-words.txt-style file (repeatable)")
    p.add_argument("--pairs", action="append", metavar="FILE", help="word-pair similarity file (repeatable)")
    p.add_argument("--restrict-vocab", type=positive, default=30000, metavar="N",
                   help="analogies: only the N most frequent words count (default 30000)")
    p.add_argument("--case-sensitive", action="store_true", help="match words exactly (default: ignore case)")
    p.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd", help="analogy scoring")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_evaluate)

    p = subparsers.add_parser("convert", help="convert vectors between formats",
                              description="Convert vectors. The output format follows OUT's name: .kv (or "
                                          ".wordvectors) the memory-mapped file the query commands open without "
                                          "parsing; .bin word2vec binary; .txt, .vec or no suffix word2vec text "
                                          "(GloVe with --format glove); a further .gz, .bz2 or .xz compresses a "
                                          "text or binary file. Other names (.npz, .json, .pkl...) are refused.")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--format", "--to", dest="to", choices=WRITE_FORMATS, help="output format")
    p.add_argument("--from", dest="format", choices=FORMATS, help="input format (default: guessed)")
    p.add_argument("--limit", type=positive, metavar="N", help="keep the first N words only")
    p.set_defaults(func=run_convert)

    p = subparsers.add_parser("plot", help="2-D PCA map of chosen words (needs the plot extra)",
                              description="Draw the chosen words on the first two principal components.")
    _add_vectors(p, limit=False)
    p.add_argument("--words", nargs="+", required=True, metavar="WORD")
    p.add_argument("--output", "-o", default="words.png", metavar="PNG", help="image to write (default words.png)")
    p.add_argument("--title", help="figure title")
    p.set_defaults(func=run_plot)


def _print_scores(pairs) -> None:
    width = max((len(w) for w, _ in pairs), default=0)
    for word, score in pairs:
        print(f"{word:<{width}}  {score:.3f}")


@_quiet
def run_similar(args) -> int:
    emb = _load(args)
    if args.words:
        _print_scores(emb.most_similar(args.words, topn=args.topn, restrict_vocab=args.restrict_vocab))
        return 0
    return query_loop(lambda queries: answer_batch(emb, [{"positive": q} for q in queries], args.topn,
                                                   args.restrict_vocab), "similar", "word or sentence")


@_quiet
def run_analogy(args) -> int:
    if args.words and len(args.words) != 3:
        raise QueryError(f"analogy takes three words A B C, got {len(args.words)}: e.g. analogy man king woman "
                         "(or none, to read queries from stdin)")
    emb = _load(args)
    query = emb.most_similar_cosmul if args.method == "3cosmul" else emb.most_similar

    def answer(words):
        a, b, c = words
        return query(positive=[b, c], negative=[a], topn=args.topn, restrict_vocab=args.restrict_vocab)

    def answer_all(queries):
        wrong = {i: QueryError(f"expected three words A B C, got {len(q)}: {' '.join(q)[:60]}")
                 for i, q in enumerate(queries) if len(q) != 3}
        if args.method == "3cosadd":
            asked = [{"positive": [q[1], q[2]], "negative": [q[0]]} for q in queries if len(q) == 3]
            found = iter(answer_batch(emb, asked, args.topn, args.restrict_vocab))
        else:
            found = iter(_one_by_one(answer, [q for q in queries if len(q) == 3]))
        return [wrong[i] if i in wrong else next(found) for i in range(len(queries))]

    if args.words:
        _print_scores(answer(args.words))
        return 0
    return query_loop(answer_all, "analogy", "three words")


def _one_by_one(answer, queries) -> list:
    """``answer(q)`` for each query, or the :class:`W2VError` that refused it."""
    out = []
    for q in queries:
        try:
            out.append(answer(q))
        except W2VError as exc:
            out.append(exc)
    return out


def answer_batch(emb, queries: list[dict], topn: int, restrict_vocab) -> list:
    """The answers to ``queries`` (``{"positive": [...], "negative": [...]}``), in order: each its
    (word, score) pairs, or the :class:`W2VError` that refused it (an unknown word...); the others are
    answered together, in one pass over the matrix (``search_queries``, as ``most_similar_batch``)."""
    results, prepared, slots = [None] * len(queries), [], []
    for i, q in enumerate(queries):
        try:
            prepared.append(emb.query_vector(q.get("positive"), q.get("negative")))
        except W2VError as exc:
            results[i] = exc
            continue
        slots.append(i)
    for slot, pairs in zip(slots, emb.search_queries(prepared, topn=topn, restrict_vocab=restrict_vocab)):
        results[slot] = pairs
    return results


class QueryLines:
    """The lines of a query loop's input, in batches: a terminal gives one line at a time (the prompt
    goes before each); otherwise a batch is the next line (waiting for it) plus the lines already
    available without waiting (at most :data:`BATCH_LINES`), so a program that writes one query and
    waits for its answer gets it at once. Bytes are decoded as UTF-8 (an invalid byte becomes U+FFFD)."""

    def __init__(self, stdin, interactive: bool) -> None:
        self.stdin, self.interactive, self.buf, self.eof, self.fd = stdin, interactive, b"", False, None
        if not interactive:
            try:
                self.fd = stdin.fileno()
            except (AttributeError, OSError, ValueError):  # an in-memory stream: read it with readline
                self.fd = None

    def batch(self) -> list[str]:
        """The next lines ([] at the end of the input)."""
        if self.interactive or self.fd is None:
            lines = []
            while len(lines) < (1 if self.interactive else BATCH_LINES):
                line = self.stdin.readline()
                if not line:
                    break
                lines.append(line)
            return lines
        while b"\n" not in self.buf and not self.eof:
            self._read()
        while not self.eof and self.buf.count(b"\n") < BATCH_LINES and self._ready():
            self._read()
        lines = self.buf.split(b"\n")
        self.buf = b"" if self.eof else lines.pop()
        lines = lines[:-1] if lines and not lines[-1] else lines
        return [line.decode("utf-8", "replace") for line in lines]

    def _ready(self) -> bool:
        """Whether a read would return at once (no: where the input cannot be polled)."""
        try:
            return bool(select.select([self.fd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def _read(self) -> None:
        chunk = os.read(self.fd, 1 << 16)
        self.eof = not chunk
        self.buf += chunk


def query_loop(answer_all, command: str, what: str, stdin=None) -> int:
    """word2vec.c's ``distance`` loop: read queries (lines of words) from ``stdin`` (default
    ``sys.stdin``) until a line ``EXIT`` or the end of input, printing the (word, score) pairs of
    each, a blank line between two answers; blank lines are skipped. ``answer_all(queries)`` answers a
    batch of queries (the lines :class:`QueryLines` has ready) with one result per query, in order: its
    pairs, or the :class:`~w2v_scratch.base.errors.W2VError` that refused it (an unknown word), which
    gets one line on stderr while the loop goes on. The prompt goes to stderr, and only when stdin is a
    terminal. Returns 0 when every query was answered, else the exit status of the last error."""
    stdin = sys.stdin if stdin is None else stdin
    interactive = progress.is_terminal(stdin)
    lines = QueryLines(stdin, interactive)
    status = answered = 0
    batch = [""]
    while True:
        if interactive:
            print(PROMPT.format(what=what), end="", file=sys.stderr, flush=True)
        batch = lines.batch()
        queries = []
        for line in batch:
            words = line.split()
            if words == ["EXIT"]:
                break
            if words:
                queries.append(words)
        for words, result in zip(queries, answer_all(queries) if queries else []):
            if isinstance(result, W2VError):
                status = result.exit_code
                sys.stdout.flush()
                print(f"w2v-scratch {command}: {' '.join(str(result).split())}", file=sys.stderr, flush=True)
                continue
            if answered:
                print()
            _print_scores(result)
            answered += 1
        sys.stdout.flush()
        if not batch or any(line.split() == ["EXIT"] for line in batch):
            break
    if interactive and not batch:
        print(file=sys.stderr)  # end the prompt's line after Ctrl-D
    return status


@_quiet
def run_evaluate(args) -> int:
    emb = _load(args)
    analogies, pairs = args.analogies or [], args.pairs or []
    if not analogies and not pairs:
        analogies, pairs = bundled_analogies(), bundled_pairs()
    ci = not args.case_sensitive
    per_file = {}
    for p in analogies:
        per_file[_unique(stem(p), p, per_file)] = evaluate_analogies(emb, p, args.restrict_vocab, ci, args.method)
    analogy = AnalogyResult.combine(per_file) if per_file else None
    similarity = {}
    for p in pairs:
        similarity[_unique(stem(p), p, similarity)] = evaluate_pairs(emb, p, case_insensitive=ci)
    if args.json:
        out = {"analogy": analogy.to_dict() if analogy else None,
               "similarity": {name: r.to_dict() for name, r in similarity.items()}}
        print(json.dumps(out, indent=2))
        return 0
    if analogy is not None:
        _print_analogies(analogy, list(per_file), args)
    if similarity:
        _print_pairs(similarity, print_gap=analogy is not None)
    return 0


def _unique(name: str, path: str, taken: dict) -> str:
    return name if name not in taken else path


def _print_analogies(result, files, args) -> None:
    case = "case-sensitive" if args.case_sensitive else "case-insensitive"
    print(f"analogies: {', '.join(files)} ({args.method}, {case}, restrict_vocab {args.restrict_vocab})")
    width = max([len(s.name) for s in result.sections] + [24])
    print(f"  {'section':<{width}}  {'accuracy':>8}  {'correct':>8} / scored")
    for s in result.sections:
        print(f"  {s.name:<{width}}  {100 * s.accuracy:7.1f}%  {s.correct:>8} / {s.questions}")
    for label, value in (("semantic", result.semantic), ("syntactic", result.syntactic)):
        if value is not None:
            print(f"  {label:<{width}}  {100 * value:7.1f}%")
    print(f"  {'total':<{width}}  {100 * result.accuracy:7.1f}%  {result.correct:>8} / {result.questions}")
    total = result.questions + result.skipped
    print(f"  skipped {result.skipped} of {total} questions with a word outside the first "
          f"{args.restrict_vocab} words of the vocabulary")


def _print_pairs(results, print_gap: bool) -> None:
    if print_gap:
        print()
    width = max([len(n) for n in results] + [12])
    print(f"  {'similarity':<{width}}  {'spearman':>8}  {'pairs':>6}  {'oov':>6}")
    for name, r in results.items():
        rho = "n/a" if r.spearman is None else f"{r.spearman:.3f}"
        print(f"  {name:<{width}}  {rho:>8}  {r.pairs:>6}  {r.oov:>6}")


@_quiet
def run_convert(args) -> int:
    # OUT is checked before IN is read: a name that says another format, an unwritable path, or IN itself.
    fmt = output_format(args.output, args.to)
    inputs = {"IN": args.input}
    inputs.update(zip(("IN's .npz", "IN's .json"), model_paths(args.input)))
    check_outputs({"OUT": args.output}, inputs)
    emb = load_vectors(args.input, format=args.format, limit=args.limit)
    save_vectors(args.output, emb, format=fmt)
    print(f"wrote {len(emb):,} vectors of dimension {emb.dim} to {args.output} ({fmt})", file=sys.stderr)
    return 0


@_quiet
def run_plot(args) -> int:
    require("matplotlib", "plot", "plot")  # before the vectors are read
    emb = _load(args)
    plot_words(emb, args.words, args.output, title=args.title)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
