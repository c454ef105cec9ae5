"""The two recipes a run can follow, which one it gets, and the line that says so.

* ``textbook``: the NumPy reference trainer (``backend="reference"``) with the textbook's settings
  (``config.TEXTBOOK``: Adam at 0.01, minibatches of 512, min count 10, sample 1e-4), one thread.
* ``word2vec``: the fastest backend here (``backend="auto"``: cuda when a GPU is usable, else cpu
  on every core the process may use) with word2vec.c's settings (``config.WORD2VEC_C``).

A recipe is a backend and its defaults: ``TrainConfig.with_defaults`` picks the defaults from the
backend, so the textbook recipe is exactly ``backend="reference"`` and the word2vec recipe any
other backend. :func:`choose` decides a new run's recipe on the command line: the backend when
one is named, else the recipe named, else the corpus (the bundled PTB gets the textbook's run, a
user's own corpus the fast one). :func:`describe` is the first line of every run.
"""

from __future__ import annotations

from ..base.errors import ConfigError

RECIPES = ("textbook", "word2vec")
BACKEND = {"textbook": "reference", "word2vec": "auto"}  # the backend each recipe runs when none is named


def of_backend(backend: str) -> str:
    """The recipe a backend belongs to: reference is the textbook's, cpu, cuda and auto word2vec's."""
    return "textbook" if backend == "reference" else "word2vec"


def choose(recipe: str | None, backend: str | None, corpus, loss: str | None = None) -> tuple[str, str, str]:
    """``(recipe, backend, why)`` of a new run, from the recipe and backend asked for (None: not
    asked) and the corpus (None or ``"ptb"``: the bundled PTB). Both asked must agree. ``loss``
    ``"hs+ns"`` (both losses at once, which only the cpu backend trains) with neither asked gets
    the word2vec recipe on the cpu backend."""
    if recipe is not None and backend is not None:
        if of_backend(backend) != recipe:
            raise ConfigError(f"--recipe {recipe} and --backend {backend} disagree: the textbook recipe is the "
                              "reference trainer, the word2vec recipe cpu, cuda or auto (drop one of them)")
        return recipe, backend, f"--recipe {recipe}"
    if backend is not None:
        return of_backend(backend), backend, f"--backend {backend}"
    if recipe is not None:
        return recipe, BACKEND[recipe], f"--recipe {recipe}"
    if loss == "hs+ns":
        return "word2vec", "cpu", "--loss hs+ns trains on the cpu backend"
    if corpus is None or str(corpus) == "ptb":
        return "textbook", BACKEND["textbook"], "the default on the bundled PTB"
    return "word2vec", BACKEND["word2vec"], "the default on your own corpus"


def describe(recipe: str, why: str, cfg, asked: str, threads_given: bool, resuming: bool = False) -> str:
    """The first line of a run: the recipe, why, the backend that runs (``cfg.backend``; ``asked``:
    the one asked for, ``auto`` included), its threads, and how to get the other recipe (not when
    ``resuming``: a resumed run keeps its own)."""
    if cfg.backend == "cuda":
        where = "backend cuda" + (" (a GPU was found)" if asked == "auto" else "")
    elif cfg.backend == "cpu":
        n = cfg.threads
        where = (f"backend cpu{' (no GPU found)' if asked == 'auto' else ''}, {n:,} thread{'s' if n != 1 else ''}"
                 + ("" if threads_given or resuming else " (every core this process may use)"))
    else:
        where = "backend reference (NumPy), 1 thread"
    settings = "the textbook's settings" if recipe == "textbook" else "word2vec.c's settings"
    line = f"recipe {recipe} ({why}): {where}, {settings}"
    if resuming:
        return line
    if recipe == "textbook":
        return line + "; the fast one, word2vec.c's settings on cuda or cpu: --recipe word2vec"
    return line + "; the textbook's NumPy trainer: --recipe textbook"
