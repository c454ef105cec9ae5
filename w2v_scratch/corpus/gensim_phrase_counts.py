"""Counting for gensim's ``Phrases`` (``gensim_phrases.py``): gensim's ``_learn_vocab`` in batches.

:class:`Counter` counts sentences into a dict of its own, keyed by strings (words that are not
connector words, and candidates: two consecutive such words of a sentence with the connector
words between them, joined with the delimiter), in the order gensim adds them. Each batch of whole
sentences (``BATCH_TOKENS`` tokens) is counted at once by integer ids: words by id, candidates with
at most ``MAX_RUN`` connector words inside as two int64 keys (their ends and their connector
words, :func:`candidate_keys`) in a sorted table, longer ones by string. The strings are made once,
at the end, one per distinct entry. A batch after which the dict could pass ``max_vocab_size``
turns the counts into the dict and is counted, like every later batch, sentence by sentence, so
that pruning (:func:`prune_vocab`) happens after the same sentence as gensim's.

The sentences are checked as they are read: a sentence that is a string, or a token that is not a
``str``, is refused with one line (:class:`PhrasesTypeError`) that never shows the data whole.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

import numpy as np

from ..base.errors import ConfigError, FormatError
from ..base.values import short_repr

BATCH_TOKENS = 1 << 16  # tokens counted at a time (whole sentences)
_SHIFT = np.int64(32)
_LOW = np.int64(0xFFFFFFFF)
MAX_RUN = 2  # candidates with more connector words inside are counted by string
MAX_WORDS = 1 << 31  # distinct words of one add_vocab: ids (+ 1) fit in 32 bits


class PhrasesValueError(ConfigError, ValueError):
    """An option that makes no sense (gensim's ``ValueError``)."""


class PhrasesTypeError(ConfigError, TypeError):
    """A value of the wrong type: sentences where a number goes, a string where a list goes..."""


class PhrasesFileError(FormatError, ValueError):
    """A file that is not a saved phrase model (a pickle among them: never unpickled)."""


def _sentence_tokens(sentence, i: int) -> list:
    """A sentence as a list of ``str`` tokens, or a one-line TypeError naming the culprit."""
    if isinstance(sentence, (str, bytes)):
        raise PhrasesTypeError(f"sentence {i} is a {type(sentence).__name__} ({short_repr(sentence)}), not a list "
                               "of tokens: give each sentence as a list of words (e.g. line.split())")
    try:
        tokens = sentence if isinstance(sentence, list) else list(sentence)
    except TypeError:
        raise PhrasesTypeError(f"sentence {i} is a {type(sentence).__name__} ({short_repr(sentence)}), not a list "
                               "of tokens") from None
    try:
        "".join(tokens)
    except TypeError:
        j, bad = next((j, t) for j, t in enumerate(tokens) if not isinstance(t, str))
        raise PhrasesTypeError(f"sentence {i}, token {j} is a {type(bad).__name__} ({short_repr(bad)}), not a "
                               "str: tokens must be strings") from None
    return tokens


def _checked_corpus(sentences) -> Iterator[list]:
    if isinstance(sentences, (str, bytes)) or not isinstance(sentences, Iterable):
        raise PhrasesTypeError(f"sentences must be an iterable of token lists, got a {type(sentences).__name__} "
                               f"({short_repr(sentences)})")
    for i, sentence in enumerate(sentences):
        yield _sentence_tokens(sentence, i)


def prune_vocab(vocab: dict, min_reduce: int) -> None:
    """Drop, in place, the entries of ``vocab`` counted fewer than ``min_reduce`` times."""
    for word in [w for w, c in vocab.items() if c < min_reduce]:
        del vocab[word]


def candidate_keys(ids: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two int64 keys per candidate with at most ``MAX_RUN`` connector words inside: its ends
    ``id(a) << 32 | id(b)`` and its connector words ``run`` (0 for none, ``id(c) + 1`` for one,
    ``(id(c1) + 1) << 32 | (id(c2) + 1)`` for two)."""
    ends = (ids[left] << _SHIFT) | ids[right]
    gap = right - left - 1
    runs = np.zeros(len(left), np.int64)
    one, two = gap == 1, gap == 2
    runs[one] = ids[left[one] + 1] + 1
    runs[two] = ((ids[left[two] + 1] + 1) << _SHIFT) | (ids[left[two] + 2] + 1)
    return ends, runs


def _groups(ends: np.ndarray, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): a stable sort of the rows (ends, runs), and where each distinct row starts in it."""
    order = np.lexsort((runs, ends))
    e, r = ends[order], runs[order]
    starts = np.flatnonzero(np.concatenate([[len(e) > 0], (e[1:] != e[:-1]) | (r[1:] != r[:-1])]))
    return order, starts


def _unique_rows(ends: np.ndarray, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, counts) of the distinct rows: the index of each one's first occurrence, and how often
    it occurs."""
    order, starts = _groups(ends, runs)
    return order[starts], np.diff(np.append(starts, len(order)))


class Counter:
    """gensim's ``_learn_vocab``: the counts of a text, into a dict of their own (:meth:`count`
    returns it), in gensim's order of insertion (first appearance).

    While no pruning can happen the counts are kept by id: words (``_counts`` by id; connector
    words get ids but no count), candidates with at most ``MAX_RUN`` connector words inside (the
    table ``_ends``/``_runs``/``_bicounts``, sorted by key, batches pending until they are as many as
    the table), longer candidates (``_spans``, by string), each with the *event* of its first
    appearance (the word at token t is event 2t, the candidate ending at t is 2t + 1), counted from
    the start of the text. The string dict is built once,
    at the end (:meth:`_strings`), entries spelled alike summed. A batch after which the dict could
    pass ``max_vocab_size`` (by the number of id-keyed entries, which is at least the number of
    strings) turns the counts into the dict and is counted, like every batch after it, sentence by
    sentence (:meth:`_sentence`), pruning as gensim does."""

    def __init__(self, max_vocab_size, delimiter: str, connector_words: frozenset) -> None:
        self.max_vocab_size, self.delimiter, self.connectors = max_vocab_size, delimiter, connector_words
        self.vocab: dict | None = None  # the string dict, once pruning may happen
        self.min_reduce, self.total_words = 1, 0
        self._index: dict = {}  # word → id (this text's words, connector words included)
        self._words: list = []
        self._connector = np.zeros(0, bool)  # by id
        self._counts = np.zeros(0, np.int64)  # by id: occurrences as a word that is not a connector
        self._first = np.zeros(0, np.int64)  # by id: event of the first such occurrence (−1: none yet)
        self._ends, self._runs, self._bicounts, self._bifirst = (np.zeros(0, np.int64),) * 4
        self._pending: list = []
        self._pending_size = 0
        self._spans: dict = {}  # joined string → [count, first event]

    def count(self, sentences) -> dict:
        batch, n = [], 0
        for tokens in _checked_corpus(sentences):
            batch.append(tokens)
            n += len(tokens)
            if n >= BATCH_TOKENS:
                self._batch(batch)
                batch, n = [], 0
        if batch:
            self._batch(batch)
        return self._strings() if self.vocab is None else self.vocab

    def _ids(self, flat: list) -> np.ndarray:
        index = self._index
        ids = np.fromiter(map(index.get, flat, itertools.repeat(-1)), np.int64, len(flat))
        new = np.flatnonzero(ids < 0).tolist()
        for j in new:
            ids[j] = index.setdefault(flat[j], len(index))
        if len(index) > len(self._words):
            if len(index) >= MAX_WORDS:
                raise PhrasesValueError(f"more than {MAX_WORDS:,} distinct words in one add_vocab: give the "
                                        "sentences in several add_vocab calls")
            added = list(itertools.islice(index, len(self._words), None))
            self._words += added
            self._connector = np.concatenate([self._connector, [w in self.connectors for w in added]])
            self._counts = np.concatenate([self._counts, np.zeros(len(added), np.int64)])
            self._first = np.concatenate([self._first, np.full(len(added), -1, np.int64)])
        return ids

    def _batch(self, batch: list) -> None:
        if self.vocab is not None:
            for tokens in batch:
                self._sentence(tokens)
            return
        lengths = np.fromiter(map(len, batch), np.int64, len(batch))
        flat = list(itertools.chain.from_iterable(batch))
        ids = self._ids(flat)
        pos = np.flatnonzero(~self._connector[ids])  # the tokens that are not connector words
        sentence = np.repeat(np.arange(len(batch)), lengths)[pos]
        pair = np.flatnonzero(sentence[1:] == sentence[:-1])
        left, right = pos[pair], pos[pair + 1]  # candidates: each ends at its right token
        short = right - left <= 1 + MAX_RUN
        ends, runs = candidate_keys(ids, left[short], right[short])
        first, c = _unique_rows(ends, runs)
        spans: dict = {}  # candidates with more connector words inside, by string
        for lo, hi in zip(left[~short].tolist(), right[~short].tolist()):
            key = self.delimiter.join(flat[lo:hi + 1])
            if key in spans:
                spans[key][0] += 1
            else:
                spans[key] = [1, hi]
        if self._may_prune(ids[pos], ends[first], runs[first], spans):
            self.vocab = self._strings()
            for tokens in batch:
                self._sentence(tokens)
            return
        at = 2 * self.total_words  # events of this batch are counted from here
        uni, ufirst, ucount = np.unique(ids[pos], return_index=True, return_counts=True)
        self._counts[uni] += ucount
        fresh = self._first[uni] < 0
        self._first[uni[fresh]] = at + 2 * pos[ufirst[fresh]]
        if len(first):
            self._pending.append((ends[first], runs[first], c, at + 2 * right[short][first] + 1))
            self._pending_size += len(first)
            if self._pending_size >= len(self._ends):
                self._merge()
        for key, (n, hi) in spans.items():
            held = self._spans.get(key)
            if held is None:
                self._spans[key] = [n, at + 2 * hi + 1]
            else:
                held[0] += n
        self.total_words += len(flat)

    def _may_prune(self, word_ids: np.ndarray, ends: np.ndarray, runs: np.ndarray, spans: dict) -> bool:
        """Whether the entries after this batch could pass ``max_vocab_size`` (counted by id: the
        strings are never more)."""
        words = int(np.count_nonzero(self._first >= 0)) + int(np.count_nonzero(self._first[np.unique(word_ids)] < 0))
        others = len(self._spans) + sum(1 for key in spans if key not in self._spans)
        if words + others + len(self._ends) + self._pending_size + len(ends) <= self.max_vocab_size:
            return False
        self._merge()
        union = len(_unique_rows(np.concatenate([self._ends, ends]), np.concatenate([self._runs, runs]))[0])
        return words + others + union > self.max_vocab_size

    def _merge(self) -> None:
        """Fold the pending batches into the table: counts summed, the earliest first event kept."""
        if not self._pending:
            return
        parts = [(self._ends, self._runs, self._bicounts, self._bifirst)] + self._pending
        ends, runs, counts, firsts = (np.concatenate([part[k] for part in parts]) for k in range(4))
        self._pending, self._pending_size = [], 0
        order, starts = _groups(ends, runs)
        self._ends, self._runs = ends[order][starts], runs[order][starts]
        self._bicounts = np.add.reduceat(counts[order], starts)
        self._bifirst = np.minimum.reduceat(firsts[order], starts)

    def _strings(self) -> dict:
        """The counts as gensim's dict: string → count, in order of first appearance."""
        self._merge()
        words = self._words
        uni = np.flatnonzero(self._first >= 0)
        entries = [words[i] for i in uni.tolist()] + self._joined() + list(self._spans)
        counts = np.concatenate([self._counts[uni], self._bicounts,
                                 np.fromiter((n for n, _ in self._spans.values()), np.int64, len(self._spans))])
        firsts = np.concatenate([self._first[uni], self._bifirst,
                                 np.fromiter((f for _, f in self._spans.values()), np.int64, len(self._spans))])
        order = np.argsort(firsts, kind="stable")
        table = np.empty(len(entries), object)
        table[:] = entries
        entries, counts = table[order].tolist(), counts[order].tolist()
        vocab = dict(zip(entries, counts))
        if len(vocab) < len(entries):  # entries spelled alike: one count, inserted at the first
            vocab = {}
            for entry, n in zip(entries, counts):
                vocab[entry] = vocab.get(entry, 0) + n
        return vocab

    def _joined(self) -> list:
        """The table's candidates as strings: first word, connector words, last word, joined."""
        words, d = self._words, self.delimiter
        a, b = (self._ends >> _SHIFT).tolist(), (self._ends & _LOW).tolist()
        run = self._runs
        c1 = np.where(run > _LOW, run >> _SHIFT, run).tolist()
        c2 = np.where(run > _LOW, run & _LOW, 0).tolist()
        return [words[x] + d + words[y] if not i else
                words[x] + d + words[i - 1] + d + words[y] if not j else
                words[x] + d + words[i - 1] + d + words[j - 1] + d + words[y]
                for x, y, i, j in zip(a, b, c1, c2)]

    def _sentence(self, tokens: list) -> None:
        vocab, connectors, d = self.vocab, self.connectors, self.delimiter
        start, between = None, []
        for word in tokens:
            if word not in connectors:
                vocab[word] = vocab.get(word, 0) + 1
                if start is not None:
                    joined = d.join([start, *between, word])
                    vocab[joined] = vocab.get(joined, 0) + 1
                start, between = word, []
            elif start is not None:
                between.append(word)
        self.total_words += len(tokens)
        if len(vocab) > self.max_vocab_size:
            prune_vocab(vocab, self.min_reduce)
            self.min_reduce += 1
