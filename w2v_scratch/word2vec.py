"""``Word2Vec``: the object a Python user trains, queries and saves.

    >>> from w2v_scratch import Word2Vec
    >>> model = Word2Vec(model="sg", loss="ns", epochs=5).fit("ptb")
    >>> model.wv.most_similar("chip", topn=3)
    >>> model.save("ptb-model")          # native .npz + .json, no pickle

The parameters are named after their role, not word2vec.c's arrays:

* ``center``      (V, d): the input vectors W_in (word2vec.c's ``syn0``) — the word vectors;
* ``context``     (V, d): output vectors W_out for NS and full softmax (``syn1neg``);
* ``inner_nodes`` (V−1, d): one output vector per Huffman inner node for HS (``syn1``).
"""

from __future__ import annotations

import sys

import numpy as np

from . import persist, train
from .checkpoint import Checkpointer, read_checkpoint
from .config import TrainConfig, check_memory
from .errors import ConfigError
from .keyedvectors import KeyedVectors
from .sampling import keep_probabilities
from .vocab import Vocab


class Word2Vec:
    def __init__(self, config: TrainConfig | None = None, **params) -> None:
        self.config = config if config is not None else TrainConfig(**params)
        self.vocab: Vocab | None = None
        self.center: np.ndarray | None = None
        self.context: np.ndarray | None = None
        self.inner_nodes: np.ndarray | None = None
        self.history: list[dict] = []  # one record per epoch: loss, words/sec, ...
        self.state: dict = {}  # position in the run, for checkpoints and resume

    # -- training -------------------------------------------------------------
    def fit(self, corpus="ptb", progress: bool = True, log=None, checkpoint=None,
            checkpoint_every: float | None = None) -> "Word2Vec":
        """Build the vocabulary of ``corpus`` (a path, or ``"ptb"``), then train on it.

        With ``checkpoint=PATH`` the full training state is written to PATH.npz/.json every
        ``checkpoint_every`` seconds and on Ctrl-C; :meth:`resume` carries such a run on.
        """
        return train.fit(self, corpus, progress=progress, log=log,
                         checkpointer=Checkpointer(checkpoint, checkpoint_every, log or _stderr))

    @classmethod
    def resume(cls, checkpoint, corpus=None, progress: bool = True, log=None,
               checkpoint_every: float | None = None) -> "Word2Vec":
        """Load a checkpoint written by :meth:`fit` and train to the end of its run."""
        return train.resume(cls.load_checkpoint(checkpoint), checkpoint, corpus, progress=progress, log=log,
                            checkpointer=Checkpointer(checkpoint, checkpoint_every, log or _stderr))

    def init_weights(self, vocab: Vocab, rng: np.random.Generator) -> None:
        """Allocate the parameters for ``vocab``.

        ``center`` starts uniform in (−0.5/d, 0.5/d) as in word2vec.c; the output
        vectors start at zero (the reference trainer with Adam instead uses the
        textbook's Xavier-uniform init for both tables: see ``reference.init_weights``).
        """
        cfg = self.config
        V, d = len(vocab), cfg.dim
        check_fits(cfg, vocab)  # before the first allocation: a run that cannot fit fails in one line
        self.vocab = vocab
        self.history, self.state = [], {}  # a new run: a second fit() starts from scratch
        self.center = ((rng.random((V, d), dtype=np.float32) - np.float32(0.5)) / np.float32(d))
        self.context = np.zeros((V, d), np.float32) if cfg.loss in ("ns", "softmax") else None
        self.inner_nodes = np.zeros((max(V - 1, 1), d), np.float32) if cfg.loss == "hs" else None

    # -- using the vectors ------------------------------------------------------
    @property
    def wv(self) -> KeyedVectors:
        """The word vectors (``center``, not a copy) as a
        :class:`~w2v_scratch.keyedvectors.KeyedVectors`: gensim's queries and file calls."""
        if self.center is None:
            raise RuntimeError("the model is not trained yet: call fit() first")
        return KeyedVectors(self.vocab.words, self.center, counts=self.vocab.counts)

    def save(self, path) -> None:
        """Native format: ``path.npz`` (matrices) + ``path.json`` (vocabulary, config, history)."""
        persist.save_model(self, path)

    @classmethod
    def load(cls, path) -> "Word2Vec":
        """A model saved by :meth:`save` (``persist.read_model`` checks every part)."""
        return cls._from_saved(persist.read_model(path))

    @classmethod
    def load_checkpoint(cls, path) -> "Word2Vec":
        """The model of a checkpoint, its resume position checked (``checkpoint.read_checkpoint``)."""
        return cls._from_saved(read_checkpoint(path))

    @classmethod
    def _from_saved(cls, saved) -> "Word2Vec":
        model = cls(saved.config)
        model.vocab, model.center, model.context, model.inner_nodes = (saved.vocab, saved.center, saved.context,
                                                                       saved.inner_nodes)
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
    if rc.loss == "ns" and len(counts) and not (np.isfinite(weights).all() and 0 < weights.sum() < np.inf):
        raise ConfigError(f"--ns-exponent {rc.ns_exponent:g} makes the noise weights count**{rc.ns_exponent:g} "
                          f"overflow (the most frequent word occurs {int(counts.max()):,} times): use an exponent "
                          "such as 0.75")
    check_memory(rc, len(vocab), tokens, kept)


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr)
