"""gensim's ``Word2Vec`` keywords, mapped to :class:`~w2v_scratch.training.config.TrainConfig` fields.

``Word2Vec(vector_size=..., sg=..., hs=..., workers=...)`` is accepted as in gensim: a keyword that
names a field here under another name is renamed (:data:`GENSIM_RENAMED`), ``sg``/``hs``/``negative``
become ``model``/``loss``, a keyword for behaviour this project has one way only is accepted with
that value and refused with any other (:data:`GENSIM_FIXED`), and an unknown keyword is a
``TypeError``, as in any Python call. :func:`w2v_scratch.training.config.config_from_params` builds
the config from the result.
"""

from __future__ import annotations

from ..base.errors import ConfigError
from ..base.values import is_int, short_repr

# gensim's Word2Vec keywords that are a field here under another name
GENSIM_RENAMED = {"vector_size": "dim", "alpha": "lr", "min_alpha": "min_lr", "workers": "threads"}
# gensim's keywords for behaviour this project has one way only: the values accepted, and why
GENSIM_FIXED = {
    "sorted_vocab": ((1, True), "the vocabulary is always sorted by frequency"),
    "null_word": ((0, False), "there is no padding word"),
    "shrink_windows": ((1, True), "the window radius is always drawn in 1..window, as in word2vec.c"),
    "trim_rule": ((None,), "there are no trim rules: use min_count or max_final_vocab"),
    "hashfxn": ((None, hash), "initial vectors come from seed alone"),
}
GENSIM_IGNORED = ("batch_words",)  # gensim's job size: the cpu backend cuts its own slices (trainer_cpu)


def gensim_fields(params: dict, fields) -> dict:
    """TrainConfig fields (``fields``: their names) from keywords, gensim's names mapped:
    ``vector_size``→dim, ``alpha``→lr, ``min_alpha``→min_lr, ``workers``→threads (``max_vocab_size``
    and ``max_final_vocab`` are fields with gensim's meanings), ``sg``→model, ``hs``/``negative``→loss, ``cbow_mean`` 0/1→False/True. A field
    set twice (``dim`` and ``vector_size``) is a ConfigError; so is a gensim value this project
    does not have (``sorted_vocab=0``, a ``trim_rule``...). ``hs=1`` with ``negative`` > 0 is loss
    ``"hs+ns"``."""
    values, source = {}, {}

    def put(name: str, value, given: str) -> None:
        if name in values:
            raise ConfigError(f"{source[name]}= and {given}= both set {name}: give one of them")
        values[name], source[name] = value, given

    for given, value in params.items():
        if given in fields:
            put(given, value, given)
        elif given in GENSIM_RENAMED:
            put(GENSIM_RENAMED[given], value, given)
        elif given in GENSIM_FIXED:
            allowed, why = GENSIM_FIXED[given]
            if not any(value is a or (type(value) in (int, bool) and value == a) for a in allowed):
                raise ConfigError(f"{given}={short_repr(value)} is not supported: {why}")
        elif given not in ("sg", "hs") + GENSIM_IGNORED:
            raise TypeError(f"Word2Vec() got an unexpected keyword argument {given!r}")
    if "sg" in params:
        put("model", "sg" if _flag(params["sg"], "sg", "0 (CBOW) or 1 (skip-gram)") else "cbow", "sg")
    if is_int(values.get("cbow_mean")) and values["cbow_mean"] in (0, 1):
        values["cbow_mean"] = bool(values["cbow_mean"])
    _gensim_loss(params, values, put)
    return values


def _flag(value, name: str, meaning: str) -> bool:
    if type(value) not in (int, bool) or value not in (0, 1):
        raise ConfigError(f"{name} must be {meaning} (got {short_repr(value)})")
    return bool(value)


def _gensim_loss(params: dict, values: dict, put) -> None:
    """gensim's ``hs``/``negative`` → ``loss``: hs=1 with negative=0 is hierarchical softmax, hs=0
    with negative > 0 negative sampling, hs=1 with negative > 0 both at once on the same input
    (``"hs+ns"``, as word2vec.c's ``-hs 1 -negative 5``); hs=0 with negative=0, which trains nothing,
    is refused."""
    negative = values.get("negative", 5)
    if "hs" in params:
        if _flag(params["hs"], "hs", "0 (negative sampling) or 1 (hierarchical softmax)"):
            if not is_int(negative) or negative != 0:
                put("loss", "hs+ns", "hs")
            else:
                put("loss", "hs", "hs")
        else:
            put("loss", "ns", "hs")
    if "loss" not in params and values.get("loss", "ns") == "ns" and is_int(negative) and negative == 0:
        raise ConfigError("negative=0 with hs=0 trains nothing: give negative=5 (negative sampling), "
                          "or hs=1 with negative=0 (hierarchical softmax)")
