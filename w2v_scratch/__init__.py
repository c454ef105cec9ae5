"""w2v-scratch: word2vec from scratch, every gradient derived by hand."""

__version__ = "0.1.0"

from .training.config import TrainConfig  # noqa: E402
from .base.errors import W2VError  # noqa: E402
from .vectors.keyedvectors import KeyedVectors  # noqa: E402
from .corpus.vocab import Vocab  # noqa: E402
from .word2vec import Word2Vec  # noqa: E402

from ._moved import install as _install_old_paths  # noqa: E402

_install_old_paths()  # import w2v_scratch.io etc. as before the sub-packages (README changelog)

__all__ = ["KeyedVectors", "TrainConfig", "Vocab", "W2VError", "Word2Vec"]
