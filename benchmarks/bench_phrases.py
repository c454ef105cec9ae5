"""gensim's Phrases: ``w2v_scratch.gensim.Phrases`` (corpus/gensim_phrases.py) against gensim 4's, paired.

Three steps are timed on the same sentences (PTB's train split by default: the bundled corpus, read
into memory once as token lists, so neither side's time includes reading the file):

* count: ``Phrases(sentences, connector_words=...)`` (gensim's defaults otherwise);
* apply: ``list(phrases[sentences])`` with the model just counted;
* frozen: ``list(phrases.freeze()[sentences])``.

Each with no connector words and with ``ENGLISH_CONNECTOR_WORDS``. Rounds are paired: in each round
both tools run each step once, in an order that alternates between rounds; the ratio ours/gensim is
taken round by round and reported as median (min–max), the seconds as medians. Every round checks
that both give the same ``vocab`` (and its order), ``export_phrases()`` and phrased sentences.

    python benchmarks/bench_phrases.py                     # PTB, 3 rounds
    python benchmarks/bench_phrases.py --corpus FILE --rounds 5 --lines 200000
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from w2v_scratch.corpus.gensim_phrases import ENGLISH_CONNECTOR_WORDS, Phrases  # noqa: E402
from w2v_scratch.corpus.gensim_readers import LineSentence  # noqa: E402
from w2v_scratch.corpus.text_file import resolve  # noqa: E402


def timed(step):
    start = time.perf_counter()
    out = step()
    return time.perf_counter() - start, out


def one_round(kind, sentences, connectors):
    """Seconds of (count, apply, frozen) for ``kind`` (our Phrases or gensim's), and the results."""
    t_count, model = timed(lambda: kind(sentences, connector_words=connectors))
    t_apply, applied = timed(lambda: list(model[sentences]))
    frozen = model.freeze()
    t_frozen, frozen_applied = timed(lambda: list(frozen[sentences]))
    return (t_count, t_apply, t_frozen), (model.vocab, model.export_phrases(), applied, frozen_applied)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="ptb", help="a text file, one sentence per line (default: PTB)")
    parser.add_argument("--lines", type=int, default=None, help="read only this many lines")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    from gensim.models import phrases as gensim_phrases
    sentences = list(LineSentence(resolve(args.corpus), limit=args.lines))
    n_tokens = sum(map(len, sentences))
    print(f"# bench_phrases: {args.corpus}, {len(sentences):,} sentences, {n_tokens:,} tokens, {args.rounds} rounds, "
          f"{datetime.date.today()}, {platform.processor() or platform.machine()}, "
          f"load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")
    print("| connector words | step | ours s | gensim s | ours/gensim median (min–max) |")
    print("|---|---|---|---|---|")
    for label, connectors in (("none", frozenset()), ("English", ENGLISH_CONNECTOR_WORDS)):
        times = {"ours": [], "gensim": []}
        for r in range(args.rounds):
            order = [("ours", Phrases), ("gensim", gensim_phrases.Phrases)]
            results = {}
            for name, kind in (order if r % 2 == 0 else order[::-1]):
                seconds, results[name] = one_round(kind, sentences, connectors)
                times[name].append(seconds)
            mine, theirs = results["ours"], results["gensim"]
            if list(mine[0].items()) != list(theirs[0].items()) or mine[2:] != theirs[2:] or \
                    mine[1].keys() != theirs[1].keys():
                sys.exit("bench_phrases: the results differ from gensim's")
        for k, step in enumerate(("count", "apply", "frozen")):
            ours_s = [t[k] for t in times["ours"]]
            gensim_s = [t[k] for t in times["gensim"]]
            ratios = [a / b for a, b in zip(ours_s, gensim_s)]
            print(f"| {label} | {step} | {statistics.median(ours_s):.2f} | {statistics.median(gensim_s):.2f} | "
                  f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) |")


if __name__ == "__main__":
    main()
