"""``Word2Vec``: the object a Python user trains, queries and saves.

    >>> from w2v_scratch import Word2Vec
    >>> model = Word2Vec(model="sg", loss="ns", epochs=5).fit("ptb")   # a file, "ptb", or token lists
    >>> model.wv.most_similar("chip", topn=3)
    >>> model.save("ptb-model")          # native .npz + .json, no pickle

The project's own names (the fields of :class:`~w2v_scratch.training.config.TrainConfig`: ``model``,
``loss``, ``dim``, ``lr``, ``threads``...) are the primary API. gensim's constructor, keywords,
``build_vocab``/``train`` and callbacks work too (:class:`Word2Vec` lists what differs)::

    >>> model = Word2Vec(sentences, vector_size=100, window=5, min_count=1, workers=4)

The parameters have docs/math.md's names (its glossary), the same in the NumPy reference and the kernels:

* ``w_in``  (V, d): the input vectors W_in (word2vec.c's ``syn0``) — the word vectors;
* ``w_out``: the output table — W_out (V, d) for NS and the full softmax (``syn1neg``), or Θ
  (V−1, d), one vector per Huffman inner node, for HS (``syn1``); with both losses at once
  (``hs+ns``) ``w_out`` is W_out and Θ is ``inner_nodes`` beside it.

Their old names still read and write the same arrays, and a saved model's file keeps them as its
keys: ``center`` (W_in), ``context`` (W_out), ``inner_nodes`` (Θ).
"""

from __future__ import annotations

import os
import sys

import numpy as np

from .training import model_file, persist, run as train, vocab_growth
from .training.checkpoint import Checkpointer, read_checkpoint
from .training.config import TrainConfig, check_memory, config_from_params
from .base.errors import ConfigError, FormatError, VocabError
from .base.files import fspath
from .vectors.sniff import foreign_file
from .vectors.keyedvectors import KeyedVectors
from .textbook.sampling import keep_probabilities
from .corpus.vocab import Vocab


def _setting(field: str, convert=None, doc: str = "") -> property:
    """A read-only gensim attribute: the config's ``field`` (its backend's default when unset)."""
    def get(self):
        value = getattr(self.config.with_defaults(), field)
        return convert(self, value) if convert else value

    return property(get, doc=doc or f"gensim's name for ``config.{field}`` (read-only).")


class Word2Vec:
    """Word vectors trained by word2vec: skip-gram or CBOW, with negative sampling or hierarchical
    (or, reference backend, full) softmax, or (cpu backend) hierarchical softmax and negative
    sampling at once (``loss="hs+ns"``).

    ``Word2Vec(**params)`` takes TrainConfig's fields, or a ``TrainConfig`` (first argument or
    ``config=``, keywords then replace its fields); ``fit(corpus)`` trains. Without a ``backend``
    it is ``"cpu"``: word2vec.c's SGD in the Numba kernels with word2vec.c's defaults (min count 5,
    sample 1e-3, lr 0.025 skip-gram / 0.05 CBOW), on every core when ``threads`` is not given
    (``config.fast_threads``). ``backend="reference"`` is the textbook's NumPy trainer (Adam, min
    count 10, sample 1e-4) — the default of ``TrainConfig()`` and of ``w2v-scratch train``. With
    ``threads=1`` and a seed a run is reproducible; more threads race (Hogwild), as in word2vec.c
    and gensim.

    gensim's constructor works as well: given ``sentences`` (token lists, or a path) or
    ``corpus_file`` it trains at once. Its keywords map to fields (``config.gensim_fields``):
    ``vector_size``→dim; ``workers``→threads; ``alpha``/``min_alpha``→lr/min_lr; ``sg=1``/``0``→
    model "sg"/"cbow"; ``hs=0`` with ``negative`` > 0→loss "ns", ``hs=1, negative=0``→loss "hs",
    ``hs=1`` with ``negative`` > 0→loss "hs+ns" (both at once, as gensim);
    ``cbow_mean`` 1/0→True/False; window, min_count, max_vocab_size, max_final_vocab (gensim's
    meanings), sample, seed, epochs, negative, ns_exponent keep their names.
    ``compute_loss``, ``batch_words`` and ``comment`` are accepted and change nothing (the loss is
    always recorded). What differs from gensim:

    * skip-gram is the default model (gensim's is CBOW, ``sg=0``): pass ``sg=0`` for CBOW;
    * CBOW's default rate is word2vec.c's 0.05 (gensim: 0.025); min_alpha defaults to lr·1e-4
      (gensim: 0.0001); workers defaults to every core (gensim: 3);
    * ``hs=0, negative=0`` is refused at once (gensim raises at train(): it trains nothing);
    * CBOW with ``cbow_mean=0`` (sum) adds the error undivided to every context row, as word2vec.c
      does (gensim divides it by the number of context words); the mean mode is word2vec.c's in both;
    * :meth:`get_latest_training_loss` is the last epoch's mean loss per example, :meth:`epoch_loss`
      (gensim: a running sum over the train() call, 0 unless compute_loss=True — the loss of
      ``w2v_scratch.gensim.Word2Vec``);
    * a one-shot generator works for ``fit`` and the constructor (the corpus is read once; gensim needs
      a re-iterable), but ``build_vocab`` then ``train`` reads the corpus twice, and a generator read
      before is refused as used up (``sentences.load``): give a list or a re-iterable there; a sentence
      longer than 10,000 tokens is cut into pieces, none dropped (gensim drops the rest);
    * ``build_vocab(more, update=True)`` grows the vocabulary as gensim's does, but new words' vectors
      start with word2vec.c's init (gensim's own surface, ``w2v_scratch.gensim``, uses gensim's);
    * refused with a ConfigError: ``trim_rule``, ``sorted_vocab=0``, ``null_word=1``,
      ``shrink_windows=False``, a ``hashfxn`` other than ``hash``.

    ``callbacks`` (gensim's ``CallbackAny2Vec`` shape, ``training.run.Callbacks``) are kept and used by
    the constructor's training and by :meth:`fit`; :meth:`train` uses those it is given, as gensim.
    ``progress`` (a progress bar) and ``log`` (where the run's lines go; default stderr) are the
    defaults of fit/build_vocab/train. An unknown keyword is a TypeError.
    """

    def __init__(self, sentences=None, *, config: TrainConfig | None = None, corpus_file=None, callbacks=(),
                 compute_loss: bool = False, comment=None, progress: bool = True, log=None, **params) -> None:
        if isinstance(sentences, TrainConfig):
            if config is not None:
                raise ConfigError("two configs given (first argument and config=): give one")
            sentences, config = None, sentences
        if config is not None and not isinstance(config, TrainConfig):
            raise ConfigError(f"config must be a TrainConfig (got {type(config).__name__}): give sentences as the "
                              "first argument, options as keywords")
        self.config = config_from_params(params, base=config) if params or config is None else config
        self.vocab: Vocab | None = None
        self.w_in: np.ndarray | None = None   # W_in, V×d: the word vectors
        self.context: np.ndarray | None = None      # W_out (V×d): NS, the full softmax, hs+ns
        self.inner_nodes: np.ndarray | None = None  # Θ ((V−1)×d), the Huffman inner nodes: hs, hs+ns
        self._wv_cache: tuple | None = None  # (vocab, w_in, the KeyedVectors made of them)
        self.history: list[dict] = []  # one record per epoch: loss, words/sec, ...
        self.state: dict = {}  # position in the run, for checkpoints and resume
        self.callbacks = train.checked_callbacks(callbacks)
        self.compute_loss, self.comment = compute_loss, comment  # gensim's; the loss is always recorded
        self.progress, self.log = progress, log
        self._rng = None  # build_vocab's generator, for the train() that follows it
        if sentences is not None or corpus_file is not None:
            self.fit(_one_corpus(sentences, corpus_file, "sentences"))

    def __repr__(self) -> str:
        """``Word2Vec(model='sg', loss='ns', dim=100, backend='cpu', vocab=10,000 words, trained 5 epochs)``."""
        c = self.config
        state = "not trained"
        if self.vocab is not None:
            n = len(self.history)
            state = f"vocab={len(self.vocab):,} words, trained {n} epoch{'' if n == 1 else 's'}"
        return f"Word2Vec(model={c.model!r}, loss={c.loss!r}, dim={c.dim}, backend={c.backend!r}, {state})"

    # -- training -------------------------------------------------------------
    def fit(self, corpus="ptb", progress: bool | None = None, log=None, checkpoint=None,
            checkpoint_every: float | None = None, callbacks=None) -> "Word2Vec":
        """Build the vocabulary of ``corpus`` (a path, ``"ptb"``, or an iterable of token lists,
        read once: ``sentences.py``), then train on it; returns the model.

        With ``checkpoint=PATH`` the full training state is written to PATH.npz/.json every
        ``checkpoint_every`` seconds and on Ctrl-C; :meth:`resume` carries such a run on.
        ``callbacks``: default, the constructor's. ``progress``/``log``: default, the constructor's.
        """
        log = log or self.log
        train.fit(self, corpus, progress=self.progress if progress is None else progress, log=log,
                  checkpointer=Checkpointer(checkpoint, checkpoint_every, log or _stderr),
                  callbacks=self.callbacks if callbacks is None else callbacks)
        self._trained()
        return self

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update: bool = False, progress_per: int = 10000,
                    keep_raw_vocab: bool = False, trim_rule=None, *, progress: bool | None = None,
                    log=None) -> None:
        """gensim's ``build_vocab``: read the corpus once (token lists or ``corpus_file``), keep its
        vocabulary (``min_count``, ``max_vocab``, or the config's ``read_vocab``; written to its
        ``save_vocab`` when set) and allocate new vectors — a new model, as gensim's; :meth:`train`
        then trains them. Sets
        :attr:`corpus_count` and :attr:`corpus_total_words`. ``progress_per`` and
        ``keep_raw_vocab`` change nothing; a ``trim_rule`` is refused.

        ``update=True`` grows the vocabulary of a model that has one instead (gensim's online
        vocabulary, ``training/vocab_growth.py``): the new corpus's counts add to its words', its
        words counted ``min_count`` times are appended with new W_in rows (word2vec.c's uniform
        init) and zero output rows; the next :meth:`train` draws noise words and builds the Huffman
        tree from the new counts. :attr:`corpus_count`/:attr:`corpus_total_words` become the new
        corpus's (its tokens in the grown vocabulary)."""
        if trim_rule is not None:
            raise ConfigError("trim_rule is not supported: use min_count, max_final_vocab or read_vocab")
        corpus = _one_corpus(corpus_iterable, corpus_file, "corpus_iterable")
        log = log or self.log or _stderr
        if update:
            cfg = self.config.resolved()
            counted = self._grow_vocab(corpus, cfg, lambda word, n: n >= cfg.min_count,
                                       log if (self.progress if progress is None else progress) else None)
            index, found = self.vocab.index, counted.words  # the tokens training will see: in the grown vocabulary
            tokens = sum(n for word, n in zip(found.words, found.counts.tolist()) if word in index)
            self.state.update(corpus_tokens=tokens, corpus_sentences=counted.sentences)
            return
        cfg = train.prepare(self, corpus, log)
        _, self._rng = train.read(self, corpus, cfg, self.progress if progress is None else progress, log)

    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None,
              start_alpha=None, end_alpha=None, word_count: int = 0, queue_factor: int = 2,
              report_delay: float = 1.0, compute_loss: bool = False, callbacks=(), *, progress: bool | None = None,
              log=None) -> tuple[int, int]:
        """gensim's ``train``: train the vectors (after :meth:`build_vocab`, :meth:`fit` or
        :meth:`load`) ``epochs`` epochs more (default: the config's; ``model.epochs`` is left as it
        is) on ``corpus_iterable`` or ``corpus_file``, read once. Returns (words trained after
        subsampling, corpus words), as gensim.

        Words not in the vocabulary are dropped (the vocabulary never grows, as in gensim without
        ``build_vocab(update=True)``). The rate decays linearly from ``start_alpha`` (default:
        the config's lr) to ``end_alpha`` (default: its min_lr, at most start_alpha) over these
        epochs; the epoch records go on in :attr:`history`. ``total_examples``, ``total_words``,
        ``word_count``, ``queue_factor``, ``report_delay`` and ``compute_loss`` change nothing:
        the schedule is measured on the corpus itself. ``callbacks``: only those given here, as
        gensim. See ``train.train_more``."""
        corpus = _one_corpus(corpus_iterable, corpus_file, "corpus_iterable")
        rng, self._rng = (self._rng if not self.history else None), None
        counts = train.train_more(self, corpus, epochs=epochs, lr=start_alpha, min_lr=end_alpha,
                                  progress=self.progress if progress is None else progress, log=log or self.log,
                                  callbacks=callbacks, rng=rng)
        self._trained()
        return counts

    def _grow_vocab(self, corpus, cfg, keep, report=None) -> vocab_growth.Counted:
        """Count ``corpus`` and grow the vocabulary by its words that ``keep(word, count)`` accepts
        (``vocab_growth.py``); new W_in rows come from :meth:`_new_rows`. Returns the count."""
        if self.vocab is None or self.w_in is None:
            raise VocabError("build_vocab(update=True) adds words to a vocabulary, and the model has none yet: call "
                             "build_vocab(sentences) (or fit) first")
        counted = vocab_growth.count(corpus, cfg.max_sentence_length, report, cfg.max_vocab_size)
        self._grow_with(counted, keep, cfg)
        return counted

    def _grow_with(self, counted: vocab_growth.Counted, keep, cfg) -> None:
        """Grow the vocabulary by the words of ``counted`` that ``keep(word, count)`` accepts (their
        W_in rows from :meth:`_new_rows`), after checking the grown model fits in memory."""
        vocab, _ = vocab_growth.grown_vocab(self.vocab, counted.words, keep)
        check_fits(cfg, vocab)
        vocab_growth.grow_tables(self, vocab, self._new_rows)
        self._rng = None

    def _new_rows(self, first: int, end: int) -> np.ndarray:
        """W_in's rows for words first..end−1 added to the vocabulary: word2vec.c's uniform
        (−0.5/d, 0.5/d), from a generator seeded by (seed, first, end)."""
        d = self.w_in.shape[1]
        rng = np.random.default_rng([int(self.config.seed) & (2**64 - 1), first, end])
        return (rng.random((end - first, d), dtype=np.float32) - np.float32(0.5)) / np.float32(d)

    def get_latest_training_loss(self) -> float:
        """The mean loss per trained example of the last epoch (:meth:`epoch_loss`). Not gensim's
        number, a running sum over train(): ``w2v_scratch.gensim.Word2Vec`` gives that one."""
        return self.epoch_loss()

    def epoch_loss(self) -> float:
        """The mean loss per trained example of the last epoch (``history[-1]["loss"]``, see
        ``history.py``), 0.0 before any epoch."""
        return float(self.history[-1]["loss"]) if self.history else 0.0

    @property
    def corpus_count(self) -> int:
        """Sentences of the corpus the vocabulary was built from, after long ones were cut into
        pieces and empty ones dropped (gensim: the documents read)."""
        return int(self.state.get("corpus_sentences", 0))

    @property
    def corpus_total_words(self) -> int:
        """Tokens of that corpus in the vocabulary — the tokens an epoch trains on before subsampling
        (after ``build_vocab(update=True)``: the new corpus's tokens in the grown vocabulary). gensim's
        ``corpus_total_words`` counts every token read, in-vocabulary or not:
        ``w2v_scratch.gensim.Word2Vec`` gives that one."""
        return int(self.state.get("corpus_tokens", 0))

    vector_size = _setting("dim")
    window = _setting("window")
    min_count = _setting("min_count")
    epochs = _setting("epochs")
    sample = _setting("sample")
    seed = _setting("seed")
    ns_exponent = _setting("ns_exponent")
    workers = _setting("threads")
    alpha = _setting("lr")
    min_alpha = _setting("min_lr")
    sg = _setting("model", lambda self, v: int(v == "sg"), "1 for skip-gram, 0 for CBOW (gensim's ``sg``).")
    hs = _setting("loss", lambda self, v: int("hs" in v.split("+")),
                  "1 for hierarchical softmax, alone or with negative sampling (gensim's ``hs``).")
    negative = _setting("negative", lambda self, v: v if "ns" in self.config.loss.split("+") else 0,
                        "Noise words per example with negative sampling, else 0 (gensim's ``negative``).")
    cbow_mean = _setting("cbow_mean", lambda self, v: int(v), "1: CBOW averages its context vectors; 0: sums.")

    @classmethod
    def resume(cls, checkpoint, corpus=None, progress: bool = True, log=None,
               checkpoint_every: float | None = None) -> "Word2Vec":
        """Load a checkpoint written by :meth:`fit` and train to the end of its run (``corpus``: the
        run's, when it was not a file — token lists are not saved in the checkpoint)."""
        return train.resume(cls.load_checkpoint(checkpoint), checkpoint, corpus, progress=progress, log=log,
                            checkpointer=Checkpointer(checkpoint, checkpoint_every, log or _stderr))

    def init_weights(self, vocab: Vocab, rng: np.random.Generator) -> None:
        """Allocate the parameters for ``vocab``.

        ``w_in`` starts uniform in (−0.5/d, 0.5/d) as in word2vec.c; the output
        table ``w_out`` (with ``hs+ns`` both, W_out and Θ) starts at zero (the reference trainer with Adam instead uses the
        textbook's Xavier-uniform init for both tables: see ``reference.init_weights``).
        """
        cfg = self.config
        V, d = len(vocab), cfg.dim
        check_fits(cfg, vocab)  # before the first allocation: a run that cannot fit fails in one line
        self.vocab = vocab
        self.history, self.state = [], {}  # a new run: a second fit() starts from scratch
        self.w_in = ((rng.random((V, d), dtype=np.float32) - np.float32(0.5)) / np.float32(d))
        self.allocate_outputs()

    def allocate_outputs(self) -> None:
        """Zero output tables for the vocabulary and the config's loss: Θ ((V−1)×d) when it has
        hierarchical softmax, W_out (V×d) when it has negative sampling or the full softmax."""
        parts, (V, d) = self.config.loss.split("+"), self.w_in.shape
        self.inner_nodes = np.zeros((max(V - 1, 1), d), np.float32) if "hs" in parts else None
        self.context = np.zeros((V, d), np.float32) if {"ns", "softmax"} & set(parts) else None

    # -- the output table under the trainers' name ------------------------------------
    @property
    def w_out(self) -> np.ndarray | None:
        """The output table the loss trains: Θ (:attr:`inner_nodes`) for hierarchical softmax,
        else W_out (:attr:`context`; with ``hs+ns`` Θ is :attr:`inner_nodes` beside it). The same
        array, read and written."""
        return self.inner_nodes if self.config.loss == "hs" else self.context

    @w_out.setter
    def w_out(self, value) -> None:
        if self.config.loss == "hs":
            self.inner_nodes = value
        else:
            self.context = value

    @property
    def center(self) -> np.ndarray | None:
        """The old name of W_in, :attr:`w_in` (the same array, read and written); a saved model's
        file calls it ``center``."""
        return self.w_in

    @center.setter
    def center(self, value) -> None:
        self.w_in = value

    # -- using the vectors ------------------------------------------------------
    @property
    def wv(self) -> KeyedVectors:
        """The word vectors (``w_in``, not a copy) as a
        :class:`~w2v_scratch.vectors.keyedvectors.KeyedVectors`: gensim's queries and file calls.
        One object while the vocabulary and ``w_in`` stay the same objects (``model.wv is
        model.wv``); a new one once either is replaced (a new fit, a load, a grown vocabulary).
        Training forgets its cached unit vectors (:meth:`_trained`)."""
        if self.w_in is None:
            raise RuntimeError("the model is not trained yet: call fit() (or build_vocab()) first")
        cached = self._wv_cache
        if cached is None or cached[0] is not self.vocab or cached[1] is not self.w_in:
            cached = self._wv_cache = (self.vocab, self.w_in, self._make_wv())
        return cached[2]

    def _make_wv(self) -> KeyedVectors:
        """The vectors object :attr:`wv` holds: the vocabulary's words and counts, ``w_in`` itself."""
        return KeyedVectors(self.vocab.words, self.w_in, counts=self.vocab.counts, index=self.vocab.index)

    def _trained(self) -> None:
        """After training moved ``w_in`` in place: the cached :attr:`wv` forgets its norms and unit
        vectors (``fill_norms(force=True)``), as gensim clears ``wv.norms`` after training."""
        if self._wv_cache is not None:
            self._wv_cache[2].fill_norms(force=True)

    def save(self, path) -> None:
        """Native format: ``path.npz`` (matrices) + ``path.json`` (vocabulary, config, history)."""
        persist.save_model(self, fspath(path, "Word2Vec.save", "ptb-model"))

    @classmethod
    def load(cls, path) -> "Word2Vec":
        """A model saved by :meth:`save` (``persist.read_model`` checks every part), or the one
        file ``w2v_scratch.gensim.Word2Vec.save`` writes (``model_file.py``). A file that is
        not one (a gensim pickle, a vectors file...) is named as what it is, never unpickled."""
        fspath(path, "Word2Vec.load", "ptb-model")
        if model_file.is_model_file(path):
            return cls._from_saved(model_file.read(path))
        _refuse_other_files(path, "in gensim, write model.wv.save_word2vec_format('vectors.bin', binary=True), "
                            "then load that file here with KeyedVectors.load('vectors.bin')",
                            f"is not a model (Word2Vec.save writes PATH.npz + PATH.json): for a vectors file, use "
                            f"KeyedVectors.load({os.fspath(path)!r})")
        return cls._from_saved(persist.read_model(path))

    @classmethod
    def load_checkpoint(cls, path) -> "Word2Vec":
        """The model of a checkpoint, its resume position checked (``checkpoint.read_checkpoint``)."""
        _refuse_other_files(path, "a checkpoint is the PATH.npz + PATH.json pair a w2v-scratch run writes (its "
                            "--checkpoint, by default OUTPUT.ckpt)")
        return cls._from_saved(read_checkpoint(path))

    @classmethod
    def _from_saved(cls, saved) -> "Word2Vec":
        model = cls(saved.config)
        model.vocab, model.w_in = saved.vocab, saved.center
        model.context, model.inner_nodes = saved.context, saved.inner_nodes
        model.history, model.state = saved.history, saved.state
        return model


def check_fits(cfg: TrainConfig, vocab: Vocab) -> None:
    """What can only be checked once the vocabulary is known, before any weight is allocated:

    * the memory the run will need (``config.check_memory``: the matrices, the optimizer's state,
      the trainer's buffers) against the memory available — a ``ConfigError`` naming the option to
      lower, rather than a ``MemoryError`` (or the kernel's OOM killer) halfway through;
    * for negative sampling, that the noise weights count**ns_exponent stay finite.
    """
    rc = cfg.resolved()
    counts = np.asarray(vocab.counts, dtype=np.float64)
    tokens = int(counts.sum()) if len(counts) else 0
    with np.errstate(all="ignore"):
        keep = keep_probabilities(counts, rc.sample, rc.sample_rule) if tokens else counts
        kept = int(np.nan_to_num((counts * keep).sum()))
        weights = counts ** rc.ns_exponent
    if "ns" in rc.loss.split("+") and len(counts) and not (np.isfinite(weights).all() and 0 < weights.sum() < np.inf):
        raise ConfigError(f"--ns-exponent {rc.ns_exponent:g} makes the noise weights count**{rc.ns_exponent:g} "
                          f"overflow (the most frequent word occurs {int(counts.max()):,} times): use an exponent "
                          "such as 0.75")
    check_memory(rc, len(vocab), tokens, kept)


def _refuse_other_files(path, pickle_fix: str, other: str | None = None) -> None:
    """When ``path`` names a file of its own and no ``.npz``/``.json`` pair is beside it, say what that
    file is from its first bytes — a pickle (gensim's ``.save()``: named with ``pickle_fix``), another
    format w2v-scratch does not read, or (``other``) anything else — rather than that ``path.npz``
    does not exist. Nothing is unpickled."""
    p = os.fspath(path)
    npz, json_path = persist.model_paths(p)
    if p.endswith((".npz", ".json")) or os.path.exists(npz) or os.path.exists(json_path) or not os.path.isfile(p):
        return
    if not os.access(p, os.R_OK):
        return  # the reader names the problem
    foreign = foreign_file(p, pickle_fix)
    if foreign:
        raise FormatError(f"{p} is {foreign}")
    if other:
        raise FormatError(f"{p} {other}")


def _one_corpus(corpus, corpus_file, name: str):
    """The corpus of a gensim-style call: exactly one of token lists (``name``) and ``corpus_file``."""
    if corpus is not None and corpus_file is not None:
        raise ConfigError(f"give {name} or corpus_file, not both")
    if corpus is None and corpus_file is None:
        raise ConfigError(f"give the sentences ({name}=) or a file (corpus_file=)")
    return corpus if corpus is not None else corpus_file


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)
