"""word2vec.c's tools: ``w2v-scratch phrases`` (word2phrase) and ``w2v-scratch classes`` (``-classes``).

Both check their output before reading anything (never an input, writable) and write it atomically.
"""

from __future__ import annotations

import sys

from ..base.errors import ConfigError
from ..vectors.classes import ITERATIONS, REPORT_SECONDS, save_classes, word_classes
from ..corpus.read import MAX_SENTENCE_LENGTH, resolve
from ..base.files import check_outputs
from ..vectors.formats import FORMATS, load_vectors
from ..training.persist import model_paths
from ..corpus.phrases import COUNTINGS, DEFAULT_MIN_COUNT, DEFAULT_THRESHOLD, DELIMITER, SCORINGS, phrase_corpus
from .common import HelpFormatter, non_negative, positive, threshold

PHRASES_DESCRIPTION = (
    "word2vec.c's word2phrase: join frequent pairs of words into one token (new york -> new_york), one pass per "
    "--threshold value, each pass learned on the output of the previous ones (200 100: word2vec.c's two-pass "
    "recipe, which makes phrases of up to four words). A pair a b is joined when its score passes the threshold; "
    "the word2vec scoring (word2phrase.c) is (count(ab) - delta) / (count(a) * count(b)) * N, N the corpus's "
    "tokens, and the discount delta is --min-count, as in word2phrase.c; pairs whose words or bigram are rarer "
    "than --min-count are never joined. The gensim scoring (gensim's Phrases) uses the number of distinct words "
    "and bigrams for N and needs no unigram minimum.\n\n"
    "The corpus is read once per pass and once more to write, so it must be a file (or 'ptb'), not a pipe. The "
    "output has one sentence per line; it may not be the corpus, and is written atomically.")
CLASSES_DESCRIPTION = (
    "word2vec.c's -classes: k-means word classes on trained vectors (any format the vector commands read). "
    "Word i starts in class i mod N; each iteration sets each centroid to the unit-length direction of the sum "
    "of its words' vectors and moves each word to the centroid of largest dot product. Deterministic: the same "
    "vectors give the same classes; once an iteration moves no word the classes are final and the remaining "
    f"iterations are skipped. A long run prints a progress line every {REPORT_SECONDS:g} s; Ctrl-C stops it without "
    "writing. The output has one 'word class' line per word, in the vectors' order, as word2vec.c writes it.\n\n"
    "In one step with training: w2v-scratch train --classes N --output classes.txt.")


def register(sub) -> None:
    p = sub.add_parser("phrases", help="word2phrase: join frequent word pairs into phrases (new_york)",
                       description=PHRASES_DESCRIPTION, formatter_class=HelpFormatter)
    p.add_argument("--corpus", required=True, metavar="IN",
                   help="a text file (.gz/.bz2/.xz ok), or 'ptb' for the bundled corpus")
    p.add_argument("--output", "-o", required=True, metavar="OUT", help="where to write the phrased corpus")
    p.add_argument("--threshold", nargs="+", type=threshold, default=[None], metavar="T",
                   help="score threshold, one pass per value (e.g. 200 100) [100 with the word2vec scoring, "
                        f"{DEFAULT_THRESHOLD['gensim']:g} with gensim's]")
    p.add_argument("--min-count", type=positive, default=DEFAULT_MIN_COUNT, metavar="N",
                   help=f"ignore words and pairs seen fewer times; also the discount delta [{DEFAULT_MIN_COUNT}]")
    p.add_argument("--scoring", choices=SCORINGS, default="word2vec",
                   help="word2phrase.c's score or gensim's Phrases default score [word2vec]")
    p.add_argument("--counting", choices=COUNTINGS, default="tool",
                   help="tool: count as the scoring's tool does (word2phrase.c also counts pairs across line "
                        "ends); pairs: only the pairs inside sentences [tool]")
    p.add_argument("--delimiter", default=DELIMITER, help=f"joins the words of a phrase [{DELIMITER}]")
    p.add_argument("--max-bigrams", type=positive, metavar="N",
                   help="prune the bigram table when it passes N entries, as word2phrase.c does [no cap]")
    p.add_argument("--max-sentence-length", type=positive, default=MAX_SENTENCE_LENGTH, metavar="N",
                   help=f"a longer line is read as several sentences [{MAX_SENTENCE_LENGTH}]")
    p.set_defaults(func=run_phrases)

    p = sub.add_parser("classes", help="word2vec.c's -classes: k-means word classes on trained vectors",
                       description=CLASSES_DESCRIPTION, formatter_class=HelpFormatter)
    p.add_argument("--vectors", required=True, metavar="PATH",
                   help="word vectors: a .kv file (memory-mapped), word2vec text or binary, GloVe text (plain, "
                        ".gz, .bz2 or .xz), or a native model (.npz/.json)")
    p.add_argument("--format", choices=FORMATS, help="format of --vectors (default: guessed)")
    p.add_argument("--limit", type=positive, metavar="N",
                   help="cluster the first (most frequent) N words only; the rest of the file is never read")
    p.add_argument("--classes", required=True, type=positive, metavar="N", help="how many classes")
    p.add_argument("--output", "-o", required=True, metavar="OUT", help="where to write the 'word class' lines")
    p.add_argument("--iterations", type=non_negative, default=ITERATIONS, metavar="N",
                   help=f"k-means iterations at most; they stop once no word changes class (0: the initial i mod N) "
                        f"[{ITERATIONS}, as word2vec.c]")
    p.set_defaults(func=run_classes)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_phrases(args) -> int:
    """Check --output, learn one pass per threshold, write the phrased corpus, then one summary line."""
    check_outputs({"--output": args.output}, {"--corpus": resolve(args.corpus)})  # before any reading
    models = phrase_corpus(args.corpus, args.output, args.threshold, min_count=args.min_count,
                           scoring=args.scoring, delimiter=args.delimiter, max_bigrams=args.max_bigrams,
                           counting=args.counting, max_sentence_length=args.max_sentence_length, report=_log)
    found = ", ".join(f"{len(m):,} (threshold {m.threshold:g})" for m in models)
    _log(f"phrases found per pass: {found}")
    return 0


def run_classes(args) -> int:
    """Check --output, read the vectors, cluster them (a progress line every
    ``classes.REPORT_SECONDS``), write one 'word class' line per word."""
    inputs = {"--vectors": args.vectors}
    inputs.update(zip(("--vectors's .npz", "--vectors's .json"), model_paths(args.vectors)))
    check_outputs({"--output": args.output}, inputs)
    emb = load_vectors(args.vectors, format=args.format, limit=args.limit, mmap="r")
    if args.classes > len(emb):
        raise ConfigError(f"--classes {args.classes:,} is more than the {len(emb):,} words of {args.vectors}: "
                          f"give at most {len(emb):,} (a class needs a word)")
    classes = word_classes(emb.vectors, args.classes, iterations=args.iterations, report=_log)
    save_classes(args.output, emb.words, classes)
    used = len(set(classes.tolist()))
    _log(f"wrote the classes of {len(emb):,} words to {args.output} ({used:,} of {args.classes:,} classes used)")
    return 0
