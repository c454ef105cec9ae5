"""One error type for user mistakes, with a distinct exit status per kind.

The CLI turns any :class:`W2VError` into a single line on stderr and exits with
``exc.exit_code``; everything else is a bug and keeps its traceback.
"""


class W2VError(Exception):
    """A problem the user can fix (bad file, bad option, unknown word...)."""

    exit_code = 2


class InputError(W2VError):
    """A corpus or data file is missing, unreadable, empty or undecodable."""

    exit_code = 3


class PathTypeError(InputError, TypeError):
    """A file name was expected and something else (an open file, bytes read, a number...) was given."""


class ConfigError(W2VError):
    """A hyperparameter or option makes no sense (dim <= 0, window <= 0, ...)."""

    exit_code = 4


class VocabError(W2VError):
    """A word is not in the vocabulary, or the vocabulary came out empty."""

    exit_code = 5


class FormatError(W2VError):
    """A vectors/model file is malformed (bad header, truncated, NaN values...)."""

    exit_code = 6


class DeviceError(W2VError):
    """The requested backend cannot run here (e.g. ``cuda`` without a GPU)."""

    exit_code = 7


class DivergenceError(W2VError):
    """Training produced NaN/inf: the learning rate is too high."""

    exit_code = 8


class MissingDependency(W2VError):
    """An optional dependency is not installed (matplotlib for pictures): the message names the
    ``pip install`` command that adds it."""

    exit_code = 9
