"""``gensim.models.keyedvectors``'s name: ``KeyedVectors``."""

from .. import KeyedVectors  # noqa: F401
