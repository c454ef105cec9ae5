"""Reading and writing vectors and models (word2vec text/binary, GloVe, native).

Every writer goes through :func:`atomic_write`: the data goes to a temporary
file in the destination folder, which is renamed over the destination only
once complete, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np

from .errors import InputError


@contextlib.contextmanager
def atomic_write(path, mode: str = "w"):
    """Open a temporary sibling of ``path`` for writing; rename it to ``path`` on success,
    delete it on any exception (KeyboardInterrupt included)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"output folder {folder} does not exist: create it first")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        kwargs = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def save_word2vec_text(path, words, vectors) -> None:
    """word2vec text format: a header ``count dim``, then ``word v1 ... vd`` per line."""
    vectors = np.asarray(vectors, dtype=np.float32)
    with atomic_write(path, "w") as f:
        f.write(f"{len(words)} {vectors.shape[1]}\n")
        for word, row in zip(words, vectors):
            f.write(word + " " + " ".join(f"{x:.6f}" for x in row) + "\n")
