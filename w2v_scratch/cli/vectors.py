"""Subcommands that use trained vectors: ``similar``, ``analogy``, ``evaluate``, ``convert``, ``plot``.

``--vectors`` takes any supported file: word2vec text or binary, GloVe text (each may be
gzip/bzip2/xz-compressed), or a native model (``model.npz``/``model.json`` or their common
base path); the format is told from the content unless ``--format`` says it.

No NumPy warning is ever printed: a problem is one ``error:`` line, nothing else.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import warnings

import numpy as np

from ..evaluate import (AnalogyResult, bundled_analogies, bundled_pairs, evaluate_analogies, evaluate_pairs,
                        stem)
from ..files import check_outputs
from ..io import FORMATS, load_vectors, output_format, save_vectors
from ..persist import model_paths
from ..plot import plot_words  # light: matplotlib itself is imported when a picture is drawn

VECTORS_HELP = ("word vectors: word2vec text or binary, GloVe text (plain, .gz, .bz2 or .xz), "
                "or a native model (.npz/.json)")


def _quiet(run):
    """Run a subcommand with NumPy's floating-point warnings off: results are checked, never warned about."""
    @functools.wraps(run)
    def wrapper(args) -> int:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return run(args)

    return wrapper


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _add_vectors(p) -> None:
    p.add_argument("--vectors", required=True, metavar="PATH", help=VECTORS_HELP)
    p.add_argument("--format", choices=FORMATS, help="format of --vectors (default: guessed)")


def _load(args):
    return load_vectors(args.vectors, format=args.format)


def register(subparsers) -> None:
    p = subparsers.add_parser("similar", help="nearest words by cosine similarity",
                              description="Print the K words nearest to WORD (to the mean of several words).")
    p.add_argument("words", nargs="+", metavar="WORD")
    _add_vectors(p)
    p.add_argument("-k", "--topn", type=_positive, default=10, metavar="N", help="how many words (default 10)")
    p.add_argument("--restrict-vocab", type=_positive, metavar="N", help="search only the N most frequent words")
    p.set_defaults(func=run_similar)

    p = subparsers.add_parser("analogy", help="A is to B as C is to ?",
                              description="Solve 'A is to B as C is to ?': the words nearest to B - A + C.")
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    _add_vectors(p)
    p.add_argument("-k", "--topn", type=_positive, default=5, metavar="N", help="how many answers (default 5)")
    p.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd")
    p.add_argument("--restrict-vocab", type=_positive, metavar="N", help="search only the N most frequent words")
    p.set_defaults(func=run_analogy)

    p = subparsers.add_parser("evaluate", help="analogy accuracy and word-similarity correlation",
                              description="Evaluate vectors on analogy and word-pair files (by default the "
                                          "bundled Google analogies, WordSim-353 and SimLex-999).")
    _add_vectors(p)
    p.add_argument("--analogies", action="append", metavar="FILE", help="questions-words.txt-style file (repeatable)")
    p.add_argument("--pairs", action="append", metavar="FILE", help="word-pair similarity file (repeatable)")
    p.add_argument("--restrict-vocab", type=_positive, default=30000, metavar="N",
                   help="analogies: only the N most frequent words count (default 30000)")
    p.add_argument("--case-sensitive", action="store_true", help="match words exactly (default: ignore case)")
    p.add_argument("--method", choices=("3cosadd", "3cosmul"), default="3cosadd", help="analogy scoring")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_evaluate)

    p = subparsers.add_parser("convert", help="convert vectors between formats",
                              description="Convert vectors. The output format follows OUT's name: .bin "
                                          "word2vec binary; .txt, .vec or no suffix word2vec text (GloVe with "
                                          "--format glove); a further .gz, .bz2 or .xz compresses it. Other "
                                          "names (.npz, .json, .pkl...) are refused.")
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument("--format", "--to", dest="to", choices=FORMATS[:3], help="output format")
    p.add_argument("--from", dest="format", choices=FORMATS, help="input format (default: guessed)")
    p.add_argument("--limit", type=_positive, metavar="N", help="keep the first N words only")
    p.set_defaults(func=run_convert)

    p = subparsers.add_parser("plot", help="2-D PCA map of chosen words (needs the plot extra)",
                              description="Draw the chosen words on the first two principal components.")
    _add_vectors(p)
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
    _print_scores(emb.most_similar(args.words, topn=args.topn, restrict_vocab=args.restrict_vocab))
    return 0


@_quiet
def run_analogy(args) -> int:
    emb = _load(args)
    query = emb.most_similar_cosmul if args.method == "3cosmul" else emb.most_similar
    _print_scores(query(positive=[args.b, args.c], negative=[args.a], topn=args.topn,
                        restrict_vocab=args.restrict_vocab))
    return 0


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
    emb = _load(args)
    plot_words(emb, args.words, args.output, title=args.title)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
