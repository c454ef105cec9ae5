"""Where an encoding's ids are kept while it is built, and the ``--corpus-cache`` folder.

The provisional ids of a read (:class:`_Chunks`) and the renumbered ones (:class:`_FileOut`) go to
memory or to hidden temporary files in the cache folder. A finished entry is named by a key
(:func:`_key`: the corpus file's identity, the vocabulary, the sentence length), written to
temporary files and renamed into place: content-addressed, written once, never rewritten, so runs
sharing the folder never rewrite a file another has mapped, and a complete entry is reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile

import numpy as np

from ..base.errors import ConfigError, InputError, W2VError
from ..base.files import file_signature
from .vocab import Vocab

CACHE_VERSION = 1  # of the --corpus-cache files


def _write_array(f, array: np.ndarray) -> None:
    """Append ``array``'s bytes to the open file ``f`` (one place, so a full disk can be simulated)."""
    f.write(memoryview(np.ascontiguousarray(array)).cast("B"))


class _Chunks:
    """The provisional encoding: sentence-aligned chunks of int32 ids and their sentence lengths,
    kept in memory, or (``folder``) appended to hidden temporary files there, deleted on close."""

    def __init__(self, folder=None) -> None:
        self.folder = folder
        self.sizes: list[tuple[int, int]] = []  # (tokens, sentences) of each chunk
        self.memory: list = []
        self.paths: list[str] = []
        self.files: list = []
        if folder is not None:
            _open_temps(self, folder, (".ids.tmp", ".lengths.tmp"))

    @property
    def in_memory(self) -> bool:
        return self.folder is None

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        self.sizes.append((len(ids), len(lengths)))
        if self.in_memory:
            self.memory.append((ids, lengths))
            return
        with _cache_errors(self.folder):
            _write_array(self.files[0], ids)
            _write_array(self.files[1], lengths)

    def __iter__(self):
        """The chunks in order (each in-memory chunk is released once handed over)."""
        if self.in_memory:
            for k in range(len(self.memory)):
                chunk, self.memory[k] = self.memory[k], None
                yield chunk
            return
        with _cache_errors(self.folder):
            for f in self.files:
                f.close()
            with open(self.paths[0], "rb") as f_ids, open(self.paths[1], "rb") as f_len:
                for n_tokens, n_sentences in self.sizes:
                    ids = np.fromfile(f_ids, np.int32, n_tokens)
                    lengths = np.fromfile(f_len, np.int64, n_sentences)
                    if len(ids) != n_tokens or len(lengths) != n_sentences:
                        raise InputError(f"the corpus cache in {self.folder} changed while it was written: "
                                         "run again, with a --corpus-cache folder of its own")
                    yield ids, lengths

    def __enter__(self) -> "_Chunks":
        return self

    def __exit__(self, *exc) -> None:
        _discard_temps(self)


class _FileOut:
    """Where the renumbered corpus goes: two hidden temporary files in the cache folder, mapped
    read-only once complete (:meth:`finish`); deleted on close unless ``read._publish`` renamed them."""

    def __init__(self, folder) -> None:
        self.folder = folder
        self.paths, self.files = [], []
        self.n_tokens = 0
        _open_temps(self, folder, (".ids.tmp", ".offsets.tmp"))
        try:
            with _cache_errors(folder):
                _write_array(self.files[1], np.zeros(1, np.int64))
        except BaseException:
            self.close()
            raise

    def add(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        offsets = self.n_tokens + np.cumsum(lengths, dtype=np.int64)
        with _cache_errors(self.folder):
            _write_array(self.files[0], ids.astype(np.int32, copy=False))
            _write_array(self.files[1], offsets)
        self.n_tokens += len(ids)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """The complete files, flushed to disk and mapped read-only: ``(ids, offsets)``."""
        with _cache_errors(self.folder):
            for f in self.files:
                f.flush()
                os.fsync(f.fileno())
                f.close()
            return np.memmap(self.paths[0], np.int32, "r"), np.memmap(self.paths[1], np.int64, "r")

    def close(self) -> None:
        _discard_temps(self)


def _discard_temps(holder) -> None:
    """Close ``holder.files`` and delete ``holder.paths`` (the temporary files of :func:`_open_temps`)."""
    for f in holder.files:
        with contextlib.suppress(OSError):
            f.close()
    for tmp in holder.paths:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def check_cache_dir(folder) -> None:
    """Fail now, with one line, if ``folder`` could not hold the corpus cache (it is created if missing)."""
    p = os.fspath(folder)
    if not p.strip():
        raise ConfigError("the --corpus-cache path is empty: give a folder")
    if os.path.exists(p) and not os.path.isdir(p):
        raise InputError(f"--corpus-cache {p} is a file, not a folder: give a folder (it is created if missing)")
    existing = os.path.abspath(p)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise InputError(f"--corpus-cache {p} cannot be created: {existing} is a file; give another folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--corpus-cache {p} is not writable ({existing} is read-only): choose another folder")


@contextlib.contextmanager
def _cache_errors(folder):
    """An OSError while writing the cache (a full disk, a lost permission) → one line."""
    try:
        yield
    except OSError as exc:
        raise InputError(f"cannot write the corpus cache in {folder}: {exc.strerror or exc}: "
                         "free some space, or choose another --corpus-cache") from None


def _mkstemp(folder, suffix: str) -> tuple[int, str]:
    with _cache_errors(folder):
        fd, tmp = tempfile.mkstemp(prefix=".corpus-cache.", suffix=suffix, dir=folder)
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # what open() would give, not mkstemp's 0600
        return fd, tmp


def _open_temps(owner, folder, suffixes) -> None:
    """Create one hidden temporary file per suffix in ``folder``: ``owner.paths``/``owner.files``
    (all removed again if one cannot be made)."""
    try:
        for suffix in suffixes:
            fd, tmp = _mkstemp(folder, suffix)
            owner.paths.append(tmp)
            owner.files.append(os.fdopen(fd, "wb"))
    except BaseException:
        for f in owner.files:
            f.close()
        for tmp in owner.paths:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise


def _cache_folder(folder) -> str:
    check_cache_dir(folder)
    folder = os.fspath(folder)
    with _cache_errors(folder):
        os.makedirs(folder, exist_ok=True)
    return folder


def _identity(path: str):
    """What names a regular corpus file's cache: its real path, inode, size and modification time.
    None for a pipe or device (its cache is never reused)."""
    signature = file_signature(path)
    return None if signature is None else [os.path.realpath(path), *signature]


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps([CACHE_VERSION, *parts]).encode()).hexdigest()[:32]


def _vocab_digest(words) -> str:
    return hashlib.sha256(json.dumps(list(words)).encode()).hexdigest()


def _entry(folder: str, key: str) -> tuple[str, str]:
    return os.path.join(folder, f"{key}.ids.int32"), os.path.join(folder, f"{key}.offsets.int64")


def _consistent(ids: np.ndarray, offsets: np.ndarray, n_words: int) -> bool:
    """Whether a cache entry is whole: offsets from 0 rising to the ids' length, ids in the vocabulary."""
    if len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != len(ids) or len(ids) == 0:
        return False
    step = 1 << 22
    for a in range(0, len(offsets) - 1, step):
        if not (np.diff(offsets[a : a + step + 1]) > 0).all():
            return False
    for a in range(0, len(ids), step):
        part = ids[a : a + step]
        if part.min() < 0 or part.max() >= n_words:
            return False
    return True


def _write_json(folder: str, name: str, value) -> None:
    fd, tmp = _mkstemp(folder, ".json.tmp")
    try:
        with _cache_errors(folder), os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(value))  # one call of the C encoder (json.dump streams it in Python)
        os.replace(tmp, os.path.join(folder, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _cached_vocab(folder: str, name: str, min_count: int):
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            value = json.load(f)
        words, counts = value["words"], value["counts"]
        if not (isinstance(words, list) and isinstance(counts, list) and words and len(words) == len(counts)
                and all(isinstance(w, str) and w for w in words)
                and all(isinstance(c, int) and c >= min_count for c in counts)
                and all(a >= b for a, b in zip(counts, counts[1:]))):
            return None
        return Vocab(words, counts)
    except (OSError, ValueError, KeyError, TypeError, W2VError):
        return None
