"""gensim's rules for what a ``Word2Vec`` is given: the checks of the corpus and training arguments
(gensim's error types and messages), ``trim_rule``'s answers, and the order of an online update's
new words (first appearance, as gensim's raw vocabulary).

May import: ``base``, ``corpus`` (the layers below the top).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from types import GeneratorType

from ..base.inputs import open_input
from ..corpus.vocab import Vocab

RULE_DEFAULT, RULE_DISCARD, RULE_KEEP = 0, 1, 2  # a trim_rule's answers (gensim.utils)


def first_seen_first(found: Vocab, corpus) -> Vocab:
    """``found`` reordered by first appearance in ``corpus`` (token lists or a path, read once
    more), as gensim's raw vocabulary is; words not met again keep their place after the others."""
    if isinstance(corpus, (str, os.PathLike)):
        lines = open_input(corpus, "rt", what="corpus file")
        try:
            seen = dict.fromkeys(w for line in lines for w in line.split())
        finally:
            lines.close()
    else:
        seen = dict.fromkeys(w for sentence in corpus for w in sentence)
    rank = {w: i for i, w in enumerate(seen)}
    order = sorted(range(len(found.words)), key=lambda i: rank.get(found.words[i], len(rank) + i))
    return Vocab([found.words[i] for i in order], found.counts[order])


def keep_vocab_item(word, count, min_count, trim_rule=None) -> bool:
    """gensim's rule: ``trim_rule(word, count, min_count)`` answers RULE_KEEP, RULE_DISCARD or
    RULE_DEFAULT (then: ``count >= min_count``); no rule is the default."""
    default = count >= min_count
    if trim_rule is None:
        return default
    answer = trim_rule(word, count, min_count)
    return True if answer == RULE_KEEP else False if answer == RULE_DISCARD else default


def check_training(model, epochs=0, total_examples=None, total_words=None) -> None:
    """gensim's checks of ``model`` before training, with its error types and messages."""
    if not model.hs and not model.negative:
        raise ValueError("You must set either 'hs' or 'negative' to be positive for proper training. When both "
                         "'hs=0' and 'negative=0', there will be no training.")
    if model.vocab is None or not len(model.vocab):
        raise RuntimeError("you must first build vocabulary before training the model")
    if total_words is None and total_examples is None:
        raise ValueError("You must specify either total_examples or total_words, for proper learning-rate and "
                         "progress calculations. If you've just built the vocabulary using the same corpus, using "
                         "the count cached in the model is sufficient: total_examples=model.corpus_count.")
    if epochs is None or epochs <= 0:
        raise ValueError("You must specify an explicit epochs count. The usual value is epochs=model.epochs.")


def check_corpus(corpus_iterable=None, corpus_file=None, passes=1) -> None:
    """gensim's checks of the corpus arguments (TypeError, gensim's messages)."""
    if corpus_file is None and corpus_iterable is None:
        raise TypeError("Either one of corpus_file or corpus_iterable value must be provided")
    if corpus_file is not None and corpus_iterable is not None:
        raise TypeError("Both corpus_file and corpus_iterable must not be provided at the same time")
    if corpus_iterable is None and not os.path.isfile(corpus_file):
        raise TypeError(f"Parameter corpus_file must be a valid path to a file, got {corpus_file!r} instead")
    if corpus_iterable is not None and (not isinstance(corpus_iterable, Iterable)
                                        or isinstance(corpus_iterable, (str, bytes))):
        raise TypeError(f"The corpus_iterable must be an iterable of lists of strings, got a "
                        f"{type(corpus_iterable).__name__} instead")
    if isinstance(corpus_iterable, GeneratorType) and passes > 1:
        raise TypeError(f"Using a generator as corpus_iterable can't support {passes} passes. Try a re-iterable "
                        "sequence.")
