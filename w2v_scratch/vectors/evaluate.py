"""Intrinsic evaluation: analogy accuracy and word-pair similarity correlation.

Both follow gensim's ``KeyedVectors.evaluate_word_analogies`` /
``evaluate_word_pairs`` exactly, so the numbers are comparable:

* only the first ``restrict_vocab`` words are searched and count as known; with
  ``case_insensitive`` every word is upper-cased and a test word takes the vector
  of its first (most frequent) case variant;
* a question or pair with an unknown word is skipped and counted apart
  (``skipped`` / ``oov``), never scored as wrong;
* an analogy ``a b c d`` is right when the best word for b − a + c among the
  known words, the three query words excluded (also as other case variants,
  looking at the top 5), is ``d``; lines that are not 4 words are ignored;
* Spearman's rho is over the pairs whose two words are known.

Analogy sections named ``gram*`` are syntactic, the other ``: `` sections semantic.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field

import numpy as np

from ..base.errors import ConfigError, FormatError, InputError
from ..base.inputs import open_input
from .cosine import cosines
from .ranking import COSMUL_EPS, top_k

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")  # w2v_scratch/data
METHODS = ("3cosadd", "3cosmul")
CANDIDATES = 5  # gensim looks at the top 5 answers to skip case variants of the query words
CHUNK_CELLS = 1 << 25  # questions per matrix product: at most 32M scores (128 MB) at a time


def bundled_analogies() -> list[str]:
    """Paths of the bundled analogy sets: the Google set ``questions-words.txt``."""
    return [os.path.join(DATA, "questions-words.txt.gz")]


def bundled_pairs() -> list[str]:
    """Paths of the bundled similarity sets: WordSim-353 and SimLex-999."""
    return [os.path.join(DATA, "wordsim353.tsv"), os.path.join(DATA, "simlex999.txt")]


def stem(path) -> str:
    """File name without folder and extensions (``.gz`` too): ``data/wordsim353.tsv`` → ``wordsim353``."""
    name = os.path.basename(os.fspath(path))
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[0]


# -- results ------------------------------------------------------------------------------
@dataclass
class SectionResult:
    name: str
    correct: int
    questions: int  # questions scored (all four words known)
    kind: str | None = None  # "semantic", "syntactic", or None for questions under no header

    @property
    def accuracy(self) -> float:
        """correct / questions, 0.0 when no question could be scored (as gensim)."""
        return self.correct / self.questions if self.questions else 0.0



@dataclass
class AnalogyResult:
    sections: list[SectionResult] = field(default_factory=list)
    skipped: int = 0  # questions with an unknown word

    @property
    def correct(self) -> int:
        return sum(s.correct for s in self.sections)

    @property
    def questions(self) -> int:
        return sum(s.questions for s in self.sections)

    @property
    def accuracy(self) -> float:
        """gensim's "Total accuracy": correct / scored questions over all sections."""
        return self.correct / self.questions if self.questions else 0.0

    def _part(self, kind: str) -> float | None:
        part = [s for s in self.sections if s.kind == kind]
        n = sum(s.questions for s in part)
        return sum(s.correct for s in part) / n if n else None

    @property
    def semantic(self) -> float | None:
        """Accuracy over the non-``gram`` sections (None when none was scored)."""
        return self._part("semantic")

    @property
    def syntactic(self) -> float | None:
        """Accuracy over the ``gram*`` sections (None when none was scored)."""
        return self._part("syntactic")

    def to_dict(self) -> dict:
        return {
            "accuracy": self.accuracy, "semantic": self.semantic, "syntactic": self.syntactic,
            "questions": self.questions, "correct": self.correct, "skipped": self.skipped,
            "sections": {s.name: {"accuracy": s.accuracy, "correct": s.correct, "questions": s.questions}
                         for s in self.sections},
        }

    @classmethod
    def combine(cls, results: dict[str, "AnalogyResult"]) -> "AnalogyResult":
        """Pool several files' results; section names get their file's stem when there are several."""
        if len(results) == 1:
            return next(iter(results.values()))
        out = cls()
        for name, r in results.items():
            for s in r.sections:
                out.sections.append(SectionResult(f"{name}/{s.name}", s.correct, s.questions, s.kind))
            out.skipped += r.skipped
        return out


@dataclass
class PairsResult:
    name: str
    spearman: float | None  # None with fewer than 2 known pairs, or constant scores
    pearson: float | None
    pairs: int  # pairs with both words known, used in the correlations
    oov: int  # pairs skipped for an unknown word

    @property
    def oov_ratio(self) -> float:
        """gensim's third return value: 100 · oov / (pairs + oov)."""
        return 100.0 * self.oov / (self.pairs + self.oov) if self.pairs + self.oov else 0.0

    def to_dict(self) -> dict:
        return {"spearman": self.spearman, "pearson": self.pearson, "pairs": self.pairs, "oov": self.oov}


# -- shared helpers ------------------------------------------------------------------------------
def known_words(emb, restrict_vocab: int | None, case_insensitive: bool) -> dict[str, int]:
    """word (upper-cased if ``case_insensitive``) → row, over the first ``restrict_vocab`` rows;
    the first row wins among case variants."""
    words = emb.words[:restrict_vocab]
    key = str.upper if case_insensitive else str
    known: dict[str, int] = {}
    for i, w in enumerate(words):
        known.setdefault(key(w), i)
    return known


MAX_LINE_CHARS = 1 << 20  # no line of an analogy or word-pair file is anywhere near this long


def text_lines(path):
    """The lines of a UTF-8 text file (``.gz`` read too), CRLF turned into LF. A line longer than
    :data:`MAX_LINE_CHARS` characters (say, a binary file or a device with no newline) stops the read
    with a FormatError, so memory stays bounded."""
    try:
        with open_input(path, "rt") as f:
            for lineno, line in enumerate(iter(lambda: f.readline(MAX_LINE_CHARS + 1), ""), 1):
                if len(line) > MAX_LINE_CHARS:
                    raise FormatError(f"{path}: line {lineno} is longer than {MAX_LINE_CHARS:,} characters: "
                                      "give a text file of short lines (an analogy or word-pair file)")
                yield line
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text: convert it to UTF-8") from None
    except (OSError, EOFError, zlib.error) as exc:  # a damaged .gz
        raise InputError(f"{path} is corrupt or truncated ({exc}): get a fresh copy of the file") from None


# -- analogies ---------------------------------------------------------------------------------------
def read_analogies(path, case_insensitive: bool = True) -> list[tuple[str | None, list[tuple[str, str, str, str]]]]:
    """``[(section, [(a, b, c, d), ...]), ...]`` from a ``questions-words.txt``-style file.

    ``: name`` lines start sections; lines that are not four words are ignored; questions
    before any header go to a section named None.
    """
    sections: list[tuple[str, list]] = []
    for line in text_lines(path):
        if line.startswith(": "):
            sections.append((line.lstrip(": ").strip(), []))
            continue
        words = line.split()
        if len(words) != 4:
            continue
        if not sections:
            sections.append((None, []))
        sections[-1][1].append(tuple(w.upper() for w in words) if case_insensitive else tuple(words))
    if not sections:
        raise FormatError(f"{path} holds no analogy questions: give lines of four words 'a b c d'")
    return sections


def _chunk_scores(emb, ia, ib, ic, R: int, method: str) -> np.ndarray:
    """Scores (n, R) of every candidate row for questions (a, b, c), from the raw vectors and their
    norms (no normalised copy; all questions of the chunk in one pass over the first R rows):
    3CosAdd cos(w, b − a + c) up to a positive factor per row;
    3CosMul c(w,b)·c(w,c) / (c(w,a) + 1e-6), c(w,x) = (1 + cos(w,x)) / 2."""
    n = len(ia)
    unit = emb.unit_rows(np.concatenate([ia, ib, ic]))
    ua, ub, uc = unit[:n], unit[n:2 * n], unit[2 * n:]
    if method == "3cosadd":
        return cosines(emb.vectors, emb.row_norms(), ub + uc - ua, 0, R)
    ca, cb, cc = (1.0 + cosines(emb.vectors, emb.row_norms(), unit, 0, R).reshape(3, n, R)) / 2.0
    return cb * cc / (ca + COSMUL_EPS)


def predict_analogies(emb, questions, known, key, R: int, method: str) -> np.ndarray:
    """For each in-vocabulary question (a, b, c, d), whether the prediction equals d."""
    ids = np.array([[known[w] for w in q[:3]] for q in questions], dtype=np.intp).reshape(-1, 3)
    right = np.zeros(len(questions), dtype=bool)
    step = max(1, CHUNK_CELLS // max(R * (3 if method == "3cosmul" else 1), 1))
    for start in range(0, len(questions), step):
        chunk = ids[start:start + step]
        scores = _chunk_scores(emb, chunk[:, 0], chunk[:, 1], chunk[:, 2], R, method)
        scores[np.arange(len(chunk))[:, None], chunk] = -np.inf  # the query words are never answers
        best, _ = top_k(scores, CANDIDATES)
        for r, row in enumerate(best.tolist()):
            a, b, c, expected = questions[start + r]
            predicted = None
            for j in row:  # first candidate that is not a case variant of a query word
                if j < 0:
                    break
                predicted = key(emb.words[j])
                if predicted not in (a, b, c):
                    break
            right[start + r] = predicted == expected
    return right


def evaluate_analogies(emb, path=None, restrict_vocab: int | None = 30000, case_insensitive: bool = True,
                       method: str = "3cosadd") -> AnalogyResult:
    """Accuracy on an analogy file (the bundled Google set when ``path`` is None), per section and in total.

    Same semantics as gensim's ``evaluate_word_analogies`` (``dummy4unknown=False``);
    ``method="3cosmul"`` ranks with 3CosMul instead (gensim accepts but ignores that choice).
    """
    if method not in METHODS:
        raise ConfigError(f"unknown analogy method {method!r}: use one of {', '.join(METHODS)}")
    if restrict_vocab is not None and restrict_vocab < 1:
        raise ConfigError(f"restrict_vocab must be positive (got {restrict_vocab})")
    path = bundled_analogies()[0] if path is None else path
    sections = read_analogies(path, case_insensitive)
    known = known_words(emb, restrict_vocab, case_insensitive)
    key = str.upper if case_insensitive else str
    R = min(len(emb), restrict_vocab or len(emb))
    result = AnalogyResult()
    scored, owner = [], []
    for s, (name, questions) in enumerate(sections):
        kind = None if name is None else "syntactic" if name.startswith("gram") else "semantic"
        result.sections.append(SectionResult(name or stem(path), 0, 0, kind))
        for q in questions:
            if all(w in known for w in q):
                scored.append(q)
                owner.append(s)
            else:
                result.skipped += 1
    right = predict_analogies(emb, scored, known, key, R, method)
    for s, ok in zip(owner, right.tolist()):
        result.sections[s].questions += 1
        result.sections[s].correct += ok
    return result


# -- word pairs ------------------------------------------------------------------------------------------
def pair_judgement(line: str, delimiter: str | None, case_insensitive: bool):
    """One line of a word-pair file as ``(word1, word2, score)``, or None for a comment (``#``), a blank
    line or a malformed one (not three fields, or a score that is not a number), which gensim skips too."""
    if not line or line.startswith("#"):
        return None
    parts = line.split(delimiter)
    if case_insensitive:
        parts = [p.upper() for p in parts]
    if len(parts) != 3:
        return None
    try:
        return parts[0], parts[1], float(parts[2])
    except ValueError:
        return None


def evaluate_pairs(emb, path=None, restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                   delimiter: str | None = None) -> PairsResult:
    """Spearman's rho (and Pearson's r) between the gold scores of a word-pair file and the
    cosines cos(v_a, v_b), over the pairs whose two words are known (gensim's
    ``evaluate_word_pairs``). Lines: ``a b score``, split on ``delimiter`` (any whitespace when
    None: tabs or spaces); ``#`` lines and malformed lines are ignored. ``path`` None: WordSim-353.
    """
    from scipy import stats  # deferred: scipy.stats is slow to import

    path = bundled_pairs()[0] if path is None else path
    known = known_words(emb, restrict_vocab, case_insensitive)
    gold, ia, ib, oov, lines = [], [], [], 0, 0
    for line in text_lines(path):
        judgement = pair_judgement(line, delimiter, case_insensitive)
        if judgement is None:
            continue
        a, b, score = judgement
        lines += 1
        if a not in known or b not in known:
            oov += 1
            continue
        gold.append(score)
        ia.append(known[a])
        ib.append(known[b])
    if not lines:
        raise FormatError(f"{path} holds no word pairs: give lines 'word1 word2 score' (tab or space separated)")
    model = np.einsum("ij,ij->i", emb.unit_rows(ia), emb.unit_rows(ib)) if gold else np.zeros(0)
    spearman = pearson = None
    if len(gold) >= 2 and np.ptp(model) > 0 and np.ptp(gold) > 0:
        spearman = float(stats.spearmanr(gold, model).statistic)
        pearson = float(stats.pearsonr(gold, model).statistic)
    return PairsResult(stem(path), spearman, pearson, len(gold), oov)
