"""gensim's evaluations of :class:`~w2v_scratch.vectors.embeddings.Embeddings`:
``evaluate_word_analogies`` and ``evaluate_word_pairs``, with gensim's arguments and return types.

:class:`GensimEvaluations` is a mixin over ``self.unit_rows``, ``self.words`` and the searches of
:class:`~w2v_scratch.vectors.queries.Queries`; the ranking and the file reading are
:mod:`~w2v_scratch.vectors.evaluate`'s, so the answers are the same as ``w2v-scratch evaluate``'s.
"""

from __future__ import annotations

import codecs
import gzip

import numpy as np

from .evaluate import known_words, pair_judgement, predict_analogies, read_analogies, text_lines
from .queries import QueryError

ANALOGY_FUNCTIONS = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}


class GensimEvaluations:
    """gensim's analogy and word-pair evaluations (see the module's docstring)."""

    def evaluate_word_analogies(self, analogies, restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                                dummy4unknown: bool = False, similarity_function: str = "most_similar"):
        """gensim's analogy evaluation: ``(score, sections)``, ``sections`` a list of dicts
        ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}`` (words upper-cased when
        ``case_insensitive``) ending with a ``"Total accuracy"`` section, ``score`` its accuracy (0.0 when
        nothing was scored). Questions with a word outside the first ``restrict_vocab`` words are skipped,
        or counted incorrect with ``dummy4unknown``. The ranking is
        :func:`~w2v_scratch.vectors.evaluate.evaluate_analogies`'s
        (same answers as gensim). ``similarity_function="most_similar_cosmul"`` ranks by 3CosMul (gensim
        accepts the argument but always uses 3CosAdd); other names raise ``ValueError``."""

        if similarity_function not in ANALOGY_FUNCTIONS:
            raise QueryError(f"unknown similarity_function {similarity_function!r}: "
                             f"use one of {', '.join(ANALOGY_FUNCTIONS)}")
        sections = read_analogies(analogies, case_insensitive)
        if sections[0][0] is None:
            raise QueryError(f"Missing section header before the first question in {analogies}: "
                             "start the file with a line ': name'")
        known = known_words(self, restrict_vocab, case_insensitive)
        key = str.upper if case_insensitive else str
        scored = [q for _, questions in sections for q in questions if all(w in known for w in q)]
        rows = min(len(self), restrict_vocab or len(self))
        right = iter(predict_analogies(self, scored, known, key, rows, ANALOGY_FUNCTIONS[similarity_function]).tolist())
        out = []
        for name, questions in sections:
            section = {"section": name, "correct": [], "incorrect": []}
            for q in questions:
                if all(w in known for w in q):
                    section["correct" if next(right) else "incorrect"].append(q)
                elif dummy4unknown:
                    section["incorrect"].append(q)
            out.append(section)
        total = {"section": "Total accuracy", "correct": [q for s in out for q in s["correct"]],
                 "incorrect": [q for s in out for q in s["incorrect"]]}
        out.append(total)
        n = len(total["correct"]) + len(total["incorrect"])
        return (len(total["correct"]) / n if n else 0.0), out

    def evaluate_word_pairs(self, pairs, delimiter: str = "\t", encoding: str = "utf8",
                            restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False):
        """gensim's word-pair evaluation: ``(pearson, spearman, oov_ratio)``, SciPy's ``pearsonr`` and
        ``spearmanr`` results (each unpacks as ``(statistic, pvalue)``) between the gold scores of the
        lines ``word1<delimiter>word2<delimiter>score`` and the cosines, and the percentage of pairs with a
        word outside the first ``restrict_vocab`` words. Such pairs are left out, or scored 0.0 with
        ``dummy4unknown``. Same lines and numbers as :func:`~w2v_scratch.vectors.evaluate.evaluate_pairs` (and gensim);
        no usable known pair raises ``ValueError``."""
        from scipy import stats  # heavy, and needed only here

        known = known_words(self, restrict_vocab, case_insensitive)
        gold, rows, oov = [], [], 0
        for line in _text_lines(pairs, encoding):
            judgement = pair_judgement(line, delimiter, case_insensitive)
            if judgement is None:
                continue
            a, b, score = judgement
            if a not in known or b not in known:
                oov += 1
                if dummy4unknown:
                    gold.append(score)
                    rows.append((-1, -1))
                continue
            gold.append(score)
            rows.append((known[a], known[b]))
        if not gold:
            raise QueryError(f"No valid similarity judgements found in {pairs}: either invalid format or "
                             f"all are out-of-vocabulary in {self!r}")
        rows = np.array(rows, dtype=np.intp)
        known_pair = rows[:, 0] >= 0
        model = np.zeros(len(gold), np.float32)  # 0.0 for the pairs kept by dummy4unknown
        a, b = rows[known_pair, 0], rows[known_pair, 1]
        model[known_pair] = np.einsum("ij,ij->i", self.unit_rows(a), self.unit_rows(b))
        pearson, spearman = stats.pearsonr(gold, model), stats.spearmanr(gold, model)
        oov_ratio = 100.0 * oov / (len(gold) if dummy4unknown else len(gold) + oov)
        return pearson, spearman, oov_ratio


def _text_lines(path, encoding: str = "utf8"):
    """The lines of a text file (``.gz`` read too), CRLF turned into LF: UTF-8 files through
    :mod:`~w2v_scratch.vectors.evaluate`'s reader, other encodings (gensim's ``encoding=``) directly."""
    if codecs.lookup(encoding).name == "utf-8":
        yield from text_lines(path)
        return
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding=encoding) as f:
        yield from f
