"""Online vocabulary: a model's vocabulary grown by the words of another corpus (gensim's
``build_vocab(more, update=True)``; ``Word2Vec.build_vocab(update=True)`` of both APIs).

* :func:`count` reads a corpus once and counts every word in it (no ``min_count``).
* :func:`grown_vocab`: the counts of the words already known add up, whatever their count in the
  new corpus; a new word the caller's ``keep(word, count)`` accepts is appended after the known
  ones (most frequent first), so every known word keeps its id and its rows.
* :func:`grow_tables`: W_in gets one new row per new word (the caller's ``new_rows``), W_out
  (``context``) zero rows, and Θ (``inner_nodes``) zero rows up to the new V − 1.

Nothing else needs rebuilding by hand: every ``train`` builds the noise distribution (count^α)
and the Huffman tree from the vocabulary's counts then (``kernel_inputs.Tables``), so they follow
the new counts. The tree of the grown vocabulary is a new tree: Θ's rows keep their values but
mean other inner nodes, as in gensim.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..corpus import read as corpus_mod
from ..corpus import sentences
from ..corpus.vocab import Vocab


@dataclass
class Counted:
    """A corpus counted: every word with its count (most frequent first), its sentences (after
    long ones were cut and empty ones dropped) and its tokens."""

    words: Vocab
    sentences: int
    tokens: int


def count(corpus, max_sentence_length: int, report=None, max_vocab_size: int | None = None) -> Counted:
    """Every word of ``corpus`` (a path or token lists, read once) with its count; with
    ``max_vocab_size``, rare words pruned while counting (gensim's rule, ``corpus/encode.py``). The
    total is every token read; with pruning on a file, the tokens of the words that survived it
    (token lists are summed again, by their lengths)."""
    pruning = {} if max_vocab_size is None else {"max_vocab_size": max_vocab_size}
    if sentences.is_path(corpus):
        found, encoded = corpus_mod.load(corpus, 1, None, max_sentence_length, report=report, **pruning)
    else:
        found, encoded = sentences.load(corpus, 1, None, max_sentence_length, report=report, **pruning)
        if pruning:  # the encoded corpus holds the surviving words only
            return Counted(found, int(encoded.n_sentences), sum(len(s) for s in corpus))
    return Counted(found, int(encoded.n_sentences), int(len(encoded)))


def grown_vocab(vocab: Vocab, found: Vocab, keep) -> tuple[Vocab, int]:
    """``vocab`` with ``found``'s counts added to its words' and ``found``'s other words that
    ``keep(word, count)`` accepts appended (in ``found``'s order); returns it and the number of
    words added."""
    added = np.zeros(len(vocab), np.int64)
    new_words, new_counts = [], []
    for word, n in zip(found.words, found.counts.tolist()):
        i = vocab.index.get(word)
        if i is not None:
            added[i] += n
        elif keep(word, n):
            new_words.append(word)
            new_counts.append(n)
    counts = np.concatenate([np.asarray(vocab.counts, np.int64) + added, np.asarray(new_counts, np.int64)])
    return Vocab(list(vocab.words) + new_words, counts), len(new_words)


def grow_tables(model, vocab: Vocab, new_rows) -> None:
    """Give ``model`` (its ``w_in``, ``context``, ``inner_nodes``) the rows of ``vocab``, a grown
    copy of its vocabulary: ``new_rows(first, end)`` gives W_in's rows first..end−1 (float32,
    (end − first) × d); W_out and Θ grow with zeros. Then ``model.vocab`` is ``vocab``."""
    old, V = model.w_in.shape[0], len(vocab)
    d = model.w_in.shape[1]
    rows = np.asarray(new_rows(old, V), dtype=np.float32).reshape(V - old, d)
    model.w_in = np.ascontiguousarray(np.concatenate([model.w_in, rows]))
    if model.context is not None:
        model.context = np.concatenate([model.context, np.zeros((V - old, d), np.float32)])
    if model.inner_nodes is not None:
        theta = np.zeros((max(V - 1, 1), d), np.float32)
        theta[:len(model.inner_nodes)] = model.inner_nodes
        model.inner_nodes = theta
    model.vocab = vocab
