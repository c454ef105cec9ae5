"""TrainConfig's validation: one ConfigError per impossible value, naming the option, its rule and a fix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from w2v_scratch.config import MAX_EPOCHS, MAX_SEED, MAX_THREADS, TrainConfig, format_bytes
from w2v_scratch.errors import ConfigError


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
    assert TrainConfig(epochs=MAX_EPOCHS, threads=MAX_THREADS).with_defaults().threads == MAX_THREADS


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
