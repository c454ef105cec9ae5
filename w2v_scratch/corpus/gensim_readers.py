"""gensim 4's corpus readers (``gensim.models.word2vec``): :class:`LineSentence`, :class:`Text8Corpus`,
:class:`PathLineSentences` — the same sentences as gensim's, read by the project's corpus reader.

Each is an iterable that starts over on every ``iter()`` (so it can be read for the vocabulary and
again for every epoch), yielding sentences as lists of ``str`` tokens:

* :class:`LineSentence` ``(source, max_sentence_length=10000, limit=None)``: one sentence per line
  (lines end at ``\\n`` only), tokens split on whitespace (``str.split()``), empty lines skipped, a
  line of more than ``max_sentence_length`` tokens cut into consecutive pieces of that length,
  only the first ``limit`` lines read (blank ones included). ``source`` is a path (read with
  ``text_file``: ``.gz``, ``.bz2``, ``.xz`` decompressed, as their names say) or an open file object,
  rewound with ``seek(0)`` on every pass and read as it is (bytes as UTF-8, or text).
* :class:`Text8Corpus` ``(fname, max_sentence_length=10000)``: a file with no sentence marks (text8
  is one 100 MB line), read in blocks of ``TEXT8_BLOCK`` bytes and cut into sentences of
  ``max_sentence_length`` words, as gensim cuts it: a block's words are those before its last space
  ``b" "``; the bytes after it, with ASCII whitespace stripped from both ends, are put before the next
  block (so a word cut by a block edge is whole, and a newline in that tail is lost: gensim's
  ``"word\\nnext"`` across a block edge becomes ``"wordnext"``, and so does it here). At the end of
  the file, the words left over and those of the last bytes are one last sentence, which may be
  longer than ``max_sentence_length``.
* :class:`PathLineSentences` ``(source, max_sentence_length=10000, limit=None)``: every entry of a
  folder in sorted order (not recursing: a sub-folder is refused as gensim refuses it, when it is
  reached), each read as a :class:`LineSentence` with its own ``limit``; or one file.

Departures from gensim (its results are otherwise the same, ``tests/test_gensim_readers.py``): a
leading UTF-8 byte-order mark is dropped (gensim keeps it in the first word); bytes that are not
UTF-8, a file holding NUL bytes (:class:`LineSentence`, :class:`PathLineSentences`) and a damaged
compressed file are refused with one line (:class:`~w2v_scratch.base.errors.InputError`);
``max_sentence_length`` below 1 (on which gensim's loop never ends) is refused.

Errors are one line, of gensim's types where gensim raises: a missing file is a
``FileNotFoundError``, a folder where a file is read an ``IsADirectoryError``, a
:class:`PathLineSentences` source that is neither a ``ValueError``, a source of another type a
``TypeError`` — each also an :class:`~w2v_scratch.base.errors.InputError`, which the CLI prints as one
line.

The engine (``Word2Vec.fit``/``train``, ``corpus/sentences.py``) takes these as it takes any
iterable of token lists; for a :class:`LineSentence` (or a one-file :class:`PathLineSentences`) of
a plain file without ``limit`` it reads the file itself (:meth:`LineSentence.corpus_file`), with the
same sentences.
"""

from __future__ import annotations

import itertools
import os
from typing import Iterator

from ..base.errors import InputError
from ..base.inputs import read_upto, reading
from ..base.values import is_int, short_repr
from .text_file import BOM, MAX_WORD_BYTES, file_lines, open_binary

MAX_WORDS_IN_BATCH = 10_000  # gensim's default max_sentence_length
TEXT8_BLOCK = 8192  # bytes Text8Corpus reads at a time (gensim's: its sentence cuts depend on it)


class MissingFile(InputError, FileNotFoundError):
    """A corpus file that does not exist (a ``FileNotFoundError``, as gensim raises)."""


class FolderGiven(InputError, IsADirectoryError):
    """A folder where a corpus file is read (an ``IsADirectoryError``, as gensim raises)."""


class NotFileOrFolder(InputError, ValueError):
    """A :class:`PathLineSentences` source that is neither a file nor a folder (gensim's ``ValueError``)."""


class CorpusTypeError(InputError, TypeError):
    """A source that is neither a path nor a file object (a ``TypeError``)."""


class BadReaderOption(InputError, ValueError):
    """A ``max_sentence_length`` or ``limit`` that makes no sense (a ``ValueError``)."""


def _check_length(max_sentence_length, who: str) -> int:
    if not is_int(max_sentence_length):
        raise CorpusTypeError(f"{who}: max_sentence_length must be a whole number, got "
                              f"{short_repr(max_sentence_length)}")
    if max_sentence_length < 1:
        raise BadReaderOption(f"{who}: max_sentence_length must be at least 1 (gensim loops forever on "
                              f"{max_sentence_length}): give the longest sentence, in tokens, e.g. 10000")
    return int(max_sentence_length)


def _check_limit(limit, who: str):
    if limit is not None and (not is_int(limit) or limit < 0):
        raise BadReaderOption(f"{who}: limit must be None (every line) or a number of lines >= 0, got "
                              f"{short_repr(limit)}")
    return limit


def _file_path(path, who: str) -> str:
    """``path`` (a ``str`` or ``os.PathLike``) as a ``str``, checked to name an existing non-folder."""
    if not isinstance(path, (str, os.PathLike)):
        raise CorpusTypeError(f"{who} reads a file path (str or os.PathLike) or an open file, not a "
                              f"{type(path).__name__} ({short_repr(path)})")
    p = os.fspath(path)
    if isinstance(p, bytes):
        raise CorpusTypeError(f"{who}: give the path as a str, not bytes ({short_repr(p)})")
    if os.path.isdir(p):
        raise FolderGiven(f"{who}: {p} is a folder, not a file: give a file in it, or read the whole "
                             "folder with PathLineSentences")
    if not os.path.exists(p):
        raise MissingFile(f"{who}: {p} does not exist: check the path")
    return p


def _cut(tokens: list[str], n: int) -> Iterator[list[str]]:
    """A line's tokens in consecutive pieces of ``n`` (none for an empty line)."""
    for i in range(0, len(tokens), n):
        yield tokens[i:i + n]


def _decoded(line, where: str, unit: str = "line") -> str:
    if isinstance(line, str):
        return line
    try:
        return bytes(line).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where} is not UTF-8 text (bad byte at offset {exc.start} of a {unit}): convert it "
                         "with iconv") from None


class LineSentence:
    """One sentence per line of a file (a path, plain or ``.gz``/``.bz2``/``.xz``, or an open file object):
    gensim's ``LineSentence(source, max_sentence_length=10000, limit=None)`` (see the module docstring)."""

    def __init__(self, source, max_sentence_length: int = MAX_WORDS_IN_BATCH, limit=None) -> None:
        who = type(self).__name__
        self.max_sentence_length = _check_length(max_sentence_length, who)
        self.limit = _check_limit(limit, who)
        if not isinstance(source, (str, os.PathLike)) and not hasattr(source, "seek"):
            raise CorpusTypeError(f"{who} reads a file path (str or os.PathLike) or an open file (with seek), "
                                  f"not a {type(source).__name__} ({short_repr(source)})")
        self.source = source

    def __iter__(self) -> Iterator[list[str]]:
        who = type(self).__name__
        if hasattr(self.source, "seek") and not isinstance(self.source, (str, os.PathLike)):
            self.source.seek(0)
            where = f"{who}'s file {short_repr(getattr(self.source, 'name', self.source))}"
            for line in itertools.islice(self.source, self.limit):
                yield from _cut(_decoded(line, where).split(), self.max_sentence_length)
            return
        yield from file_lines(_file_path(self.source, who), self.max_sentence_length, self.limit)

    def corpus_file(self, max_sentence_length: int) -> tuple[str, int] | None:
        """``(path, n)`` when reading the file ``path`` with sentences cut at ``n`` tokens gives the
        sentences this reader yields, cut again at ``max_sentence_length`` (what the engine reads
        them with): a plain path to a regular file, no ``limit``, and cuts that nest (this reader's
        at most the engine's, or a multiple of it). None otherwise: then the sentences are iterated."""
        if self.limit is not None or not isinstance(self.source, (str, os.PathLike)):
            return None
        return _nested_file(os.fspath(self.source), self.max_sentence_length, max_sentence_length)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({short_repr(self.source)}, max_sentence_length={self.max_sentence_length})"


def _nested_file(path, mine: int, engine: int) -> tuple[str, int] | None:
    if not isinstance(path, str) or not os.path.isfile(path):
        return None
    if mine <= engine or mine % engine == 0:
        return os.path.abspath(path), min(mine, engine)
    return None


class Text8Corpus:
    """The words of a file without sentence marks, cut into sentences of ``max_sentence_length``:
    gensim's ``Text8Corpus(fname, max_sentence_length=10000)`` (see the module docstring)."""

    def __init__(self, fname, max_sentence_length: int = MAX_WORDS_IN_BATCH) -> None:
        who = type(self).__name__
        self.max_sentence_length = _check_length(max_sentence_length, who)
        if not isinstance(fname, (str, os.PathLike)):
            raise CorpusTypeError(f"{who} reads a file path (str or os.PathLike), not a {type(fname).__name__} "
                                  f"({short_repr(fname)})")
        self.fname = fname

    def __iter__(self) -> Iterator[list[str]]:
        path = _file_path(self.fname, type(self).__name__)
        n = self.max_sentence_length
        sentence: list[str] = []
        rest, first = b"", True
        with open_binary(path) as f, reading(path):
            while True:
                block = read_upto(f, TEXT8_BLOCK)
                end = not block
                if first:  # the byte-order mark is dropped, the block edges stay where gensim's are
                    block, first = (block[len(BOM):] if block.startswith(BOM) else block), False
                text = rest + block
                if end:
                    sentence.extend(_decoded(text, f"Text8Corpus's file {path}", "block").split())
                    if sentence:
                        yield sentence
                    return
                space = text.rfind(b" ")
                if space >= 0:
                    words = _decoded(text[:space], f"Text8Corpus's file {path}", "block").split()
                    rest = text[space:].strip()
                else:
                    words, rest = [], text
                    if len(rest) > MAX_WORD_BYTES:
                        raise InputError(f"Text8Corpus's file {path} has no space in {MAX_WORD_BYTES >> 20} MB: is it "
                                         "text? (words are separated by spaces)")
                sentence.extend(words)
                if len(sentence) >= n:
                    full = len(sentence) - len(sentence) % n
                    for i in range(0, full, n):
                        yield sentence[i:i + n]
                    sentence = sentence[full:]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({short_repr(self.fname)}, max_sentence_length={self.max_sentence_length})"


class PathLineSentences:
    """The lines of every file of a folder, in sorted order (or of one file): gensim's
    ``PathLineSentences(source, max_sentence_length=10000, limit=None)``; ``limit`` lines per file.
    ``input_files`` lists the paths read, as gensim's does."""

    def __init__(self, source, max_sentence_length: int = MAX_WORDS_IN_BATCH, limit=None) -> None:
        who = type(self).__name__
        self.max_sentence_length = _check_length(max_sentence_length, who)
        self.limit = _check_limit(limit, who)
        if not isinstance(source, (str, os.PathLike)) or isinstance(os.fspath(source), bytes):
            raise CorpusTypeError(f"{who} reads a folder or file path (str or os.PathLike), not a "
                                  f"{type(source).__name__} ({short_repr(source)})")
        self.source = source
        if os.path.isfile(source):
            self.input_files = [source]
        elif os.path.isdir(source):
            self.source = os.path.join(source, "")  # gensim's: the folder with a final separator
            self.input_files = sorted(self.source + name for name in os.listdir(self.source))
        else:
            raise NotFileOrFolder(f"{who}: {os.fspath(source)} is neither a file nor a folder: check the path")

    def __iter__(self) -> Iterator[list[str]]:
        who = type(self).__name__
        for name in self.input_files:
            if os.path.isdir(name):
                raise FolderGiven(f"{who}: {os.fspath(name)} is a folder (sub-folders are not read): move it out "
                                     f"of {os.fspath(self.source)}, or read it with its own PathLineSentences")
            yield from file_lines(_file_path(name, who), self.max_sentence_length, self.limit)

    def corpus_file(self, max_sentence_length: int) -> tuple[str, int] | None:
        """As :meth:`LineSentence.corpus_file`, for a source of one file (or a folder holding one)."""
        if self.limit is not None or len(self.input_files) != 1:
            return None
        return _nested_file(os.fspath(self.input_files[0]), self.max_sentence_length, max_sentence_length)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({short_repr(os.fspath(self.source))}, "
                f"max_sentence_length={self.max_sentence_length})")
