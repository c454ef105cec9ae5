"""Word classes as word2vec.c's ``-classes N``: k-means on the word vectors.

What word2vec.c does (``TrainModel``, after training, instead of saving the vectors), and so what
:func:`word_classes` does:

* start from the class ``i % N`` for the word with id ``i`` (no randomness);
* 10 iterations of: each centroid is the sum of its words' *raw* vectors divided by (its word count
  + 1) (the C counts start at 1), then scaled to unit length; each word goes to the centroid with the
  largest dot product with its raw vector — the first one on a tie, and class 0 when no dot product
  exceeds −10 (the C search starts from ``closev = -10``);
* an empty class has a zero centroid, which the C tool divides by its zero length: NaN, a centroid
  no word is ever assigned to again. Here it scores −inf, to the same effect.

Since the centroids are unit vectors, a word goes to the centroid of largest *cosine* (its own length
does not change the argmax, barring the −10 floor), while a centroid is the direction of the *sum* of
its raw vectors, so longer vectors pull harder. The vectors are not normalised first.

Vectorised: each iteration is a sparse one-hot (N × V) product for the centroid sums and a dense
(V × d) · (d × N) product for the scores, both taken in row chunks of bounded size, in float64.
word2vec.c computes in float32 with sequential sums, so a word whose two best classes score within
float32 rounding of each other can land differently; otherwise the classes are the C tool's
(the tests compare with a plain-loop port and, where the binary is installed, with word2vec.c's
own ``-classes`` output on its own vectors). Once an iteration changes no class the remaining ones
would repeat it, so they are skipped.

:func:`save_classes` writes word2vec.c's format: one ``word class`` line per word, in vocabulary
order.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ..base.errors import ConfigError, FormatError, InputError
from ..base.files import atomic_write
from ..corpus.vocab import word_number_lines

ITERATIONS = 10  # word2vec.c's fixed count
CHUNK_BYTES = 32 << 20  # float64 workspace per chunk of rows
_FLOOR = -10.0  # word2vec.c's starting best score
REPORT_SECONDS = 10.0  # how often a long k-means run reports its progress


def _check_count(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def word_classes(vectors, n_classes: int, iterations: int = ITERATIONS, chunk_bytes: int = CHUNK_BYTES,
                 report: Callable[[str], None] | None = None) -> np.ndarray:
    """The class (int64, in ``0 .. n_classes−1``) of each row of ``vectors`` (V × d), by word2vec.c's
    k-means (see the module docstring). ``iterations=0`` gives the initial ``i % n_classes``.
    ``report`` (if given) gets a progress line at most every :data:`REPORT_SECONDS`, and one when
    the classes stop changing before the last iteration.

    With more classes than words, word ``i`` starts in class ``i`` and the classes from ``V`` on stay
    empty (never chosen), so only ``min(n_classes, V)`` centroids are held."""
    n_classes = _check_count(n_classes, "the number of classes", 1)
    iterations = _check_count(iterations, "the number of k-means iterations", 0)
    X = np.asarray(vectors)
    if X.ndim != 2 or not np.issubdtype(X.dtype, np.floating) and not np.issubdtype(X.dtype, np.integer):
        raise InputError(f"word classes need a V x d matrix of numbers, got shape {X.shape} of {X.dtype}")
    V, d = X.shape
    classes = np.arange(V, dtype=np.int64) % n_classes
    if V == 0 or iterations == 0:
        return classes
    n_classes = min(n_classes, V)  # the others stay empty: the same classes, without their centroids
    rows = max(1, int(chunk_bytes) // (8 * max(n_classes, d, 1)))
    chunks = [(s, min(s + rows, V)) for s in range(0, V, rows)]
    for s, e in chunks:
        if not np.isfinite(X[s:e]).all():
            raise InputError("the vectors hold NaN or infinite values: word classes need finite vectors")
    last_report = time.monotonic()
    for iteration in range(1, iterations + 1):
        changed = _iterate(X, classes, n_classes, chunks)
        if not changed:
            if report is not None and iteration < iterations:
                report(f"k-means: no word changed class in iteration {iteration}, so the classes are final "
                       f"(the other {iterations - iteration:,} iterations would repeat it)")
            break
        if report is not None and time.monotonic() - last_report >= REPORT_SECONDS:
            report(f"k-means iteration {iteration:,}/{iterations:,}: {changed:,} words changed class "
                   "(Ctrl-C stops, writing nothing)")
            last_report = time.monotonic()
    return classes


def _iterate(X, classes, n_classes: int, chunks) -> int:
    """One k-means iteration (module docstring), ``classes`` updated in place; returns how many
    words changed class."""
    d = X.shape[1]
    sums = np.zeros((n_classes, d))
    for s, e in chunks:
        one_hot = sp.csr_matrix((np.ones(e - s), (classes[s:e], np.arange(e - s))), shape=(n_classes, e - s))
        sums += one_hot @ X[s:e].astype(np.float64)
    cent = sums / (np.bincount(classes, minlength=n_classes) + 1)[:, None]
    norm = np.sqrt(np.einsum("ij,ij->i", cent, cent))
    live = norm > 0  # an empty class (or one whose vectors sum to 0) is NaN in word2vec.c: never chosen
    cent[live] /= norm[live, None]
    changed = 0
    for s, e in chunks:
        scores = X[s:e].astype(np.float64) @ cent.T
        scores[:, ~live] = -np.inf
        best = np.argmax(scores, axis=1)  # the first maximum, as the C loop's strict '>'
        best[scores[np.arange(e - s), best] <= _FLOOR] = 0
        changed += int(np.count_nonzero(best != classes[s:e]))
        classes[s:e] = best
    return changed


def save_classes(path, words, classes) -> None:
    """Write one ``word class`` line per word, in the given (vocabulary) order — word2vec.c's
    ``-classes`` output — atomically (:func:`w2v_scratch.base.files.atomic_write`)."""
    words = list(words)
    classes = np.asarray(classes)
    if classes.ndim != 1 or len(classes) != len(words):
        raise ConfigError(f"{len(words)} words but {classes.size} classes: give one class per word")
    if len(classes) and not np.issubdtype(classes.dtype, np.integer):
        raise ConfigError(f"classes must be integers, got {classes.dtype}")
    for w in words:
        if not isinstance(w, str) or not w or any(c.isspace() for c in w):
            raise FormatError(f"cannot write the word {w!r} in a 'word class' line: a word must be "
                              "non-empty, without spaces")
    with atomic_write(path, "w") as f:
        for w, c in zip(words, classes.tolist()):
            f.write(f"{w} {c}\n")


def load_classes(path) -> tuple[list[str], np.ndarray]:
    """Read a ``word class`` file (:func:`save_classes`, or word2vec.c's ``-classes``): the words in
    file order and their classes (int64)."""
    words, classes = [], []
    for _, word, number in word_number_lines(path, "classes file", "word class"):
        words.append(word)
        classes.append(number)
    return words, np.asarray(classes, dtype=np.int64)
