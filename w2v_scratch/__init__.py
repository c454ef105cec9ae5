"""w2v-scratch: word2vec from scratch, every gradient derived by hand."""

__version__ = "0.1.0"

from .config import TrainConfig  # noqa: E402
from .errors import W2VError  # noqa: E402
from .keyedvectors import KeyedVectors  # noqa: E402
from .vocab import Vocab  # noqa: E402
from .word2vec import Word2Vec  # noqa: E402

__all__ = ["KeyedVectors", "TrainConfig", "Vocab", "W2VError", "Word2Vec"]
