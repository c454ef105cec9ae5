"""gensim 4's ``Word2Vec`` on this project's engine: gensim's signature, defaults, attributes,
return values and error types, trained by the cpu backend (word2vec.c's SGD, ``training/``).

    >>> from w2v_scratch.gensim import Word2Vec          # was: from gensim.models import Word2Vec
    >>> model = Word2Vec(sentences, vector_size=100, window=5, min_count=1, workers=4)
    >>> model.wv.most_similar("cat", topn=3)
    >>> model.save("w2v.model")                           # exactly that one file, never a pickle
    >>> model = Word2Vec.load("w2v.model")

The class is the native :class:`w2v_scratch.word2vec.Word2Vec` (its tables ``w_in``, ``context``,
``inner_nodes``, ``vocab``, ``history``) with gensim's attributes as plain attributes, as gensim
keeps them (``vector_size``, ``alpha``, ``sg``, ``hs``, ``negative``, ``epochs``...); its
:attr:`config` is made from them whenever the engine reads it.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
import warnings

import numpy as np

from ..base.errors import ConfigError
from ..base.files import fspath
from ..base.inputs import open_input
from ..corpus.vocab import Vocab
from ..textbook import sampling
from ..training import model_file, persist, run as train, vocab_growth
from ..training.config import TrainConfig
from ..word2vec import Word2Vec as NativeWord2Vec, _refuse_other_files, check_fits
from .absent import WORD2VEC as ABSENT, absent
from .inputs import RULE_DEFAULT, RULE_DISCARD, RULE_KEEP  # noqa: F401  (gensim.models.word2vec's names)
from .inputs import check_corpus, check_training, first_seen_first, keep_vocab_item
from .keyedvectors import KeyedVectors

logger = logging.getLogger(__name__)

MAX_WORDS_IN_BATCH = 10000  # gensim's batch_words default and its longest sentence
# gensim's attributes kept in a saved model (besides what its config holds)
SAVED = ("vector_size", "alpha", "min_alpha", "window", "min_count", "sample", "seed", "workers", "sg", "hs",
         "negative", "ns_exponent", "cbow_mean", "epochs", "max_vocab_size", "max_final_vocab", "sorted_vocab",
         "null_word", "batch_words", "compute_loss", "comment", "shrink_windows", "corpus_count",
         "corpus_total_words", "train_count", "total_train_time", "effective_min_count", "min_alpha_yet_reached")
# TrainConfig's option names in the engine's messages → gensim's keywords
MESSAGE_NAMES = (("--dim", "vector_size"), ("--threads", "workers"), ("--min-lr", "min_alpha"), ("--lr", "alpha"),
                 ("--ns-exponent", "ns_exponent"), ("--min-count", "min_count"), ("--epochs", "epochs"),
                 ("--window", "window"), ("--negative", "negative"), ("--sample", "sample"), ("--seed", "seed"))
PICKLE_FIX = ("in gensim, write model.wv.save_word2vec_format('vectors.bin', binary=True) and read that file with "
              "KeyedVectors.load_word2vec_format('vectors.bin', binary=True), or train the model here again")


class Word2Vec(NativeWord2Vec):
    """gensim 4's ``Word2Vec``: gensim's constructor (given ``sentences`` or ``corpus_file`` it
    builds the vocabulary and trains at once), ``build_vocab`` (``update=True`` grows the
    vocabulary), ``build_vocab_from_freq``, ``train``, ``wv``, ``syn1neg``/``syn1``,
    ``predict_output_word``, ``get_latest_training_loss``, ``estimate_memory``, ``save``/``load``
    (gensim's names not kept here are one-line AttributeErrors, ``absent.py``), with gensim's
    defaults (CBOW, negative sampling with 5 noise words, alpha 0.025 → 0.0001, min_count 5,
    sample 1e-3, 3 workers, 5 epochs) and error types. ``hs=1`` with ``negative`` > 0 trains both
    losses on the same input, as gensim. What differs from gensim:

    * training is the cpu backend's (``training/trainer_cpu.py``): skip-gram steps once per
      window, its pairs sharing their noise words (docs/math.md section 11), where gensim steps
      pair by pair; a sentence longer than
      10,000 words is cut into pieces (gensim drops the rest); with ``cbow_mean=0`` the error is
      added undivided to every context row, as word2vec.c does;
    * with ``hs=1`` Θ (:attr:`syn1`) has V − 1 rows, one per inner node of the Huffman tree
      (gensim allocates V);
    * after an online update the subsampling probabilities are recomputed for every word from the
      summed counts;
    * :meth:`get_latest_training_loss` is the loss of the examples trained in the epochs of the
      last ``train()`` call, measured on every 16th example and scaled to all of them, summed in
      float64 (gensim sums every example in float32, and a worker's sum can overwrite another's),
      added up at each epoch's end;
    * ``corpus_count`` counts the sentences left after long ones are cut and empty ones dropped,
      unless the corpus is a list (then its length, as gensim);
    * ``model.wv`` is one object until the vocabulary grows; after ``build_vocab(update=True)`` it
      is a new object (gensim grows the same one): read ``model.wv`` again;
    * refused with a ``ConfigError`` (one line): ``null_word=1``, ``sorted_vocab=0``,
      ``shrink_windows=False``; ``hashfxn`` and ``batch_words`` change nothing (as ``hashfxn`` in
      gensim 4); ``max_vocab_size`` prunes rare words while counting with gensim's rule
      (``corpus/encode.py``), which ``trim_rule`` does not steer there;
    * ``save`` writes one zip file of raw arrays and JSON (``training/model_file.py``), not a
      pickle; ``load`` reads it (``mmap`` is accepted; the arrays are read into memory), a native
      model (its .npz + .json pair), and names a gensim pickle without unpickling it.
    """

    # gensim keeps these as plain attributes: shadow the native class's read-only properties
    vector_size = alpha = min_alpha = window = min_count = sample = seed = workers = sg = hs = negative = None
    ns_exponent = cbow_mean = epochs = corpus_count = corpus_total_words = None

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, alpha=0.025, window=5, min_count=5,
                 max_vocab_size=None, sample=1e-3, seed=1, workers=3, min_alpha=0.0001, sg=0, hs=0, negative=5,
                 ns_exponent=0.75, cbow_mean=1, hashfxn=hash, epochs=5, null_word=0, trim_rule=None, sorted_vocab=1,
                 batch_words=MAX_WORDS_IN_BATCH, compute_loss=False, callbacks=(), comment=None, max_final_vocab=None,
                 shrink_windows=True) -> None:
        for name, given, value, why, here in (
                ("null_word", null_word, bool(null_word), "a padding word '\\0' at the end of the vocabulary, for "
                 "concatenated context vectors", "there is no padding word"),
                ("sorted_vocab", sorted_vocab, not sorted_vocab, "the vocabulary in order of first appearance",
                 "the vocabulary is always sorted by decreasing count"),
                ("shrink_windows", shrink_windows, not shrink_windows, "a fixed window of `window` words each side",
                 "the window radius is always drawn in 1..window, as word2vec.c does")):
            if value:
                raise ConfigError(f"{name}={given!r} is not supported: in gensim it gives {why}; here {here}: "
                                  f"leave {name} at its default")
        self._blank()
        self.vector_size, self.workers, self.epochs = int(vector_size), int(workers), epochs
        self.sg, self.alpha, self.min_alpha, self.window = int(sg), float(alpha), float(min_alpha), int(window)
        self.hs, self.negative, self.ns_exponent, self.cbow_mean = int(hs), int(negative), ns_exponent, int(cbow_mean)
        self.compute_loss, self.min_alpha_yet_reached = bool(compute_loss), float(alpha)
        self.max_final_vocab, self.max_vocab_size, self.min_count = max_final_vocab, max_vocab_size, min_count
        self.sample, self.seed, self.hashfxn, self.comment = sample, seed, hashfxn, comment
        self.sorted_vocab, self.null_word, self.shrink_windows = sorted_vocab, null_word, bool(shrink_windows)
        self.batch_words = batch_words
        self.layer1_size = self.vector_size
        if sentences is not None or corpus_file is not None:
            check_corpus(sentences, corpus_file, passes=epochs + 1)
            self.build_vocab(sentences, corpus_file, trim_rule=trim_rule)
            self.train(sentences, corpus_file, total_examples=self.corpus_count, total_words=self.corpus_total_words,
                       epochs=self.epochs, start_alpha=self.alpha, end_alpha=self.min_alpha,
                       compute_loss=self.compute_loss, callbacks=callbacks)
        elif trim_rule is not None or callbacks:
            logger.warning("trim_rule and callbacks are used only when sentences are given: ignored")

    def _blank(self) -> None:
        """The native state of a model without a vocabulary, and gensim's counters at zero."""
        self.vocab, self.w_in, self.context, self.inner_nodes, self._wv_cache = None, None, None, None, None
        self.history, self.state, self.callbacks, self._rng = [], {}, (), None
        self.progress, self.log = False, logger.info
        self.corpus_count, self.corpus_total_words, self.train_count, self.total_train_time = 0, 0, 0, 0.0
        self.effective_min_count, self.hashfxn, self.layer1_size = None, hash, None
        self._loss_from, self._loss_offset, self._loss_counted = 0, 0.0, False

    def __str__(self) -> str:
        """gensim's ``Word2Vec<vocab=V, vector_size=d, alpha=a>``."""
        return f"{type(self).__name__}<vocab={0 if self.vocab is None else len(self.vocab)}, " \
               f"vector_size={self.vector_size}, alpha={self.alpha}>"

    __repr__ = __str__

    # -- the engine's view of gensim's attributes -------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        """The engine's settings, made from gensim's attributes (the cpu backend; ``hs=1`` with
        ``negative`` > 0 is loss ``hs+ns``)."""
        loss = ("hs+ns" if self.negative else "hs") if self.hs else "ns"
        return TrainConfig(model="sg" if self.sg else "cbow", loss=loss, dim=self.vector_size, window=self.window,
                           negative=self.negative, epochs=self.epochs if self.epochs else 1,
                           min_count=max(1, self.min_count or 0), sample=self.sample, sample_rule="word2vec",
                           lr=self.alpha, min_lr=self.min_alpha, cbow_mean=bool(self.cbow_mean),
                           ns_exponent=self.ns_exponent, threads=self.workers, seed=self.seed, backend="cpu",
                           max_sentence_length=MAX_WORDS_IN_BATCH)

    @config.setter
    def config(self, cfg: TrainConfig) -> None:
        self.vector_size, self.window, self.epochs = cfg.dim, cfg.window, cfg.epochs
        self.seed, self.workers = cfg.seed, cfg.threads
        self.sg, self.cbow_mean, self.ns_exponent = int(cfg.model == "sg"), int(cfg.cbow_mean), cfg.ns_exponent
        parts = cfg.loss.split("+")
        self.hs, self.negative = int("hs" in parts), cfg.negative if "ns" in parts else 0
        for name, value in (("alpha", cfg.lr), ("min_alpha", cfg.min_lr), ("min_count", cfg.min_count),
                            ("sample", cfg.sample)):
            if value is not None:
                setattr(self, name, value)

    def _checked_config(self) -> TrainConfig:
        """:attr:`config` resolved and validated; a refusal names gensim's keywords. With ``hs=0``
        and ``negative=0`` (which gensim refuses only at train(), with a ValueError) it is checked
        as negative sampling."""
        cfg = self.config
        if not self.hs and not self.negative:
            cfg = dataclasses.replace(cfg, negative=5)
        try:
            return cfg.resolved()
        except ConfigError as exc:
            msg = str(exc)
            for option, keyword in MESSAGE_NAMES:
                msg = msg.replace(option, keyword)
            raise ConfigError(msg) from None

    # -- vocabulary --------------------------------------------------------------------------------
    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, progress_per=10000,
                    keep_raw_vocab=False, trim_rule=None, **kwargs) -> None:
        """gensim's ``build_vocab``: count the corpus (read once), keep the words counted
        ``min_count`` times (or as ``trim_rule`` says; ``max_final_vocab`` raises the threshold as
        gensim does), most frequent first, and allocate new vectors (gensim's init: uniform in
        [−1/d, 1/d) from ``seed``). ``update=True`` grows the vocabulary of a model that has one
        instead (``training/vocab_growth.py``): known words' counts add up, new words kept by the
        same rule are appended with new vectors (gensim's init) and zero output rows. ``min_count``
        and ``sample`` may be given as keywords (gensim's ``prepare_vocab``)."""
        unknown = set(kwargs) - {"min_count", "sample"}
        if unknown:
            raise TypeError(f"build_vocab() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        check_corpus(corpus_iterable, corpus_file, passes=1)
        corpus = corpus_iterable if corpus_iterable is not None else corpus_file
        counted = vocab_growth.count(corpus, MAX_WORDS_IN_BATCH, max_vocab_size=self.max_vocab_size)
        sentences = len(corpus) if isinstance(corpus, (list, tuple)) else counted.sentences
        if update:  # gensim appends an update's new words in order of first appearance
            counted = dataclasses.replace(counted, words=first_seen_first(counted.words, corpus))
        self._vocab_from(counted, sentences, update, trim_rule, **kwargs)

    def build_vocab_from_freq(self, word_freq, keep_raw_vocab=False, corpus_count=None, trim_rule=None,
                              update=False) -> None:
        """gensim's: the vocabulary from a ``{word: count}`` dict instead of a corpus."""
        pairs = sorted(((str(w), int(n)) for w, n in dict(word_freq).items()), key=lambda p: -p[1])
        found = Vocab([w for w, _ in pairs], [n for _, n in pairs])
        self._vocab_from(vocab_growth.Counted(found, corpus_count or 0, found.total), corpus_count or 0, update,
                         trim_rule)

    def _vocab_from(self, counted, sentences: int, update: bool, trim_rule, min_count=None, sample=None) -> None:
        """The vocabulary of ``counted`` (a new one, or ``update``: the model's grown)."""
        if sample is not None and not update:
            self.sample = sample
        min_count = min_count or self.min_count
        found = counted.words
        self.effective_min_count = min_count
        if self.max_final_vocab is not None and self.max_final_vocab < len(found):
            self.effective_min_count = max(int(found.counts[self.max_final_vocab]) + 1, min_count)

        def keep(word, n):
            return keep_vocab_item(word, n, self.effective_min_count, trim_rule)

        cfg = self._checked_config()
        if update:
            if self.vocab is None or not len(self.vocab):
                raise RuntimeError("You cannot do an online vocabulary-update of a model which has no prior "
                                   "vocabulary. First build the vocabulary of your model with a corpus before doing "
                                   "an online update.")
            self._grow_with(counted, keep, cfg)
        else:
            self.min_count = min_count
            kept = [i for i, (w, n) in enumerate(zip(found.words, found.counts.tolist())) if keep(w, n)]
            # gensim's order (sort_by_descending_frequency): most frequent first, equal counts the
            # last seen first; ``found`` holds equal counts in order of first appearance
            kept = [kept[i] for i in np.lexsort((-np.arange(len(kept)), -found.counts[kept]))]
            vocab = Vocab([found.words[i] for i in kept], found.counts[kept])
            if len(vocab):
                check_fits(cfg, vocab)
            self.vocab, self.history, self.state = vocab, [], {}
            self.w_in = self._gensim_rows(len(vocab))
            self.allocate_outputs()
        self.corpus_count, self.corpus_total_words = int(sentences), int(counted.tokens)

    def _gensim_rows(self, end: int) -> np.ndarray:
        """gensim's initial vectors of rows 0..end−1: uniform in [−1/d, 1/d) from ``seed``
        (``keyedvectors.prep_vectors``: the same numbers, bit for bit)."""
        rows = np.random.default_rng(seed=self.seed).random((end, self.vector_size), dtype=np.float32)
        rows *= 2.0
        rows -= 1.0
        rows /= self.vector_size
        return rows

    def _new_rows(self, first: int, end: int) -> np.ndarray:
        """New words' vectors as gensim gives them: rows first..end−1 of :meth:`_gensim_rows`."""
        return self._gensim_rows(end)[first:]

    def _make_wv(self) -> KeyedVectors:
        """The word vectors with gensim's per-word attributes: ``count`` and ``sample_int``, the
        probability that subsampling keeps the word (word2vec.c's rule, ``textbook/sampling.py``)
        × (2³² − 1), as gensim stores it."""
        wv = KeyedVectors(self.vocab.words, self.w_in, counts=self.vocab.counts, index=self.vocab.index)
        if len(self.vocab) and self.sample is not None and 0 <= self.sample < 1:
            keep = sampling.keep_probabilities(self.vocab.counts, float(self.sample), "word2vec")
            wv.allocate_vecattrs(["sample_int"], [np.uint32])
            wv.expandos["sample_int"][:] = keep * (2 ** 32 - 1)
        return wv

    @property
    def wv(self) -> KeyedVectors:
        """The word vectors as gensim's :class:`~w2v_scratch.gensim.KeyedVectors`, sharing
        ``w_in`` (one object while the vocabulary and ``w_in`` stay; empty before ``build_vocab``)."""
        if self.w_in is None:
            if self._wv_cache is None or self._wv_cache[0] is not None:
                self._wv_cache = (None, None, KeyedVectors(self.vector_size))
            return self._wv_cache[2]
        return NativeWord2Vec.wv.fget(self)

    # -- training ----------------------------------------------------------------------------------
    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None,
              start_alpha=None, end_alpha=None, word_count=0, queue_factor=2, report_delay=1.0, compute_loss=False,
              callbacks=(), **kwargs) -> tuple[int, int]:
        """gensim's ``train``: ``epochs`` epochs (required) on the corpus, the rate decaying
        linearly from ``start_alpha`` (default: ``alpha``) to ``end_alpha`` (default:
        ``min_alpha``), which become the model's ``alpha``/``min_alpha`` as in gensim; ``epochs``
        becomes ``model.epochs``. ``total_examples`` or ``total_words`` must be given (gensim's
        ValueError), but the schedule is measured on the corpus itself. Returns (words trained
        after subsampling, raw words including unknown ones), summed over the epochs; a corpus
        with no known word trains nothing and returns (0, raw words)."""
        self.alpha = start_alpha or self.alpha
        self.min_alpha = end_alpha or self.min_alpha
        self.epochs = epochs
        check_training(self, epochs, total_examples, total_words)
        check_corpus(corpus_iterable, corpus_file, passes=epochs)
        if corpus_file is not None and total_words is None:
            raise ValueError("total_words must be provided alongside corpus_file argument.")
        self.compute_loss = compute_loss
        self._loss_counted = bool(compute_loss)
        self.running_training_loss = 0.0
        corpus = corpus_iterable if corpus_iterable is not None else corpus_file
        if not isinstance(corpus, (str, os.PathLike)) and iter(corpus) is corpus:
            corpus = list(corpus)  # one pass counts the raw words, another trains
        raw, known = self._raw_words(corpus)
        self._checked_config()
        start = time.perf_counter()
        if known:
            trained, _ = train.train_more(self, corpus, epochs=epochs, lr=self.alpha, min_lr=self.min_alpha,
                                          progress=False, log=logger.info, callbacks=callbacks)
            self._trained()
        else:  # gensim trains nothing, calls the callbacks and counts the raw words
            trained, hooks = 0, train.Callbacks(self, callbacks, epochs)
            hooks.train_begin()
            for _ in range(epochs):
                hooks.epoch_end({})
            hooks.train_end()
        self.train_count += 1
        self.total_train_time += time.perf_counter() - start
        self.min_alpha_yet_reached = self.min_alpha
        return int(trained), int(raw) * epochs

    def _raw_words(self, corpus) -> tuple[int, bool]:
        """The raw words of ``corpus`` (as gensim counts them: every token) and whether any is in
        the vocabulary."""
        index, raw, known = self.vocab.index, 0, False
        if isinstance(corpus, (str, os.PathLike)):
            lines = open_input(corpus, "rt", what="corpus file")
            sentences = (line.split() for line in lines)
        else:
            lines, sentences = None, corpus
        try:
            for sentence in sentences:
                tokens = sentence if hasattr(sentence, "__len__") else list(sentence)
                raw += len(tokens)
                known = known or any(isinstance(w, str) and w in index for w in tokens)
        finally:
            if lines is not None:
                lines.close()
        return raw, known

    # -- the loss ----------------------------------------------------------------------------------
    @property
    def running_training_loss(self) -> float:
        """gensim's running loss: since the start of the last ``train()`` (or the last assignment
        to this attribute), the sum over the finished epochs of each epoch's loss per example
        times its examples (``history.py``); 0.0 when that train() had ``compute_loss=False``."""
        if not self._loss_counted:
            return self._loss_offset
        return self._loss_offset + float(sum(r["loss"] * r["examples"] for r in self.history[self._loss_from:]))

    @running_training_loss.setter
    def running_training_loss(self, value) -> None:
        self._loss_from, self._loss_offset = len(self.history), float(value)

    def get_latest_training_loss(self) -> float:
        """gensim's: :attr:`running_training_loss` (the project's per-example mean of the last
        epoch is :meth:`epoch_loss`)."""
        return self.running_training_loss

    def __getattr__(self, name: str):
        """Only for names not found otherwise: gensim's names that are not kept here are refused in
        one line naming gensim's meaning and the way to get it."""
        raise absent(self, name, ABSENT)

    add_lifecycle_event = KeyedVectors.add_lifecycle_event

    def estimate_memory(self, vocab_size=None, report=None) -> dict:
        """gensim's estimate, in bytes, of the model's memory for ``vocab_size`` words (default: the
        vocabulary's): ``vocab`` is gensim's guess of 500 bytes per word (700 with ``hs``), then
        W_in (``vectors``), W_out (``syn1neg``, with ``negative``) and Θ (``syn1``, V − 1 rows here,
        with ``hs``) as float32, and their ``total``."""
        vocab_size = len(self.vocab) if vocab_size is None and self.vocab is not None else int(vocab_size or 0)
        report = report or {}
        row = self.vector_size * np.dtype(np.float32).itemsize
        report["vocab"] = vocab_size * (700 if self.hs else 500)
        report["vectors"] = vocab_size * row
        if self.hs:
            report["syn1"] = max(vocab_size - 1, 0) * row
        if self.negative:
            report["syn1neg"] = vocab_size * row
        report["total"] = sum(report.values())
        return report

    # -- the output tables and what uses them ---------------------------------------------------
    @property
    def syn1neg(self) -> np.ndarray:
        """W_out (``context``, the same array): present with negative sampling, as in gensim."""
        if self.context is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'syn1neg'")
        return self.context

    @syn1neg.setter
    def syn1neg(self, value) -> None:
        self.context = value

    @property
    def syn1(self) -> np.ndarray:
        """Θ (``inner_nodes``, the same array, V − 1 rows): present with ``hs=1``, as in gensim."""
        if self.inner_nodes is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'syn1'")
        return self.inner_nodes

    @syn1.setter
    def syn1(self, value) -> None:
        self.inner_nodes = value

    def predict_output_word(self, context_words_list, topn=10):
        """gensim's: the ``topn`` most probable center words given the context words (words or row
        indices; unknown ones skipped) as (word, probability) pairs — softmax over W_out of the
        mean (``cbow_mean``) or sum of their vectors. None (and a warning) when none is known;
        a RuntimeError without negative sampling, as in gensim."""
        if not self.negative:
            raise RuntimeError("We have currently only implemented predict_output_word for the negative sampling "
                               "scheme, so you need to have run word2vec with negative > 0 for this to work.")
        if self.w_in is None or self.context is None:
            raise RuntimeError("Parameters required for predicting the output words not found.")
        wv = self.wv
        rows = [wv.get_index(w) for w in context_words_list if w in wv]
        if not rows:
            logger.warning("All the input context words are out-of-vocabulary for the current model.")
            return None
        h = np.sum(self.w_in[rows], axis=0)
        if self.cbow_mean:
            h /= len(rows)
        scores = np.dot(h, self.context.T)
        prob = np.exp(scores - scores.max())
        prob /= np.sum(prob)
        top = np.argsort(-prob, kind="stable")[:topn]
        return [(self.vocab.words[i], prob[i]) for i in top.tolist()]

    def init_sims(self, replace=False) -> None:
        """gensim's deprecated ``init_sims``: the vectors' norms (``wv.init_sims``)."""
        warnings.warn("init_sims() is deprecated in gensim 4: call model.wv.get_vector(key, norm=True) or "
                      "model.wv.fill_norms() instead", DeprecationWarning, stacklevel=2)
        self.wv.init_sims(replace=replace)

    # -- files -------------------------------------------------------------------------------------
    def save(self, fname_or_handle, separately=None, sep_limit=10 * 1024 ** 2, ignore=frozenset(),
             pickle_protocol=4) -> None:
        """Write the model to exactly the file named (``training/model_file.py``: a zip of raw
        arrays and JSON, never a pickle); gensim's other arguments, about its pickle, change nothing."""
        fspath(fname_or_handle, "Word2Vec.save", "w2v.model")
        self.state["gensim"] = {name: getattr(self, name) for name in SAVED}
        try:
            model_file.save(self, fname_or_handle)
        finally:
            del self.state["gensim"]

    @classmethod
    def load(cls, fname, mmap=None, **kwargs) -> "Word2Vec":
        """A model written by :meth:`save`, or a native model (``path.npz`` + ``path.json``).
        ``mmap`` (None, 'r', 'r+', 'c') is accepted; the arrays are read into memory. A gensim
        pickle is named as one in a FormatError, never unpickled."""
        if mmap not in (None, "r", "r+", "c"):
            raise ValueError(f"mmap must be None, 'r', 'r+' or 'c' (got {mmap!r})")
        if kwargs:
            raise TypeError(f"load() got an unexpected keyword argument {sorted(kwargs)[0]!r}")
        fspath(fname, "Word2Vec.load", "w2v.model")
        if model_file.is_model_file(fname):
            return cls._from_saved(model_file.read(fname))
        _refuse_other_files(fname, PICKLE_FIX, "is not a model written by Word2Vec.save (nor a native model's "
                            ".npz + .json pair): give the path given to save()")
        return cls._from_saved(persist.read_model(fname))

    @classmethod
    def _from_saved(cls, saved) -> "Word2Vec":
        model = cls.__new__(cls)
        model._blank()
        model.config = dataclasses.replace(saved.config)
        model.alpha, model.min_alpha = saved.config.lr, saved.config.min_lr
        model.max_vocab_size = model.max_final_vocab = model.comment = None
        model.sorted_vocab, model.null_word, model.batch_words, model.shrink_windows = 1, 0, MAX_WORDS_IN_BATCH, True
        model.compute_loss, model.min_alpha_yet_reached = False, saved.config.lr
        state = dict(saved.state)
        model.corpus_count = int(state.get("corpus_sentences", 0))  # a native model's; gensim's saved below
        model.corpus_total_words = int(state.get("corpus_tokens", 0))
        for name, value in state.pop("gensim", {}).items():
            if name in SAVED:
                setattr(model, name, value)
        model.layer1_size = model.vector_size
        model.vocab, model.w_in = saved.vocab, saved.center
        model.context, model.inner_nodes = saved.context, saved.inner_nodes
        model.history, model.state = saved.history, state
        return model
