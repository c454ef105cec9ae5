"""The :class:`Phrases` model: word2vec.c's ``word2phrase`` (and gensim's ``Phrases`` default scoring).

A bigram "a b" becomes one token ``a_b`` when its score passes a threshold. Two scorings:

* ``scoring="word2vec"`` (default, word2phrase.c)::

      score(a, b) = (count(ab) − min_count) / count(a) / count(b) · N

  with N the number of corpus tokens, evaluated in float32 in exactly that order, as the C tool does
  (``(real)`` casts, ``real`` = float). A pair is scored only if count(a), count(b) and count(ab) are all
  ``>= min_count`` (word2phrase drops rarer unigrams *and* bigrams from its table); others score 0.
  Defaults: ``min_count`` 5, threshold 100.
* ``scoring="gensim"`` (gensim 4's ``Phrases(scoring="default")``, its ``original_scorer``)::

      score(a, b) = (count(ab) − min_count) / (count(a) · count(b)) · len_vocab

  in float64, where ``len_vocab`` is the number of *distinct unigrams plus distinct bigrams* counted
  (gensim keeps both in one dict and passes ``len(self.vocab)``), not N. No unigram minimum: only the
  discount, so a bigram needs count(ab) > min_count to score above 0. gensim's defaults: ``min_count``
  5, threshold 10.

A pair is joined when ``score > threshold`` (strictly, both tools). Sentences are scanned left to
right and greedily: once "a b" is joined, the next candidate pair starts *after* b ("a b c" with both
pairs above the threshold gives ``a_b c``), and nothing is joined across a sentence end. Repeated
passes (a second :class:`Phrases` learned on the output of the first, e.g. thresholds 200 then 100 as
word2vec.c's ``demo-phrase-accuracy.sh``) give longer phrases (``new_york_times``): see ``phrases.learn_phrases`` and
``phrases.phrase_corpus``.

Counting reads the sentences once: unigrams get integer ids (a dict), bigrams are int64 keys
``id(a) << 32 | id(b)`` counted per batch of whole sentences with ``np.unique`` and merged into one
sorted table (16 bytes per distinct bigram, no Python object per bigram). Detection scores the whole
table at once (NumPy), and transforming looks the pairs of a batch up in the sorted keys of the
joined pairs; the greedy left-to-right rule is vectorised too (in a run of joinable pairs the 1st,
3rd, 5th ... are joined).

Two ways to count (``counting``), because both peers count in ways that are not quite the text's:

* ``counting="tool"`` (default) counts as the scoring's tool does, so the output is the tool's:

  - word2phrase.c also counts the pair (last word of a line, first word of the next line): its
    ``if (start) continue;`` comes after ``start = 0`` and never fires. Such a pair is never joined,
    but its count adds to the same pair inside sentences (on PTB, "know what" is counted 24 times
    inside sentences and once across a line end, which lifts its score from 97.5 to above 100).
    gensim counts pairs inside sentences only.
  - Both keep unigrams and delimiter-joined bigrams in *one* table keyed by the string, so entries
    spelled alike share one count: the token ``new_york`` already in the text and the pair (``new``,
    ``york``); the pairs (``cie_financiere``, ``de``) and (``cie``, ``financiere_de``). gensim's
    ``len_vocab`` counts such entries once. This matters from the second pass on. Here the tables
    stay keyed by token ids and the shared counts are rebuilt when the phrases are detected: only
    entries holding the delimiter can be spelled alike, so only those are looked at
    (exact for a one-character delimiter such as ``_``).

* ``counting="pairs"``: only pairs inside sentences are counted, and each pair (and each token) has
  its own count: the counts of the text itself.

Either way nothing is joined across a sentence end, and a pair never counted is never joined (the
peers would also score a pair of *new* text whose spelling matches a counted entry).

Other departures from word2phrase.c (none shows on ordinary text; the tests compare whole PTB
outputs over several passes):

* word2phrase.c cuts words at 59 bytes (keeping the first 58 bytes and the last one), drops the last
  word of a file without a final newline, deletes ``\\r`` inside words, splits on space, tab and
  newline only, prunes its table only past 350M entries, and drops its least frequent entry when
  *every* unigram and bigram reaches ``min_count`` (an off-by-one in ``SortVocab``; tiny corpora
  only). Here words are whole and split as :func:`w2v_scratch.corpus.read.iter_sentences` splits them (any
  whitespace); nothing is dropped.
* A line longer than ``max_sentence_length`` tokens is read as several sentences, as the trainer
  reads it: nothing is joined across a cut, and the output has one line per sentence. Blank lines
  are not written.
* Pruning (optional, ``max_bigrams``) follows word2phrase's rule — when the table grows past the
  cap, drop the bigrams seen at most ``min_reduce`` times and raise ``min_reduce`` by one, until it
  fits — but prunes bigrams only (unigrams are few). Without a cap the counts are exact, and counts
  that outgrow the memory budget (:func:`w2v_scratch.corpus.read.memory_budget`) stop the run with a
  one-line error naming the cap.
"""

from __future__ import annotations

import itertools
from typing import Iterable, Iterator

import numpy as np

from .read import memory_budget
from ..base.errors import ConfigError, InputError
from ..base.values import short_repr

SCORINGS = ("word2vec", "gensim")
COUNTINGS = ("tool", "pairs")
DEFAULT_THRESHOLD = {"word2vec": 100.0, "gensim": 10.0}
DEFAULT_MIN_COUNT = 5
DELIMITER = "_"
BATCH_TOKENS = 1 << 18  # tokens counted / transformed at a time (whole sentences)
_MERGE_MIN = 1 << 20  # pending bigram entries merged into the table at least this late
_BYTES_PER_WORD = 160  # a dict entry and its string, roughly
_BYTES_PER_BIGRAM = 48  # key + count, and the merge's temporaries
_SHIFT = np.int64(32)
_LOW = np.int64(0xFFFFFFFF)


def _check_options(min_count, threshold, scoring, delimiter, max_bigrams, counting="tool") -> float:
    if scoring not in SCORINGS:
        raise ConfigError(f"unknown phrase scoring {short_repr(scoring)}: choose one of {', '.join(SCORINGS)}")
    if counting not in COUNTINGS:
        raise ConfigError(f"unknown phrase counting {short_repr(counting)}: choose one of {', '.join(COUNTINGS)}")
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) or min_count < 1:
        hint = (" (these look like sentences: count them with Phrases.learn(sentences), or use gensim's "
                "signature, w2v_scratch.gensim.Phrases(sentences, ...))"
                if isinstance(min_count, Iterable) and not isinstance(min_count, (str, bytes)) else "")
        raise ConfigError(f"phrase min_count must be an integer >= 1, got {short_repr(min_count)}{hint}")
    if threshold is None:
        threshold = DEFAULT_THRESHOLD[scoring]
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise ConfigError(f"phrase threshold must be a number, got {short_repr(threshold)}") from None
    if not np.isfinite(threshold) or threshold < 0:
        # word2phrase.c scores unscored pairs 0, so a negative threshold would join every pair.
        raise ConfigError(f"phrase threshold must be a finite number >= 0, got {short_repr(threshold)}")
    if not isinstance(delimiter, str) or not delimiter or any(c.isspace() for c in delimiter):
        raise ConfigError(f"phrase delimiter must be a non-empty string without spaces, got {short_repr(delimiter)}")
    if max_bigrams is not None and (isinstance(max_bigrams, bool) or not isinstance(max_bigrams, (int, np.integer))
                                    or max_bigrams < 1):
        raise ConfigError(f"max_bigrams must be a positive integer or None, got {short_repr(max_bigrams)}")
    return threshold


def _batches(sentences: Iterable[list[str]], batch_tokens: int = BATCH_TOKENS
             ) -> Iterator[tuple[list[str], np.ndarray]]:
    """Whole sentences grouped into batches of about ``batch_tokens`` tokens: (flat tokens, lengths).
    Empty sentences are dropped."""
    flat: list[str] = []
    lengths: list[int] = []
    for sentence in sentences:
        if isinstance(sentence, str):
            raise TypeError("sentences must be lists of tokens, not strings")
        n = len(sentence)
        if not n:
            continue
        flat.extend(sentence)
        lengths.append(n)
        if len(flat) >= batch_tokens:
            yield flat, np.asarray(lengths, np.int64)
            flat, lengths = [], []
    if flat:
        yield flat, np.asarray(lengths, np.int64)


def _inner_pairs(n_tokens: int, lengths: np.ndarray) -> np.ndarray:
    """Mask over the ``n_tokens − 1`` adjacent pairs of a batch: True where both tokens are in the same
    sentence."""
    inner = np.ones(max(n_tokens - 1, 0), bool)
    inner[np.cumsum(lengths)[:-1] - 1] = False
    return inner


class Phrases:
    """Unigram and bigram counts of a corpus, and the phrases they detect.

    >>> p = Phrases.learn(sentences)                     # word2phrase.c: min_count 5, threshold 100
    >>> p.transform(["new", "york", "is", "big"])        # ['new_york', 'is', 'big']
    >>> g = Phrases.learn(sentences, scoring="gensim")   # gensim's Phrases defaults: threshold 10

    ``n_words`` is N (tokens counted), ``n_sentences`` the sentences counted.
    """

    def __init__(self, min_count: int = DEFAULT_MIN_COUNT, threshold: float | None = None,
                 scoring: str = "word2vec", delimiter: str = DELIMITER, max_bigrams: int | None = None,
                 counting: str = "tool") -> None:
        self.threshold = _check_options(min_count, threshold, scoring, delimiter, max_bigrams, counting)
        self.counting = counting
        self.cross_sentence = counting == "tool" and scoring == "word2vec"  # count pairs across line ends
        self.min_count = int(min_count)
        self.scoring = scoring
        self.delimiter = delimiter
        self.max_bigrams = None if max_bigrams is None else int(max_bigrams)
        self.min_reduce = 1  # bigrams seen at most this often are pruned next (word2phrase's ReduceVocab)
        self.n_words = 0
        self.n_sentences = 0
        self._index: dict = {}  # word → id, in order of first appearance
        self._counts = np.zeros(1 << 10, np.int64)
        self._keys = np.zeros(0, np.int64)  # sorted bigram keys id(a) << 32 | id(b)
        self._bicounts = np.zeros(0, np.int64)
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_size = 0
        self._joins: np.ndarray | None = None  # sorted keys of the pairs that are joined
        self._last = -1  # id of the last token counted in this pass (pairs across line ends)
        self._join_scores: np.ndarray | None = None

    # -- counting -------------------------------------------------------------------------------
    @classmethod
    def learn(cls, sentences: Iterable[list[str]], **options) -> "Phrases":
        """Count ``sentences`` (an iterable of token lists, read once) into a new model."""
        model = cls(**options)
        model.update(sentences)
        return model

    def update(self, sentences: Iterable[list[str]]) -> "Phrases":
        """Add the counts of ``sentences`` (read once, in batches of whole sentences)."""
        self._count_batches(_batches(sentences))
        return self

    def _count_batches(self, batches: Iterable[tuple[list[str], np.ndarray]]) -> None:
        budget = memory_budget()
        self._last = -1  # each call counts one text: no pair spans two calls
        for flat, lengths in batches:
            self._count(flat, lengths)
            if budget is not None:
                held = len(self._index) * _BYTES_PER_WORD + (len(self._keys) + self._pending_size) * _BYTES_PER_BIGRAM
                if held > budget:
                    raise InputError(
                        f"the phrase counts do not fit in memory: after {self.n_words:,} tokens "
                        f"({len(self._index):,} distinct words, {len(self._keys) + self._pending_size:,} bigram "
                        f"entries) they passed {budget / 2**30:.1f} GB: cap the bigram table (max_bigrams, "
                        "--max-bigrams) to prune rare bigrams as word2phrase does, or give a smaller corpus")
        self._merge()

    def _count(self, flat: list[str], lengths: np.ndarray) -> None:
        index = self._index
        ids = np.fromiter(map(index.get, flat, itertools.repeat(-1)), np.int64, len(flat))
        for j in np.flatnonzero(ids < 0).tolist():  # new words, in order of first appearance
            ids[j] = index.setdefault(flat[j], len(index))
        found = np.bincount(ids, minlength=len(index))
        if len(found) > len(self._counts):
            grown = np.zeros(max(len(found), 2 * len(self._counts)), np.int64)
            grown[: len(self._counts)] = self._counts
            self._counts = grown
        self._counts[: len(found)] += found
        self.n_words += len(flat)
        self.n_sentences += len(lengths)
        if self.cross_sentence:  # every adjacent pair of the stream, line ends included (word2phrase.c)
            ids_ = ids if self._last < 0 else np.concatenate([[self._last], ids])
            keys = (ids_[:-1] << _SHIFT) | ids_[1:]
            self._last = int(ids[-1])
        else:
            keys = ((ids[:-1] << _SHIFT) | ids[1:])[_inner_pairs(len(ids), lengths)]
        if len(keys):
            u, c = np.unique(keys, return_counts=True)
            self._pending.append((u, c.astype(np.int64)))
            self._pending_size += len(u)
        cap = self.max_bigrams
        if self._pending_size >= max(len(self._keys), _MERGE_MIN) or (
                cap is not None and len(self._keys) + self._pending_size > cap):
            self._merge()
        self._joins = self._join_scores = None

    def _merge(self) -> None:
        """Fold the pending batch counts into the sorted table (then prune past ``max_bigrams``)."""
        if self._pending:
            keys = np.concatenate([self._keys] + [u for u, _ in self._pending])
            counts = np.concatenate([self._bicounts] + [c for _, c in self._pending])
            self._pending, self._pending_size = [], 0
            order = np.argsort(keys, kind="stable")
            keys, counts = keys[order], counts[order]
            starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
            self._keys, self._bicounts = keys[starts], np.add.reduceat(counts, starts)
        if self.max_bigrams is not None:
            while len(self._keys) > self.max_bigrams:
                keep = self._bicounts > self.min_reduce
                self._keys, self._bicounts = self._keys[keep], self._bicounts[keep]
                self.min_reduce += 1

    # -- queries --------------------------------------------------------------------------------
    @property
    def n_unigrams(self) -> int:
        return len(self._index)

    @property
    def n_entries(self) -> int:
        """Distinct unigrams plus distinct bigrams (after pruning), counted as ``counting`` says: with
        "tool", entries spelled alike count once. gensim's ``len_vocab``, the table size of both peers."""
        self._detect()
        return self._n_entries

    @property
    def n_bigrams(self) -> int:
        """Distinct bigrams counted (after pruning)."""
        self._merge()
        return len(self._keys)

    def count(self, word: str) -> int:
        i = self._index.get(word)
        return 0 if i is None else int(self._counts[i])

    def bigram_count(self, a: str, b: str) -> int:
        self._merge()
        ia, ib = self._index.get(a), self._index.get(b)
        if ia is None or ib is None:
            return 0
        key = np.int64(ia) << _SHIFT | np.int64(ib)
        pos = int(np.searchsorted(self._keys, key))
        return int(self._bicounts[pos]) if pos < len(self._keys) and self._keys[pos] == key else 0

    def _shared_counts(self) -> tuple[np.ndarray, np.ndarray, int]:
        """(unigram counts by id, bigram counts by table row, distinct entries) as the tools see them
        (``counting="tool"``): entries spelled alike — a token and a pair, or two pairs, joined with the
        delimiter — share the sum of their counts, and count once among the distinct entries."""
        counts = self._counts[: len(self._index)]
        bicounts = self._bicounts
        n_entries = len(self._index) + len(self._keys)
        d = self.delimiter
        words = list(self._index)
        spelled = [i for i, w in enumerate(words) if d in w]
        if self.counting != "tool" or not spelled:
            return counts, bicounts, n_entries
        # Only an entry holding the delimiter can be spelled like another: a token that holds it, a
        # pair with such a token, or a pair spelled like such a token (found by splitting the token).
        holds = np.zeros(len(words), bool)
        holds[spelled] = True
        a, b = self._keys >> _SHIFT, self._keys & _LOW
        groups: dict[str, list] = {}  # spelling → [("u", id) | ("p", row), ...]
        for row, ia, ib in zip(np.flatnonzero(holds[a] | holds[b]).tolist(),
                               a[holds[a] | holds[b]].tolist(), b[holds[a] | holds[b]].tolist()):
            groups.setdefault(words[ia] + d + words[ib], []).append(("p", row))
        index = self._index
        for i in spelled:
            w = words[i]
            members = groups.setdefault(w, [])
            members.append(("u", i))
            start = w.find(d)
            while start >= 0:
                x, y = w[:start], w[start + len(d):]
                if d not in x and d not in y and x in index and y in index:
                    key = np.int64(index[x]) << _SHIFT | np.int64(index[y])
                    row = int(np.searchsorted(self._keys, key))
                    if row < len(self._keys) and self._keys[row] == key:
                        members.append(("p", row))
                start = w.find(d, start + 1)
        counts, bicounts = counts.copy(), bicounts.copy()
        for members in groups.values():
            if len(members) < 2:
                continue
            total = sum(int(self._counts[j]) if kind == "u" else int(self._bicounts[j]) for kind, j in members)
            for kind, j in members:
                if kind == "u":
                    counts[j] = total
                else:
                    bicounts[j] = total
            n_entries -= len(members) - 1
        return counts, bicounts, n_entries

    def _scores(self, pa: np.ndarray, pb: np.ndarray, pab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(scores, scored) of pairs with these counts: the formula of ``self.scoring``, and whether the
        pair is scored at all (word2phrase: every count >= min_count; gensim: every count > 0)."""
        mc = self.min_count
        if self.scoring == "word2vec":
            scored = (pa >= mc) & (pb >= mc) & (pab >= mc)
            f32 = np.float32
            with np.errstate(divide="ignore", invalid="ignore"):
                s = (pab - mc).astype(f32) / pa.astype(f32) / pb.astype(f32) * f32(self.n_words)
            return np.where(scored, s, f32(0)), scored
        scored = (pa > 0) & (pb > 0) & (pab > 0)
        len_vocab = float(self._n_entries)  # set by _detect
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (pab - mc).astype(np.float64) / (pa * pb).astype(np.float64) * len_vocab
        return np.where(scored, s, -np.inf), scored

    def _joined(self, scores: np.ndarray, scored: np.ndarray) -> np.ndarray:
        if self.scoring == "word2vec":
            return scored & (scores > np.float32(self.threshold))
        return scored & (scores > self.threshold)

    def score(self, a: str, b: str) -> float | None:
        """The score of the pair "a b" (with the counts of ``counting``), or None if it is not scored:
        never counted, or (word2vec scoring) a count below ``min_count``."""
        self._detect()
        ia, ib = self._index.get(a), self._index.get(b)
        if ia is None or ib is None:
            return None
        key = np.int64(ia) << _SHIFT | np.int64(ib)
        row = int(np.searchsorted(self._keys, key))
        if row == len(self._keys) or self._keys[row] != key:
            return None
        s, scored = self._scores(self._ucounts[[ia]], self._ucounts[[ib]], self._bcounts[[row]])
        return float(s[0]) if scored[0] else None

    def _detect(self) -> np.ndarray:
        if self._joins is None:
            self._merge()
            keys = self._keys
            self._ucounts, self._bcounts, self._n_entries = self._shared_counts()
            pa, pb = self._ucounts[keys >> _SHIFT], self._ucounts[keys & _LOW]
            scores, scored = self._scores(pa, pb, self._bcounts)
            joined = self._joined(scores, scored)
            self._joins, self._join_scores = keys[joined], scores[joined]
            first = np.zeros(len(self._index) + 1, bool)  # the extra last slot answers for id −1 (unknown)
            second = np.zeros(len(self._index) + 1, bool)
            first[self._joins >> _SHIFT] = True
            second[self._joins & _LOW] = True
            self._join_ends = first, second
        return self._joins

    def __len__(self) -> int:
        """The number of detected phrases (pairs whose score passes the threshold)."""
        return len(self._detect())

    def export(self) -> dict[str, float]:
        """Every detected phrase, delimiter-joined, with its score (as gensim's ``export_phrases``)."""
        joins = self._detect()
        words = list(self._index)
        d = self.delimiter
        return {words[a] + d + words[b]: float(s)
                for a, b, s in zip((joins >> _SHIFT).tolist(), (joins & _LOW).tolist(), self._join_scores.tolist())}

    # -- transforming ---------------------------------------------------------------------------
    def _join_mask(self, flat: list[str], lengths: np.ndarray) -> np.ndarray:
        """For each adjacent pair of the batch, whether it is joined (greedy, left to right)."""
        joins = self._detect()
        n = len(flat)
        if n < 2 or not len(joins):
            return np.zeros(max(n - 1, 0), bool)
        ids = np.fromiter(map(self._index.get, flat, itertools.repeat(-1)), np.int64, n)
        a, b = ids[:-1], ids[1:]
        # Only pairs whose first word starts a phrase and whose second ends one are looked up.
        first, second = self._join_ends
        candidate = np.flatnonzero(first[a] & second[b] & _inner_pairs(n, lengths))  # id −1: the last slot
        keys = (a[candidate] << _SHIFT) | b[candidate]
        pos = np.minimum(np.searchsorted(joins, keys), len(joins) - 1)
        hit = np.zeros(n - 1, bool)
        hit[candidate[joins[pos] == keys]] = True
        # Greedy: pair i is joined iff it passes and pair i−1 was not joined. In a run of passing
        # pairs that starts at s, the pairs s, s+2, s+4, ... are joined.
        i = np.arange(len(hit))
        starts = hit & ~np.concatenate([[False], hit[:-1]])
        run_start = np.maximum.accumulate(np.where(starts, i, 0))
        return hit & ((i - run_start) % 2 == 0)

    def _apply(self, flat: list[str], lengths: np.ndarray) -> tuple[list[str], np.ndarray]:
        """One batch with its phrases joined: (flat tokens, lengths)."""
        join = np.flatnonzero(self._join_mask(flat, lengths))
        if not len(join):
            return flat, lengths
        tokens = list(flat)
        d = self.delimiter
        for j in join.tolist():
            tokens[j] = flat[j] + d + flat[j + 1]
        keep = np.ones(len(flat), bool)
        keep[join + 1] = False
        sentence = np.searchsorted(np.cumsum(lengths), join, side="right")
        return list(itertools.compress(tokens, keep.tolist())), lengths - np.bincount(sentence, minlength=len(lengths))

    def transform(self, sentence: list[str]) -> list[str]:
        """``sentence`` (a token list) with its phrases joined by the delimiter."""
        if isinstance(sentence, str):
            raise TypeError("transform takes a list of tokens, not a string")
        sentence = list(sentence)
        if len(sentence) < 2:
            return sentence
        return self._apply(sentence, np.array([len(sentence)], np.int64))[0]

    def transform_sentences(self, sentences: Iterable[list[str]]) -> Iterator[list[str]]:
        """Each sentence with its phrases joined, in batches (empty sentences are dropped)."""
        for flat, lengths in _batches(sentences):
            flat, lengths = self._apply(flat, lengths)
            ends = np.cumsum(lengths).tolist()
            start = 0
            for end in ends:
                yield flat[start:end]
                start = end

    def __repr__(self) -> str:
        return (f"Phrases(scoring={self.scoring!r}, min_count={self.min_count}, threshold={self.threshold:g}, "
                f"{self.n_words:,} words, {self.n_unigrams:,} unigrams, {self.n_bigrams:,} bigrams)")
