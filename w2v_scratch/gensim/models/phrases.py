"""``gensim.models.phrases``'s names: ``Phrases``, ``FrozenPhrases``, ``Phraser``, ``ENGLISH_CONNECTOR_WORDS``
and the two scoring functions."""

from .. import ENGLISH_CONNECTOR_WORDS, FrozenPhrases, Phraser, Phrases  # noqa: F401
from ...corpus.gensim_phrases import npmi_scorer, original_scorer  # noqa: F401
