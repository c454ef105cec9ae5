"""TrainConfig's validation: one ConfigError per impossible value, naming the option, its rule and a fix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from w2v_scratch.training.config import MAX_EPOCHS, MAX_SEED, MAX_THREADS, TrainConfig, format_bytes
from w2v_scratch.base.errors import ConfigError


def refused(match, **kw):
    with pytest.raises(ConfigError, match=match) as exc:
        TrainConfig(**kw).resolved()
    assert "\n" not in str(exc.value)
    return str(exc.value)


@pytest.mark.parametrize("field,option", [("lr", "--lr"), ("min_lr", "--min-lr"), ("sample", "--sample"),
                                          ("ns_exponent", "--ns-exponent")])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float32("nan"), np.float64("inf")])
def test_floats_must_be_finite(field, option, value):
    message = refused(option, **{field: value})
    assert "must be a finite number" in message and "NaN and infinity are not allowed" in message


@pytest.mark.parametrize("field,option", [("dim", "--dim"), ("window", "--window"), ("negative", "--negative"),
                                          ("epochs", "--epochs"), ("threads", "--threads"), ("seed", "--seed"),
                                          ("batch_size", "--batch-size"), ("min_count", "--min-count")])
@pytest.mark.parametrize("value", [5.0, "5", True, math.nan])
def test_whole_number_options_must_be_integers(field, option, value):
    refused(f"{option} must be a whole number", **{field: value})


def test_numpy_integers_and_floats_are_numbers():
    cfg = TrainConfig(dim=np.int64(8), window=np.int32(2), lr=np.float32(0.5), seed=np.uint64(2**64 - 1)).resolved()
    assert cfg.dim == 8


@pytest.mark.parametrize("seed", [-1, -(2**70), MAX_SEED + 1])
def test_seed_range(seed):
    refused(r"--seed must be a whole number from 0 to 2\*\*64 - 1", seed=seed)


@pytest.mark.parametrize("seed", [0, 1, MAX_SEED])
def test_seeds_in_range(seed):
    assert TrainConfig(seed=seed).resolved().seed == seed


def test_min_lr_above_lr():
    refused(r"--min-lr \(0.5\) must not be above --lr \(0.01\)", optimizer="sgd", lr=0.01, min_lr=0.5)
    refused(r"--min-lr \(0.1\) must not be above --lr \(0.025\)", backend="cpu", min_lr=0.1)  # the default rate
    assert TrainConfig(backend="cpu", lr=0.1, min_lr=0.1).resolved().min_lr == 0.1


def test_upper_bounds():
    refused("--epochs must be at most", epochs=MAX_EPOCHS + 1)
    refused("--threads must be at most", threads=MAX_THREADS + 1)
    assert TrainConfig(epochs=MAX_EPOCHS, threads=MAX_THREADS, backend="cpu").with_defaults().threads == MAX_THREADS


def test_ranges_that_existed_keep_their_messages():
    refused(r"--lr must be positive \(got 0\)", lr=0)
    refused(r"--sample must be >= 0", sample=-1e-3)
    refused(r"--ns-exponent \(the noise exponent\) must be >= 0", ns_exponent=-0.5)
    refused("--dim must be positive", dim=0)


def test_defaults_are_valid_everywhere():
    for backend in ("reference", "cpu", "cuda", "auto"):
        for model in ("sg", "cbow"):
            cfg = TrainConfig(backend=backend, model=model).resolved()
            assert math.isfinite(cfg.lr) and 0 <= cfg.min_lr <= cfg.lr


def test_format_bytes():
    assert format_bytes(512) == "512 bytes"
    assert format_bytes(8e9) == "8.0 GB"
    assert format_bytes(2.5e15) == "2.5 PB"
    assert format_bytes(1e30) == "1.0e+15 PB"


# -- Word2Vec(**params): the project's names, gensim's names, the fast default ---------------------------------
def test_gensim_names_map_to_fields():
    from w2v_scratch.training.config import config_from_params

    cfg = config_from_params(dict(vector_size=50, window=3, min_count=2, workers=2, sg=0, hs=1, negative=0,
                                  alpha=0.03, min_alpha=0.001, sample=0, seed=7, epochs=4, cbow_mean=0,
                                  ns_exponent=0.5, max_final_vocab=100, batch_words=10000, sorted_vocab=1))
    assert (cfg.dim, cfg.window, cfg.min_count, cfg.threads, cfg.model, cfg.loss, cfg.negative) == \
        (50, 3, 2, 2, "cbow", "hs", 0)
    assert (cfg.lr, cfg.min_lr, cfg.sample, cfg.seed, cfg.epochs, cfg.cbow_mean, cfg.ns_exponent,
            cfg.max_final_vocab, cfg.max_vocab) == (0.03, 0.001, 0, 7, 4, False, 0.5, 100, None)
    assert cfg.backend == "cpu"
    assert config_from_params(dict(sg=1, hs=0)).model == "sg" and config_from_params(dict(sg=1)).loss == "ns"
    both = config_from_params(dict(max_vocab_size=50, max_final_vocab=80))  # gensim's own meanings (issue 23)
    assert (both.max_vocab_size, both.max_final_vocab, both.max_vocab) == (50, 80, None)


def test_the_fast_default_applies_only_without_a_backend_or_threads():
    from w2v_scratch.training.config import config_from_params, fast_threads

    assert 1 <= fast_threads() <= MAX_THREADS
    assert config_from_params({}).threads == fast_threads()
    assert config_from_params(dict(backend="auto")).threads == fast_threads()
    assert config_from_params(dict(backend="reference")).threads == 1
    assert config_from_params(dict(workers=1)).threads == 1
    base = TrainConfig(dim=4)
    assert config_from_params(dict(vector_size=8), base=base) == TrainConfig(dim=8)  # a base keeps its defaults


@pytest.mark.parametrize("params,error,needle", [
    (dict(negative=0), ConfigError, "negative=0 with hs=0 trains nothing"),
    (dict(hs=0, negative=0), ConfigError, "trains nothing"),
    (dict(vector_size=8, dim=8), ConfigError, "vector_size= and dim= both set dim: give one of them"),
    (dict(sg=1, model="cbow"), ConfigError, "both set model"),
    (dict(hs=1, negative=0, loss="ns"), ConfigError, "both set loss"),
    (dict(sg=2), ConfigError, r"sg must be 0 \(CBOW\) or 1 \(skip-gram\)"),
    (dict(hs="yes"), ConfigError, "hs must be 0"),
    (dict(trim_rule=len), ConfigError, "trim_rule=.* is not supported"),
    (dict(sorted_vocab=0), ConfigError, "always sorted"),
    (dict(shrink_windows=False), ConfigError, "shrink_windows=False is not supported"),
    (dict(null_word=1), ConfigError, "no padding word"),
    (dict(vectorsize=8), TypeError, "unexpected keyword argument 'vectorsize'"),
])
def test_gensim_values_we_do_not_have_are_refused(params, error, needle):
    from w2v_scratch.training.config import config_from_params

    with pytest.raises(error, match=needle) as info:
        config_from_params(params)
    assert "\n" not in str(info.value)


def test_gensim_hs_with_negative_is_both_losses_or_one_line_naming_it():
    from w2v_scratch.training.config import LOSSES, config_from_params

    for params in (dict(hs=1), dict(hs=1, negative=3)):
        if "hs+ns" in LOSSES:
            assert config_from_params(params).loss == "hs+ns"
        else:
            with pytest.raises(ConfigError, match="together in gensim.*add negative=0") as info:
                config_from_params(params)
            assert "\n" not in str(info.value)
    assert config_from_params(dict(hs=1, negative=0)).loss == "hs"


def test_vocabulary_file_fields(tmp_path):
    cfg = TrainConfig(save_vocab=tmp_path / "v.txt", read_vocab=tmp_path / "r.txt")
    assert cfg.save_vocab == str(tmp_path / "v.txt") and cfg.read_vocab == str(tmp_path / "r.txt")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert TrainConfig().save_vocab is None and TrainConfig().read_vocab is None
    refused(r"--save-vocab must be a file path \(got ''\)", save_vocab="")
    refused(r"--read-vocab must be a file path \(got 3\)", read_vocab=3)


def test_a_config_saved_before_the_window_step_keeps_the_pair_scheme():
    """A cpu config saved without ``window_batch`` (written before the option existed) trained skip-gram
    pair by pair: loaded, it still does; a config that has the key keeps its value."""
    old = TrainConfig(backend="cpu").to_dict()
    del old["window_batch"]
    assert TrainConfig.from_dict(old).with_defaults().window_batch is False
    assert TrainConfig.from_dict(old).with_defaults().shared_noise is None  # per-pair noise, word2vec.c's
    new = TrainConfig(backend="cpu").with_defaults().to_dict()
    assert TrainConfig.from_dict(new).window_batch is True
