"""gensim 4's phrase models (``gensim.models.phrases``): :class:`Phrases`, :class:`FrozenPhrases`
(alias :data:`Phraser`), :data:`ENGLISH_CONNECTOR_WORDS`, with gensim's signatures, defaults, results
and error types. The project's own model, with word2phrase's scoring, is ``phrase_model.Phrases``.

Counting (:meth:`Phrases.add_vocab`): ``vocab`` is one dict from strings to counts holding every
word that is not a connector word, and every *candidate*: two consecutive non-connector words of a
sentence with the connector words between them, joined with ``delimiter`` (``bank_of_america``
when "of" is a connector word). Connector words are counted in ``corpus_word_count`` only; those
before the first or after the last other word of a sentence join nothing. Entries spelled alike
share one count (a token ``new_york`` of the text and the pair "new york"). When ``vocab`` grows
past ``max_vocab_size`` after a sentence, the entries counted fewer than ``min_reduce`` times are
dropped and ``min_reduce`` goes up by one (gensim's ``prune_vocab``); each :meth:`Phrases.add_vocab`
counts its sentences into a dict of its own first and merges it in, as gensim does.

The sentences are counted in batches of whole sentences, by integer ids, and ``vocab`` is built
from the counts once, in the order gensim adds its entries (first appearance); a batch after which
``vocab`` could pass ``max_vocab_size`` is counted sentence by sentence instead, so that pruning
happens after the same sentence as gensim's (``gensim_phrase_counts.py``).

Scoring a candidate (a, connectors, b) whose three counts are all above 0 (gensim's
``score_candidate``), with ``len_vocab = len(vocab)`` and N = ``corpus_word_count``:

* ``scoring="default"`` (:func:`original_scorer`): ``(count(ab) − min_count) / (count(a)·count(b)) · len_vocab``;
* ``scoring="npmi"`` (:func:`npmi_scorer`): ``ln(p(ab) / (p(a)·p(b))) / −ln(p(ab))`` with p(x) = count(x)/N,
  −∞ when count(ab) < min_count;
* a function taking ``worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count``.

The candidate is a phrase when its score is above ``threshold`` (strictly). A sentence is read left
to right (:meth:`analyze_sentence`): a phrase is joined and the next candidate starts after it;
otherwise its first word and connector words are left alone and the next candidate starts at its
last word. A token
that is an empty string never starts a candidate and is dropped from the output, as gensim drops it.

:class:`FrozenPhrases` keeps only the phrases found in ``vocab`` (:meth:`Phrases.export_phrases`,
which splits each entry at ``delimiter``) and their scores.

Saving writes one JSON file under the name given (never a pickle); loading refuses a pickle — a
model saved by gensim — with one line.

Departures from gensim, all refusals where gensim goes on and gives nonsense or fails later: a
string given as the sentences, as one sentence or to ``[]`` (gensim reads its characters as
tokens), a token that is not a ``str``, an empty ``delimiter`` (gensim fails in
``export_phrases``), a negative ``max_vocab_size`` and values of the wrong type. Nothing is logged
(``progress_per`` is kept, unused). Errors are gensim's types (``ValueError`` for a bad option,
``TypeError`` for a value of the wrong type, ``FileNotFoundError`` for a missing file), each also a
:class:`~w2v_scratch.base.errors.W2VError` with a one-line message that never shows the data whole.
"""

from __future__ import annotations

import bz2
import gzip
import inspect
import itertools
import json
import math
import numbers
import os
from collections.abc import Iterable, Iterator

from ..base.files import atomic_write
from ..base.inputs import is_pickle, open_input, reading
from ..base.values import is_real, short_repr
from .gensim_phrase_counts import (Counter, PhrasesFileError, PhrasesTypeError, PhrasesValueError,  # noqa: F401
                                   _checked_corpus, prune_vocab)
from .gensim_readers import FolderGiven, MissingFile

ENGLISH_CONNECTOR_WORDS = frozenset(
    "a an the".split()  # articles
    + "for of with without at from to in on by".split()  # prepositions (some)
    + "and or".split())  # conjunctions (some)
NEGATIVE_INFINITY = float("-inf")
FORMAT = "w2v-scratch gensim phrases"
_SCORER_PARAMS = ("worda_count", "wordb_count", "bigram_count", "len_vocab", "min_count", "corpus_word_count")


def original_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """gensim's default score: ``(bigram_count − min_count) / (worda_count·wordb_count) · len_vocab``
    (−∞ when a word count is 0; ``corpus_word_count`` is not used)."""
    denom = worda_count * wordb_count
    if denom == 0:
        return NEGATIVE_INFINITY
    return (bigram_count - min_count) / float(denom) * len_vocab


def npmi_scorer(worda_count, wordb_count, bigram_count, len_vocab, min_count, corpus_word_count):
    """Normalized pointwise mutual information, in [−1, 1]: ``ln(p_ab / (p_a·p_b)) / −ln(p_ab)`` with
    ``p_x = count_x / corpus_word_count``; −∞ when ``bigram_count < min_count`` or a count is 0."""
    if bigram_count < min_count:
        return NEGATIVE_INFINITY
    n = float(corpus_word_count)
    pa, pb, pab = worda_count / n, wordb_count / n, bigram_count / n
    try:
        return math.log(pab / (pa * pb)) / -math.log(pab)
    except ValueError:  # a count of 0: never a phrase
        return NEGATIVE_INFINITY


SCORERS = {"default": original_scorer, "npmi": npmi_scorer}
_COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress}


def _plain(number):
    """A number as JSON holds it (a NumPy scalar as the Python int or float it equals)."""
    return int(number) if isinstance(number, numbers.Integral) else float(number)


def _scoring_name(scoring) -> str | None:
    return next((name for name, f in SCORERS.items() if f is scoring), None)


def _check_connectors(connector_words) -> frozenset:
    if isinstance(connector_words, (str, bytes)) or not isinstance(connector_words, Iterable):
        raise PhrasesTypeError(f"connector_words must be a set of words (e.g. ENGLISH_CONNECTOR_WORDS), got "
                               f"{short_repr(connector_words)}")
    return frozenset(connector_words)


def _is_single(obj) -> tuple[bool, object]:
    """Whether ``obj`` is one sentence (empty, or its first item a ``str``) or a corpus, and an
    object yielding the same items (an iterator's first item was read to tell)."""
    if isinstance(obj, (str, bytes)):
        raise PhrasesTypeError(f"phrases[...] takes a list of tokens or an iterable of such lists, not a "
                               f"{type(obj).__name__} ({short_repr(obj)}): split it into words first")
    try:
        items = iter(obj)
    except TypeError:
        raise PhrasesTypeError(f"phrases[...] takes a list of tokens or an iterable of such lists, not a "
                               f"{type(obj).__name__} ({short_repr(obj)}): give a sentence as a list of "
                               "words") from None
    try:
        peek = next(items)
    except StopIteration:
        return True, obj
    chained = itertools.chain([peek], items)
    if isinstance(peek, str):
        return True, chained
    return False, (chained if items is obj else obj)


class PhrasedCorpus:
    """``phrases[corpus]``: each sentence of ``corpus`` as ``phrases[sentence]``, computed as it is
    read; read again from the start on every ``iter()`` when ``corpus`` is (a list, a reader), once
    when it is an iterator. ``len()`` and ``[i]`` as the corpus's own (gensim's ``TransformedCorpus``)."""

    def __init__(self, obj, corpus) -> None:
        self.obj, self.corpus = obj, corpus

    def __iter__(self):
        for sentence in self.corpus:
            yield self.obj[sentence]

    def __len__(self) -> int:
        return len(self.corpus)

    def __getitem__(self, docno):
        if not hasattr(self.corpus, "__getitem__"):
            raise RuntimeError(f"Type {type(self.corpus)} does not support slicing.")
        return self.obj[self.corpus[docno]]


class _PhrasesTransformation:
    """What :class:`Phrases` and :class:`FrozenPhrases` share: reading sentences with
    :meth:`score_candidate`, ``[]``, :meth:`find_phrases`, :meth:`save` and :meth:`load`."""

    def score_candidate(self, word_a: str, word_b: str, in_between: list) -> tuple:
        raise NotImplementedError

    def analyze_sentence(self, sentence) -> Iterator[tuple]:
        """``(token, None)`` for each token left alone and ``(phrase, score)`` for each phrase joined,
        reading ``sentence`` left to right (see the module docstring)."""
        connectors = self.connector_words
        start, between = None, []
        for word in sentence:
            if word not in connectors:
                if start:
                    phrase, score = self.score_candidate(start, word, between)
                    if score is not None:
                        yield phrase, score
                        start, between = None, []
                        continue
                    yield start, None
                    for w in between:
                        yield w, None
                start, between = word, []
            elif start:
                between.append(word)
            else:
                yield word, None
        if start:
            yield start, None
            for w in between:
                yield w, None

    def __getitem__(self, sentence):
        """A sentence (a list of tokens) with its phrases joined, as a list; or, given a corpus (an
        iterable of sentences), a :class:`PhrasedCorpus` doing that to each sentence as it is read."""
        if type(sentence) is list and (not sentence or type(sentence[0]) is str):  # one sentence: the common case
            return [token for token, _ in self.analyze_sentence(sentence)]
        single, sentence = _is_single(sentence)
        if not single:
            return PhrasedCorpus(self, sentence)
        return [token for token, _ in self.analyze_sentence(sentence)]

    def find_phrases(self, sentences) -> dict:
        """Every phrase joined in ``sentences``, with its score (the last one met)."""
        found = {}
        for tokens in _checked_corpus(sentences):
            for phrase, score in self.analyze_sentence(tokens):
                if score is not None:
                    found[phrase] = score
        return found

    # -- files ------------------------------------------------------------------------------------
    def _state(self) -> dict:
        raise NotImplementedError

    def save(self, fname_or_handle, separately=None, sep_limit=None, ignore=frozenset(), pickle_protocol=None) -> None:
        """Write the model as one JSON file under exactly the name given (or into an open file); never
        a pickle. A name ending in ``.gz`` or ``.bz2`` is compressed so, as gensim compresses its own.
        gensim's other keywords (``separately``, ``sep_limit``, ``ignore``, ``pickle_protocol``) lay
        out its pickle and mean nothing here: they are accepted and unused."""
        name = _scoring_name(self.scoring)
        if name is None and isinstance(self, Phrases):
            raise PhrasesValueError("a Phrases with a custom scoring function cannot be saved without pickle: save "
                                    "phrases.freeze() (its phrases keep their scores), or rebuild it after loading")
        state = {"format": FORMAT, "version": 1, "class": type(self).__name__, "scoring": name or "custom",
                 "min_count": _plain(self.min_count), "threshold": _plain(self.threshold), "delimiter": self.delimiter,
                 "connector_words": sorted(self.connector_words), **self._state()}
        text = json.dumps(state, ensure_ascii=False)
        if hasattr(fname_or_handle, "write"):
            try:
                fname_or_handle.write(text)
            except TypeError:
                fname_or_handle.write(text.encode("utf-8"))
            return
        if not isinstance(fname_or_handle, (str, os.PathLike)):
            raise PhrasesTypeError(f"save takes a file name or an open file, not a {type(fname_or_handle).__name__}: "
                                   "give a path such as 'phrases.model'")
        path = os.fspath(fname_or_handle)
        data = text.encode("utf-8")
        compress = next((f for suffix, f in _COMPRESS.items() if str(path).endswith(suffix)), None)
        with atomic_write(path, "wb") as f:
            f.write(compress(data) if compress else data)

    @classmethod
    def load(cls, fname, mmap=None):
        """The model saved with :meth:`save` (a :class:`Phrases` or a :class:`FrozenPhrases`, whichever
        the file holds, as gensim's ``load`` returns). A pickle (a model saved by gensim) is refused
        with one line, never unpickled."""
        state = _read_state(fname)
        kind = {"Phrases": Phrases, "FrozenPhrases": FrozenPhrases}[state["class"]]
        model = kind.__new__(kind)
        try:
            model._restore(state)
        except (KeyError, TypeError, ValueError):
            raise PhrasesFileError(f"{os.fspath(fname)} is a damaged phrase model (a field is missing or wrong): save "
                                   "the model again") from None
        return model


def _read_state(fname) -> dict:
    if not isinstance(fname, (str, os.PathLike)):
        raise PhrasesTypeError(f"load takes a file name, not a {type(fname).__name__} ({short_repr(fname)}): give "
                               "the path save wrote")
    p = os.fspath(fname)
    if os.path.isdir(p):
        raise FolderGiven(f"{p} is a folder: give the file a phrase model was saved to")
    if not os.path.exists(p):
        raise MissingFile(f"{p} does not exist: give the file phrases.save(...) wrote")
    with open_input(p, "rb", what="phrase model") as f, reading(p):  # decompressed (gzip, bzip2, xz) by content
        data = f.read()
    if is_pickle(data[:16]):
        raise PhrasesFileError(f"{p} is a Python pickle (a phrase model saved by gensim), which w2v-scratch never "
                               "loads (unpickling runs code from the file): train the model again here on the "
                               "same sentences with the same options (its counts and phrases are gensim's)")
    try:
        state = json.loads(data.decode("utf-8"))
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise ValueError
        if state.get("class") not in ("Phrases", "FrozenPhrases") or state.get("version") != 1:
            raise ValueError
    except ValueError:  # UnicodeDecodeError and json's errors among them
        raise PhrasesFileError(f"{p} is not a phrase model saved by w2v-scratch (Phrases.save / FrozenPhrases.save): "
                               "give the file save wrote") from None
    return state


def _check_scoring(scoring):
    """The scoring function of ``scoring`` ("default", "npmi" or a function with gensim's parameters)."""
    if isinstance(scoring, str):
        if scoring not in SCORERS:
            raise PhrasesValueError(f"unknown scoring method string {short_repr(scoring)} specified: choose "
                                    "'default', 'npmi' or a function")
        return SCORERS[scoring]
    if not callable(scoring):
        raise PhrasesTypeError(f"scoring must be 'default', 'npmi' or a function, got {short_repr(scoring)}: give "
                               "one of those")
    try:
        params = inspect.getfullargspec(scoring).args
    except TypeError:
        params = []
    missing = [p for p in _SCORER_PARAMS if p not in params]
    if missing:
        raise PhrasesValueError(f"scoring function missing expected parameters {missing}: it must take "
                                f"{', '.join(_SCORER_PARAMS)}")
    return scoring


def _check_number(value, name: str, example: str):
    if not is_real(value) or value != value:
        raise PhrasesTypeError(f"{name} must be a number, got {short_repr(value)}: give one such as {example} (the "
                               "sentences come first: Phrases(sentences, min_count=..., threshold=...))")
    return value


class Phrases(_PhrasesTransformation):
    """gensim's ``Phrases(sentences=None, min_count=5, threshold=10.0, max_vocab_size=40000000,
    delimiter='_', progress_per=10000, scoring='default', connector_words=frozenset())``: the counts
    of the sentences given (and of every :meth:`add_vocab`), and the phrases they score above
    ``threshold`` (see the module docstring). ``vocab`` maps each counted word and candidate to its
    count, ``corpus_word_count`` is the number of tokens counted."""

    def __init__(self, sentences=None, min_count=5, threshold=10.0, max_vocab_size=40000000, delimiter="_",
                 progress_per=10000, scoring="default", connector_words=frozenset()) -> None:
        self.connector_words = _check_connectors(connector_words)
        _check_number(min_count, "min_count", "5")
        _check_number(threshold, "threshold", "10.0")
        _check_number(max_vocab_size, "max_vocab_size", "40000000")
        if not isinstance(delimiter, str):
            raise PhrasesTypeError(f"delimiter must be a str (such as '_'), got {short_repr(delimiter)}")
        if not delimiter:
            raise PhrasesValueError("delimiter must not be empty (phrases are split at it): give one such as '_'")
        if min_count <= 0:
            raise PhrasesValueError(f"min_count should be at least 1, got {short_repr(min_count)}: give a count such "
                                    "as gensim's 5")
        if max_vocab_size < 0:
            raise PhrasesValueError(f"max_vocab_size must be >= 0, got {short_repr(max_vocab_size)}: give a size "
                                    "such as gensim's 40000000")
        if threshold <= 0 and scoring == "default":
            raise PhrasesValueError(f"threshold should be positive for default scoring, got {short_repr(threshold)}: "
                                    "give one such as gensim's 10.0")
        if isinstance(scoring, str) and scoring == "npmi" and not -1 <= threshold <= 1:
            raise PhrasesValueError(f"threshold should be between -1 and 1 for npmi scoring, got "
                                    f"{short_repr(threshold)}: give one such as 0.5")
        self.scoring = _check_scoring(scoring)
        self.min_count, self.threshold, self.max_vocab_size = min_count, threshold, max_vocab_size
        self.vocab: dict = {}
        self.min_reduce = 1
        self.delimiter = delimiter
        self.progress_per = progress_per
        self.corpus_word_count = 0
        if sentences is not None:
            self.add_vocab(sentences)

    def __str__(self) -> str:
        return (f"{type(self).__name__}<{len(self.vocab)} vocab, min_count={self.min_count}, "
                f"threshold={self.threshold}, max_vocab_size={self.max_vocab_size}>")

    __repr__ = __str__

    def add_vocab(self, sentences) -> None:
        """Count ``sentences`` (an iterable of token lists, read once) into a dict of their own, then
        add it to ``vocab`` (pruned once more if it grew past ``max_vocab_size``)."""
        counter = Counter(self.max_vocab_size, self.delimiter, self.connector_words)
        counted = counter.count(sentences)
        self.corpus_word_count += counter.total_words
        if not self.vocab:
            self.vocab = counted
            return
        self.min_reduce = max(self.min_reduce, counter.min_reduce)
        vocab = self.vocab
        for word, count in counted.items():
            vocab[word] = vocab.get(word, 0) + count
        if len(vocab) > self.max_vocab_size:
            prune_vocab(vocab, self.min_reduce)
            self.min_reduce += 1

    def score_candidate(self, word_a: str, word_b: str, in_between: list) -> tuple:
        """``(phrase, score)`` for the candidate ``word_a``, ``in_between``..., ``word_b`` when its
        score passes the threshold, else ``(None, None)``."""
        vocab = self.vocab
        count_a = vocab.get(word_a, 0)
        if count_a <= 0:
            return None, None
        count_b = vocab.get(word_b, 0)
        if count_b <= 0:
            return None, None
        phrase = self.delimiter.join([word_a, *in_between, word_b])
        count_ab = vocab.get(phrase, 0)
        if count_ab <= 0:
            return None, None
        score = self.scoring(worda_count=count_a, wordb_count=count_b, bigram_count=count_ab, len_vocab=len(vocab),
                             min_count=self.min_count, corpus_word_count=self.corpus_word_count)
        if score <= self.threshold:
            return None, None
        return phrase, score

    def export_phrases(self) -> dict:
        """``{phrase: score}`` for every entry of ``vocab`` that, split at ``delimiter``, scores above the
        threshold as a candidate (first part, inner parts, last part)."""
        found, d = {}, self.delimiter
        for entry in [e for e in self.vocab if d in e]:
            parts = entry.split(d)
            phrase, score = self.score_candidate(parts[0], parts[-1], parts[1:-1])
            if score is not None:
                found[phrase] = score
        return found

    def freeze(self) -> "FrozenPhrases":
        """A :class:`FrozenPhrases` of the phrases found now (smaller, faster, no more counting)."""
        return FrozenPhrases(self)

    def _state(self) -> dict:
        return {"max_vocab_size": self.max_vocab_size, "progress_per": self.progress_per,
                "min_reduce": self.min_reduce, "corpus_word_count": self.corpus_word_count, "vocab": self.vocab}

    def _restore(self, state: dict) -> None:
        if not isinstance(state["vocab"], dict):
            raise TypeError("vocab")
        self.connector_words = frozenset(state["connector_words"])
        self.scoring = SCORERS[state["scoring"]]
        for key in ("min_count", "threshold", "delimiter", "max_vocab_size", "progress_per", "min_reduce",
                    "corpus_word_count", "vocab"):
            setattr(self, key, state[key])


class FrozenPhrases(_PhrasesTransformation):
    """gensim's ``FrozenPhrases(phrases_model)``: the phrases a :class:`Phrases` finds now
    (``phrasegrams``, from :meth:`Phrases.export_phrases`) with their scores, and its ``threshold``,
    ``min_count``, ``delimiter``, ``scoring``, ``connector_words``. A candidate is joined when its
    delimiter-joined spelling is a phrase scored above ``threshold``."""

    def __init__(self, phrases_model) -> None:
        if not isinstance(phrases_model, Phrases):
            raise PhrasesTypeError(f"FrozenPhrases takes a trained Phrases model, not a "
                                   f"{type(phrases_model).__name__} ({short_repr(phrases_model)})")
        self.threshold = phrases_model.threshold
        self.min_count = phrases_model.min_count
        self.delimiter = phrases_model.delimiter
        self.scoring = phrases_model.scoring
        self.connector_words = phrases_model.connector_words
        self.phrasegrams = phrases_model.export_phrases()

    def __str__(self) -> str:
        return (f"{type(self).__name__}<{len(self.phrasegrams)} phrases, min_count={self.min_count}, "
                f"threshold={self.threshold}>")

    __repr__ = __str__

    def score_candidate(self, word_a: str, word_b: str, in_between: list) -> tuple:
        phrase = self.delimiter.join([word_a, *in_between, word_b])
        score = self.phrasegrams.get(phrase, NEGATIVE_INFINITY)
        if score > self.threshold:
            return phrase, score
        return None, None

    def _state(self) -> dict:
        return {"phrasegrams": self.phrasegrams}

    def _restore(self, state: dict) -> None:
        if not isinstance(state["phrasegrams"], dict):
            raise TypeError("phrasegrams")
        self.connector_words = frozenset(state["connector_words"])
        self.scoring = SCORERS.get(state["scoring"])  # None for a custom function (its scores are kept)
        for key in ("min_count", "threshold", "delimiter", "phrasegrams"):
            setattr(self, key, state[key])


Phraser = FrozenPhrases  # gensim's older name
