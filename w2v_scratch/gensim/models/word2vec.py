"""``gensim.models.word2vec``'s names: ``Word2Vec`` and the corpus readers."""

from .. import KeyedVectors, LineSentence, PathLineSentences, Text8Corpus, Word2Vec  # noqa: F401
