"""``gensim.models``'s names for word2vec, as ``w2v_scratch.gensim.models``: ``Word2Vec``,
``KeyedVectors`` and ``Phrases``, and the sub-modules ``word2vec``, ``keyedvectors``, ``phrases`` and
``callbacks`` (each re-exports the word2vec names of gensim's module of that name).

May import: ``w2v_scratch.gensim`` (whose classes these are) and the modules it re-exports from.
"""

from .. import KeyedVectors, Phrases, Word2Vec  # noqa: F401

__all__ = ["KeyedVectors", "Phrases", "Word2Vec"]
