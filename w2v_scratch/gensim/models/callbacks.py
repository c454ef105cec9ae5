"""``gensim.models.callbacks``'s name for word2vec: ``CallbackAny2Vec``."""

from ..callbacks import CallbackAny2Vec  # noqa: F401
