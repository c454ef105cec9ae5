"""gensim 4's word2vec surface on this project's engine: a gensim program runs with its import changed.

    from w2v_scratch.gensim import Word2Vec, KeyedVectors, Phrases, LineSentence, CallbackAny2Vec
    # was: from gensim.models import ...

The classes take gensim 4's signatures and defaults (``Word2Vec(sentences)`` trains CBOW with
negative sampling, ``hs=1`` keeps ``negative=5`` and trains both losses), give gensim's return values
and raise gensim's error types; the README's "Coming from gensim" lists every known difference.
gensim's module paths work too, with ``w2v_scratch.gensim`` for ``gensim``: ``.models``,
``.models.word2vec``, ``.models.keyedvectors``, ``.models.phrases``, ``.models.callbacks``.
The native API (``from w2v_scratch import Word2Vec``) keeps the project's own names.

Modules:

* ``word2vec``: gensim's ``Word2Vec`` on the training engine (``training/``);
* ``keyedvectors``: gensim's ``KeyedVectors``, the native vectors with gensim's own calls and files;
* ``vecattrs``: its per-key attributes (``get_vecattr``) and vector additions (``add_vectors``);
* ``inputs``: gensim's checks of ``Word2Vec``'s corpus and training arguments, ``trim_rule``'s
  answers and an online update's word order;
* ``absent``: gensim's names not kept here, each refused in one line naming the way to get it;
* ``callbacks``: ``CallbackAny2Vec``;
* ``models``: gensim's module paths, re-exporting the above and ``corpus/``'s ``Phrases``,
  ``FrozenPhrases``, ``Phraser``, ``ENGLISH_CONNECTOR_WORDS`` (``corpus/gensim_phrases.py``) and
  ``LineSentence``, ``Text8Corpus``, ``PathLineSentences`` (``corpus/gensim_readers.py``).

May import: every layer below the top (``base``, ``textbook``, ``corpus``, ``training``, ``vectors``)
and ``w2v_scratch/word2vec.py``; the command line imports nothing from here.
"""

from .callbacks import CallbackAny2Vec
from .keyedvectors import KeyedVectors
from .word2vec import Word2Vec
from ..corpus.gensim_phrases import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases
from ..corpus.gensim_readers import LineSentence, PathLineSentences, Text8Corpus

__all__ = ["CallbackAny2Vec", "ENGLISH_CONNECTOR_WORDS", "FrozenPhrases", "KeyedVectors", "LineSentence",
           "PathLineSentences", "Phraser", "Phrases", "Text8Corpus", "Word2Vec"]
