"""Vocabulary: word counts, ``min_count``, ids sorted by frequency.

Id 0 is the most frequent word. Ties keep the order of first appearance in the
corpus, so the same corpus always gives the same ids. Saved as plain text, one
``word count`` per line (the format of word2vec.c's ``-save-vocab``); :meth:`Vocab.read`
takes such a file as a run's vocabulary (word2vec.c's ``-read-vocab``).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Iterable

import numpy as np

from ..base.files import atomic_write
from ..base.errors import FormatError, InputError, VocabError
from ..base.inputs import open_input, reading
from ..base.values import short_repr
from .text_file import MAX_WORD_BYTES

_MAX_LINE = MAX_WORD_BYTES + 64  # characters: a word as long as a corpus allows, and a number
# What the options that cap the vocabulary do (``train``'s help: the rules are here and in read.py)
VOCAB_OPTIONS = {
    "max_vocab": "keep the N most frequent words at most (ties cut by first appearance): exactly N where enough "
                 "words pass --min-count",
    "max_vocab_size": "gensim's max_vocab_size (word2vec.c's ReduceVocab): hold at most about N words while "
                      "counting; when a sentence ends with more, drop every word counted fewer than min_reduce "
                      "times, min_reduce = 1, 2, 3... rising at each prune. Bounds the memory of a corpus full of "
                      "rare words; counts become approximate, and the corpus file is read twice (not a pipe) "
                      "[no pruning]",
    "max_final_vocab": "gensim's max_final_vocab: raise --min-count to one more than the count of the (N+1)th most "
                       "frequent word, so at most N words are left (fewer when words tie there; --max-vocab keeps "
                       "exactly N)",
}


class Vocab:
    """Words and their counts, most frequent first.

    ``words[i]`` is the word with id ``i``; ``counts[i]`` its corpus count
    (int64); ``index[word]`` gives the id back.
    """

    def __init__(self, words: list[str], counts) -> None:
        counts = np.asarray(counts, dtype=np.int64)
        if len(words) != len(counts):
            raise ValueError("words and counts differ in length")
        self.words = list(words)
        self.counts = counts
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            seen: set = set()
            dup = next(w for w in self.words if w in seen or seen.add(w))
            raise FormatError(f"the vocabulary holds the word {short_repr(dup)} twice: remove the duplicate")

    # -- building -----------------------------------------------------------
    @classmethod
    def from_counter(cls, counter: Counter, min_count: int = 1, max_vocab: int | None = None) -> "Vocab":
        """Keep words with count >= ``min_count``, the ``max_vocab`` most frequent at most."""
        return cls.select(list(counter), [counter[w] for w in counter], min_count, max_vocab)[0]

    @classmethod
    def select(cls, words: list[str], counts, min_count: int = 1, max_vocab: int | None = None,
               max_final_vocab: int | None = None) -> tuple["Vocab", np.ndarray]:
        """The vocabulary of the words (in order of first appearance) with count >= ``min_count``
        (raised by ``max_final_vocab``: :func:`final_min_count`), the ``max_vocab`` most frequent
        at most, most frequent first (ties keep their order), and for each of its words its index
        in ``words``."""
        counts = np.asarray(counts, dtype=np.int64)
        order = selected(counts, min_count, max_vocab, max_final_vocab)
        if not len(order):
            raise VocabError(
                f"no word occurs at least {min_count} times: lower --min-count or use a larger corpus"
            )
        return cls([words[i] for i in order.tolist()], counts[order]), order

    @classmethod
    def build(cls, sentences: Iterable[list[str]], min_count: int = 1, max_vocab: int | None = None) -> "Vocab":
        """Count the tokens of ``sentences`` (an iterable of token lists) and build a vocabulary."""
        counter: Counter = Counter()
        for sentence in sentences:
            counter.update(sentence)
        if not counter:
            raise InputError("the corpus holds no words: give a non-empty text file")
        return cls.from_counter(counter, min_count, max_vocab)

    # -- queries ------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> int:
        try:
            return self.index[word]
        except KeyError:
            raise VocabError(f"word {short_repr(word)} is not in the vocabulary") from None

    @property
    def total(self) -> int:
        """Number of corpus tokens covered by the vocabulary."""
        return int(self.counts.sum())

    def frequencies(self) -> np.ndarray:
        """Relative frequencies f_i = count_i / total (float64)."""
        return self.counts / float(self.counts.sum())

    def encode(self, tokens: list[str]) -> np.ndarray:
        """Ids of ``tokens`` as int32, out-of-vocabulary tokens dropped."""
        get = self.index.get
        ids = [i for i in map(get, tokens) if i is not None]
        return np.fromiter(ids, dtype=np.int32, count=len(ids))

    # -- save / load --------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write ``word count`` lines (UTF-8), atomically."""

        with atomic_write(path, "w") as f:
            for w, c in zip(self.words, self.counts.tolist()):
                f.write(f"{w} {c}\n")

    @classmethod
    def read(cls, path: str | os.PathLike, min_count: int = 1, max_vocab: int | None = None,
             max_final_vocab: int | None = None) -> "Vocab":
        """A run's vocabulary from a ``word count`` file (word2vec.c's ``-read-vocab``): the words
        and counts of the file (:meth:`load`), then, as word2vec.c does, those counted under
        ``min_count`` (raised by ``max_final_vocab``, as gensim does) dropped, and (this project's
        option) the ``max_vocab`` most frequent kept.
        word2vec.c's own files start with ``</s>``, its newline token; sentences here have no such
        token, so that line is skipped."""
        saved = cls.load(path)
        keep = [i for i, w in enumerate(saved.words) if w != "</s>"]
        words, counts = [saved.words[i] for i in keep], saved.counts[keep]
        try:
            return cls.select(words, counts, min_count, max_vocab, max_final_vocab)[0]
        except VocabError:
            raise VocabError(f"vocabulary file {path} has no word counted at least {min_count} times: "
                             "lower --min-count, or give another file") from None

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a file written by :meth:`save` (or word2vec.c's ``-save-vocab``)."""
        words, counts, first = [], [], {}
        for lineno, word, count in word_number_lines(path, "vocabulary file", "word count"):
            if word in first:
                raise FormatError(f"vocabulary file {path}:{lineno}: the word {short_repr(word, 60)} twice "
                                  f"(first on line {first[word]}): remove the duplicate")
            first[word] = lineno
            words.append(word)
            counts.append(count)
        if not words:
            raise FormatError(f"vocabulary file {path} is empty: give 'word count' lines")
        order = np.argsort(-np.asarray(counts, dtype=np.int64), kind="stable")
        try:
            return cls([words[i] for i in order], np.asarray(counts, dtype=np.int64)[order])
        except FormatError as exc:
            raise FormatError(f"vocabulary file {path}: {exc}") from None


def final_min_count(counts, min_count: int, max_final_vocab: int | None) -> int:
    """gensim's ``effective_min_count``: ``min_count``, raised, when more than ``max_final_vocab``
    words are counted, to one more than the count of the word ranked ``max_final_vocab`` (0-based)
    by count — so at most ``max_final_vocab`` words are left, and possibly fewer: the words tied
    at the boundary all go (gensim's ``prepare_vocab``)."""
    counts = np.asarray(counts)
    if max_final_vocab is None or max_final_vocab >= len(counts):
        return min_count
    boundary = np.partition(counts, len(counts) - 1 - max_final_vocab)[len(counts) - 1 - max_final_vocab]
    return max(int(boundary) + 1, min_count)


def selected(counts: np.ndarray, min_count: int, max_vocab: int | None = None,
             max_final_vocab: int | None = None) -> np.ndarray:
    """Indices of the words kept, most frequent first, ties in index order: those counted at least
    ``min_count`` times (raised by ``max_final_vocab``: :func:`final_min_count`), then the
    ``max_vocab`` first of them (this project's cap: exactly that many, ties cut by order)."""
    effective = final_min_count(counts, min_count, max_final_vocab)
    keep = np.flatnonzero(counts >= effective)
    if not len(keep) and effective > min_count and np.any(counts >= min_count):
        raise VocabError(f"max_final_vocab {max_final_vocab} leaves no word: the {max_final_vocab + 1} most frequent "
                         f"words all have count {effective - 1}, and gensim's rule drops every word tied at the "
                         "boundary; raise --max-final-vocab, or keep exactly N words with --max-vocab N")
    order = keep[np.argsort(-counts[keep], kind="stable")]
    if max_vocab is not None and max_vocab > 0:
        order = order[:max_vocab]
    return order


def word_number_lines(path, what: str, fields: str):
    """``(line number, word, number)`` for each non-blank line ``word number`` of the UTF-8 file
    ``path`` (a vocabulary file's ``word count``, a classes file's ``word class``), opened as every
    input is (:func:`w2v_scratch.base.inputs.open_input`: gzip, bzip2 or xz decompressed, a byte-order
    mark skipped, a device refused, a named pipe that nothing writes to refused after ``FIFO_WAIT``
    seconds rather than waited on forever); ``what`` names the file in the one-line errors (a line
    that is not a word and a whole number below 10**18, a line longer than a word can be, a missing,
    unreadable, damaged or non-UTF-8 file)."""
    try:
        with reading(path), open_input(path, "rt", what=what) as f:
            lineno = 0
            while True:
                line = f.readline(_MAX_LINE)  # bounded: a file with no line ends is not read whole
                if not line:
                    break
                lineno += 1
                if len(line) == _MAX_LINE and not line.endswith("\n"):
                    raise FormatError(f"{what} {path}:{lineno}: the line is longer than {_MAX_LINE:,} "
                                      f"characters: is it a {what}?")
                parts = line.split()
                if not parts:
                    continue
                number = parts[1] if len(parts) == 2 else ""
                if not (number.isascii() and number.isdigit() and len(number) < 19):
                    raise FormatError(f"{what} {path}:{lineno}: expected '{fields}', got {short_repr(line.strip(), 60)}: "
                                      "fix or remove the line")
                yield lineno, parts[0], int(number)
    except UnicodeDecodeError:
        raise FormatError(f"{what} {path} is not UTF-8 text: convert it with iconv") from None
