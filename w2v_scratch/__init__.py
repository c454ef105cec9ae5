"""w2v-scratch: word2vec from scratch, every gradient derived by hand.

Quick start (``help(w2v_scratch.Word2Vec)`` and ``help(w2v_scratch.KeyedVectors)`` give the details)::

    from w2v_scratch import KeyedVectors, Word2Vec

    model = Word2Vec(dim=100, epochs=5).fit("my-corpus.txt")   # a text file, one sentence a line;
                                  # or "ptb" (the bundled Penn Treebank), or a list of token lists
    model.wv.most_similar("chip", topn=3)        # [(word, cosine), ...], best first
    model.wv.similarity("bank", "banks")         # the cosine of two words
    model.wv.save_word2vec_format("vectors.bin", binary=True)   # read by gensim and word2vec.c
    wv = KeyedVectors.load("vectors.bin")        # word2vec text or binary, GloVe, or a saved model
    model.save("my-model")                       # my-model.npz + my-model.json (never a pickle)
    model = Word2Vec.load("my-model")

``Word2Vec()`` trains on the cpu backend (Numba kernels, word2vec.c's settings, every core);
``Word2Vec(backend="reference")`` is the textbook's NumPy trainer. gensim's keywords work as well:
``Word2Vec(sentences, vector_size=100, sg=1, workers=4)``.

A gensim 4 program runs with its import changed to :mod:`w2v_scratch.gensim`, gensim's own surface
(its defaults, return values and error types; the README's "Coming from gensim" lists what differs)::

    from w2v_scratch.gensim import Word2Vec, KeyedVectors, Phrases   # was: from gensim.models import ...

    model = Word2Vec(sentences)                  # gensim's defaults: CBOW, negative sampling, 5 epochs
    model.wv.save("vectors.kv")                  # one memory-mappable file (never a pickle)
    wv = KeyedVectors.load("vectors.kv", mmap="r")

On the command line (``w2v-scratch COMMAND --help`` documents each command)::

    w2v-scratch train                                      # the textbook run on the bundled PTB
    w2v-scratch train --corpus my-corpus.txt --output vectors.bin
    w2v-scratch similar chip --vectors vectors.bin
    w2v-scratch evaluate --vectors vectors.bin

The sub-packages, in the order data flows through them: ``base``, ``textbook`` (the math, in NumPy
and SciPy), ``corpus``, ``training``, ``vectors``, ``gensim`` (beside ``word2vec.py``, at the top),
``cli``.
"""

__version__ = "0.1.0"

from .training.config import TrainConfig  # noqa: E402
from .base.errors import W2VError  # noqa: E402
from .vectors.keyedvectors import KeyedVectors  # noqa: E402
from .corpus.vocab import Vocab  # noqa: E402
from .word2vec import Word2Vec  # noqa: E402

from ._moved import install as _install_old_paths  # noqa: E402

_install_old_paths()  # import w2v_scratch.io etc. as before the sub-packages (README changelog)

__all__ = ["KeyedVectors", "TrainConfig", "Vocab", "W2VError", "Word2Vec"]
