"""Phrases on corpus files: word2vec.c's ``word2phrase`` as :func:`learn_phrases` (learn one
:class:`~w2v_scratch.corpus.phrase_model.Phrases` model per threshold, each on the output of the
previous), :func:`write_phrased` and :func:`phrase_corpus` (learn, then write the joined text).

The model itself — the two scorings, the two ways to count, the departures from word2phrase.c — is
``phrase_model.py``'s; its names are importable from here too.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Iterable

import numpy as np

from ..base.errors import ConfigError, InputError
from ..base.files import atomic_write, check_outputs
from .phrase_model import (BATCH_TOKENS, COUNTINGS, DEFAULT_MIN_COUNT, DEFAULT_THRESHOLD, DELIMITER,  # noqa: F401
                           SCORINGS, Phrases, _batches, _check_options)
from .read import _REPORT_SECONDS, MAX_SENTENCE_LENGTH, iter_sentences, resolve


def _apply_all(models: list[Phrases], batches: Iterable[tuple[list[str], np.ndarray]]):
    for flat, lengths in batches:
        for model in models:
            flat, lengths = model._apply(flat, lengths)
        yield flat, lengths


class _Counted:
    """A corpus read as batches, counting its tokens (to check that every read sees the same text);
    given ``report``, a read longer than ``_REPORT_SECONDS`` says how far it got, under ``label``."""

    def __init__(self, path: str, max_sentence_length: int, report: Callable[[str], None] | None = None) -> None:
        self.path, self.max_sentence_length, self.report = path, max_sentence_length, report
        self.tokens = 0
        self.label = "reading"

    def __iter__(self):
        self.tokens = 0
        last_report = time.monotonic()
        for flat, lengths in _batches(iter_sentences(self.path, self.max_sentence_length)):
            self.tokens += len(flat)
            yield flat, lengths
            if self.report is not None and time.monotonic() - last_report >= _REPORT_SECONDS:
                self.report(f"{self.label}: {self.tokens:,} tokens of {self.path} so far")
                last_report = time.monotonic()


def _rereadable(corpus) -> str:
    path = resolve(corpus)
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        raise ConfigError(f"phrases read the corpus more than once, and {path} is a pipe or device: "
                          "save the text to a file first")
    return path


def learn_phrases(corpus, thresholds: Iterable[float | None] = (None,), min_count: int = DEFAULT_MIN_COUNT,
                  scoring: str = "word2vec", delimiter: str = DELIMITER, max_bigrams: int | None = None,
                  counting: str = "tool", max_sentence_length: int = MAX_SENTENCE_LENGTH,
                  report: Callable[[str], None] | None = None) -> list[Phrases]:
    """One :class:`Phrases` per threshold, each learned on the corpus file (a path or ``ptb``) as the
    previous ones transform it (streamed: pass k reads the file once and applies passes 1..k−1 on the
    fly). ``thresholds=(200, 100)`` is word2vec.c's two-pass recipe; None means the scoring's default."""
    thresholds = list(thresholds)
    if not thresholds:
        raise ConfigError("give at least one phrase threshold (one per pass)")
    options = dict(min_count=min_count, scoring=scoring, delimiter=delimiter, max_bigrams=max_bigrams,
                   counting=counting)
    for t in thresholds:
        _check_options(threshold=t, **options)
    path = _rereadable(corpus)
    source = _Counted(path, max_sentence_length, report)
    models: list[Phrases] = []
    for k, threshold in enumerate(thresholds, 1):
        source.label = f"phrase pass {k}/{len(thresholds)}"
        model = Phrases(threshold=threshold, **options)
        model._count_batches(_apply_all(models, source))
        if models and source.tokens != models[0].n_words:
            raise InputError(f"corpus {path} changed while it was read ({models[0].n_words:,} tokens, then "
                             f"{source.tokens:,}): phrase it again once it is complete")
        if not model.n_words:
            raise InputError(f"corpus {path} holds no words: give a non-empty text file")
        models.append(model)
        if report is not None:
            report(f"phrase pass {k}/{len(thresholds)}: {model.n_words:,} tokens, {model.n_unigrams:,} words, "
                   f"{model.n_bigrams:,} bigrams, {len(model):,} phrases above threshold {model.threshold:g}")
    return models


def write_phrased(corpus, output, models: list[Phrases], max_sentence_length: int = MAX_SENTENCE_LENGTH,
                  report: Callable[[str], None] | None = None) -> dict:
    """Write the corpus with every model's phrases joined (in order), one sentence per line, through
    :func:`w2v_scratch.base.files.atomic_write` (a crash leaves no half-written file). The output may not
    be the input. Returns ``{"sentences", "tokens_in", "tokens_out"}``."""
    path = _rereadable(corpus)
    check_outputs({"phrase output": output}, {"corpus": path})
    source = _Counted(path, max_sentence_length, report)
    source.label = f"writing {output}"
    n_sentences = n_out = 0
    with atomic_write(output, "w") as f:
        for flat, lengths in _apply_all(list(models), source):
            seps = np.full(len(flat), " ", dtype=object)
            seps[np.cumsum(lengths) - 1] = "\n"
            parts: list = [None] * (2 * len(flat))
            parts[0::2] = flat
            parts[1::2] = seps.tolist()
            f.write("".join(parts))
            n_sentences += len(lengths)
            n_out += len(flat)
        if models and source.tokens != models[0].n_words:
            raise InputError(f"corpus {path} changed while it was read ({models[0].n_words:,} tokens, then "
                             f"{source.tokens:,}): phrase it again once it is complete")
    if report is not None:
        report(f"wrote {n_sentences:,} sentences, {n_out:,} tokens ({source.tokens:,} before joining) to {output}")
    return {"sentences": n_sentences, "tokens_in": source.tokens, "tokens_out": n_out}


def phrase_corpus(corpus, output, thresholds: Iterable[float | None] = (None,), min_count: int = DEFAULT_MIN_COUNT,
                  scoring: str = "word2vec", delimiter: str = DELIMITER, max_bigrams: int | None = None,
                  counting: str = "tool", max_sentence_length: int = MAX_SENTENCE_LENGTH,
                  report: Callable[[str], None] | None = None) -> list[Phrases]:
    """word2phrase as one call: learn one pass per threshold (:func:`learn_phrases`), then write the
    phrased corpus to ``output`` (:func:`write_phrased`). The corpus is read ``len(thresholds) + 1``
    times, so it must be a file (not a pipe). The output is checked before any work starts."""
    path = _rereadable(corpus)
    check_outputs({"phrase output": output}, {"corpus": path})
    models = learn_phrases(path, thresholds, min_count=min_count, scoring=scoring, delimiter=delimiter,
                           max_bigrams=max_bigrams, counting=counting,
                           max_sentence_length=max_sentence_length, report=report)
    write_phrased(path, output, models, max_sentence_length=max_sentence_length, report=report)
    return models
