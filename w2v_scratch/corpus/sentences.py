"""Training from Python data: an iterable of token lists → the same Vocab and int32 corpus as a file.

``Word2Vec.fit`` (and the gensim-style constructor, ``build_vocab`` and ``train``) take, besides a
path or ``"ptb"``, any iterable of sentences, each sentence a list (or tuple, or any other iterable
that is not a string) of ``str`` tokens:

* a list of lists: ``[["the", "cat", "sat"], ["a", "dog"]]``;
* an object that iterates anew each time (gensim's ``LineSentence``, a class with ``__iter__``);
* a one-shot generator.

A reader whose ``corpus_file(max_sentence_length)`` names a file (``gensim_readers.LineSentence``
of a plain file, without ``limit``) is read from that file by the text kernel instead, with the
same sentences.

The sentences are read exactly once, streaming: tokens get provisional ids while the words are
counted (``read.scan``: int32 chunks; about 2**18 tokens at a time are held as Python strings),
then are renumbered to the frequency-sorted vocabulary (``corpus.renumber``). That is the code
that reads corpus files, and sentences are cut and skipped as a file's lines are (longer than
``max_sentence_length`` tokens: cut into consecutive pieces; no token: skipped), so training on the
sentences gives the same vocabulary, ids and — same seed, one thread — vectors as training on a
file holding them one per line, tokens separated by spaces.

Refused, each with one short line that never shows the corpus: a corpus that is neither a path nor
an iterable (a ``dict``, ``bytes``, a number...), a sentence that is a string (``["a b c"]`` for
``[["a", "b", "c"]]``) or not iterable, a token that is not a ``str``, a token that is empty or
holds whitespace (a corpus file could not hold it as one token, nor a word2vec vectors file as one
word), and sentences without a single token. An iterator (a generator, a ``map``...) yields its
sentences once, so a second pass over it (``build_vocab`` then ``train``, or a second ``fit``)
finds it empty: one this module has already read is named as used up, any other iterator that
yields nothing as possibly so, and the message says to give a list, or an iterable whose
``__iter__`` starts over.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Iterable, Iterator, Mapping

from . import read as corpus_mod
from .read import MAX_SENTENCE_LENGTH, Corpus
from ..base.errors import InputError
from ..base.values import short_repr
from .vocab import Vocab


def is_path(corpus) -> bool:
    """Whether ``corpus`` names a file (a ``str`` or ``os.PathLike``; ``"ptb"`` included)."""
    return isinstance(corpus, (str, os.PathLike))


def check(corpus) -> None:
    """Refuse, with one line naming its type, a corpus that is neither a path nor an iterable of
    sentences. Nothing is read: the sentences themselves are checked as they are read."""
    if is_path(corpus):
        return
    if isinstance(corpus, (bytes, bytearray, memoryview, Mapping)) or not isinstance(corpus, Iterable):
        raise InputError(f"corpus must be a file path or an iterable of token lists (got {type(corpus).__name__})")


def describe(corpus) -> str:
    """How messages name a corpus: its path, or ``<list of sentences>`` (the type, never the data)."""
    return os.fspath(corpus) if is_path(corpus) else f"<{type(corpus).__name__} of sentences>"


def tokens_of(sentence, i: int) -> list[str]:
    """The tokens of sentence ``i``, checked: a list of non-empty ``str`` without whitespace."""
    if isinstance(sentence, (str, bytes)):
        raise InputError(f"sentence {i} is a {type(sentence).__name__}, not a list of tokens: give each sentence "
                         "as a list of words (e.g. line.split()), the corpus as a list of such lists")
    try:
        tokens = sentence if isinstance(sentence, list) else list(sentence)
    except TypeError:
        raise InputError(f"sentence {i} is a {type(sentence).__name__}, not a list of tokens: give each sentence "
                         "as a list of words") from None
    try:
        words = " ".join(tokens).split()  # whole sentences at C speed; the loops below only name a culprit
    except TypeError:
        j, bad = next((j, t) for j, t in enumerate(tokens) if not isinstance(t, str))
        raise InputError(f"sentence {i}, token {j} is a {type(bad).__name__} ({short_repr(bad)}), not a str: "
                         "tokens must be strings") from None
    if words != tokens:
        j, bad = next((j, t) for j, t in enumerate(tokens) if t.split() != [t])
        raise InputError(f"sentence {i}, token {j} ({short_repr(bad)}) is empty or holds whitespace: a token is one "
                         "word (split it, or join its parts, e.g. with '_')")
    return words


def token_lists(sentences: Iterable, max_sentence_length: int = MAX_SENTENCE_LENGTH) -> Iterator[list[str]]:
    """The checked sentences (:func:`tokens_of`) in order, as a corpus file's reader yields its
    lines: a sentence longer than ``max_sentence_length`` cut into consecutive pieces, an empty
    one skipped."""
    for i, sentence in enumerate(sentences):
        tokens = tokens_of(sentence, i)
        if len(tokens) <= max_sentence_length:
            if tokens:
                yield tokens
            continue
        for start in range(0, len(tokens), max_sentence_length):
            yield tokens[start:start + max_sentence_length]


def load(sentences: Iterable, min_count: int = 5, max_vocab: int | None = None,
         max_sentence_length: int = MAX_SENTENCE_LENGTH, cache_dir=None, report=None,
         vocab: Vocab | None = None, max_vocab_size: int | None = None,
         max_final_vocab: int | None = None) -> tuple[Vocab, Corpus]:
    """Read ``sentences`` once: the vocabulary (the words counted ``min_count`` times, the
    ``max_vocab`` most frequent at most, most frequent first) and the encoded corpus. Given a
    ``vocab`` the words are counted but not kept: the corpus is encoded with that vocabulary, its
    other words dropped. With ``cache_dir`` the ids go to files there, as for a pipe
    (``corpus.renumber``). ``max_final_vocab`` and ``max_vocab_size`` are gensim's, as for a file
    (``corpus.load``); with ``max_vocab_size`` the sentences are read twice (:func:`count_pruned`,
    then the encoding), so an iterator is refused."""
    check(sentences)
    file = sentences.corpus_file(max_sentence_length) if callable(getattr(sentences, "corpus_file", None)) else None
    if file is not None:  # a reader of a whole plain file (gensim_readers): the text kernel reads the file
        return corpus_mod.load(file[0], min_count=min_count, max_vocab=max_vocab, max_sentence_length=file[1],
                               cache_dir=cache_dir, report=report, vocab=vocab, max_vocab_size=max_vocab_size,
                               max_final_vocab=max_final_vocab)
    if vocab is None and max_vocab_size is not None:
        words, counts = count_pruned(sentences, max_vocab_size)
        vocab = Vocab.select(words, counts, min_count, max_vocab, max_final_vocab)[0]
    name = describe(sentences)
    counted = _Counted(sentences)
    read_before = isinstance(sentences, Iterator) and sentences in _READ
    if isinstance(sentences, Iterator):
        with contextlib.suppress(TypeError):  # an iterator that takes no weak reference is not remembered
            _READ.add(sentences)
    with corpus_mod.provisional(cache_dir) as chunks:
        words, counts = corpus_mod.scan(token_lists(counted, max_sentence_length), name, chunks, report)
        if not words and not counted.n and isinstance(sentences, Iterator):
            raise InputError(_used_up(name, read_before))
        if not words:
            raise InputError(f"the corpus {name} holds no words: give at least one sentence with a token")
        return corpus_mod.renumber(chunks, words, counts, name, min_count, max_vocab, vocab, max_final_vocab)


_READ: weakref.WeakSet = weakref.WeakSet()  # the iterators load() has read: a second pass finds them empty
_RESTART = "give a list of token lists, or an iterable whose __iter__ starts over (a class that re-reads its file)"


def _used_up(name: str, read_before: bool) -> str:
    """The message for an iterator that yielded no sentence: used up for sure when read before."""
    if read_before:
        return (f"the corpus {name} is used up: an iterator (such as a generator) yields its sentences once, and "
                f"this one was read by an earlier build_vocab, fit or train; {_RESTART}")
    return (f"the corpus {name} yielded no sentences: an iterator (such as a generator) yields its sentences once; "
            f"if it was read before, {_RESTART}")


class _Counted:
    """An iterable's items, counted as they are read (``n``)."""

    def __init__(self, items: Iterable) -> None:
        self.items, self.n = items, 0

    def __iter__(self):
        for item in self.items:
            self.n += 1
            yield item


def encode(sentences: Iterable, vocab: Vocab, max_sentence_length: int = MAX_SENTENCE_LENGTH, cache_dir=None,
           report=None) -> Corpus:
    """Encode ``sentences`` with ``vocab`` in one pass: out-of-vocabulary tokens are dropped, and
    sentences left empty too."""
    return load(sentences, 1, None, max_sentence_length, cache_dir, report, vocab=vocab)[1]


def count_pruned(sentences: Iterable, max_vocab_size: int) -> tuple[list[str], list[int]]:
    """The words and counts of ``sentences`` as gensim's ``_scan_vocab`` counts them with
    ``max_vocab_size``: after each sentence (as given, before any cut; an empty one too) that
    leaves more than ``max_vocab_size`` words, every word counted fewer than ``min_reduce`` times is
    dropped, ``min_reduce`` = 1, 2, 3... rising by one at each prune (``corpus.read.count_pruned``:
    the counts are approximate). Words in order of first appearance since they were last dropped.
    An iterator is refused: the sentences are read again to encode them."""
    if isinstance(sentences, Iterator):
        raise InputError(f"max_vocab_size counts the corpus {describe(sentences)}, then reads it again to encode it, "
                         f"but an iterator yields its sentences once: {_RESTART}, or drop max_vocab_size")
    counts: dict = {}
    min_reduce = 1
    for i, sentence in enumerate(sentences):
        get = counts.get
        for token in tokens_of(sentence, i):
            counts[token] = get(token, 0) + 1
        if len(counts) > max_vocab_size:
            counts = {w: c for w, c in counts.items() if c >= min_reduce}
            min_reduce += 1
    return list(counts), list(counts.values())
