"""Limits: impossible options, runs too big for the machine, divergence, and NumPy's warnings.

Every bad case through the CLI, in process: its error class's exit status, exactly one stderr line
starting with ``w2v-scratch train: error:`` (the last line; an option error is the only line), no
traceback, no warning text, and no output file.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest

from w2v_scratch.training import config
from w2v_scratch.training import history
from w2v_scratch.training import monitor
from w2v_scratch.cli import main
from w2v_scratch.training.config import TrainConfig, check_memory, memory_needed
from w2v_scratch.base.errors import ConfigError, DeviceError, DivergenceError, W2VError
from w2v_scratch.training.run import cuda_available

TINY = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--no-progress", "--query"]
PREFIX = "w2v-scratch train: error:"
GB = 10**9


def train(capsys, tmp_path, corpus, *options):
    out = tmp_path / "v.txt"
    code = main(["train", "--corpus", str(corpus), "--output", str(out), *TINY, *map(str, options)])
    stdout, err = capsys.readouterr()
    return code, err, out


def assert_one_error(code, err, out, error, *needles, only_line=False):
    assert code == error.exit_code, err
    assert "Traceback" not in err and "Warning" not in err, err
    lines = err.splitlines()
    assert [line for line in lines if line.startswith(PREFIX)] == lines[-1:], err
    if only_line:
        assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[-1], err
    assert not os.path.exists(out) and not os.path.exists(str(out) + ".ckpt.npz")


# -- 1. impossible values --------------------------------------------------------------------------------
IMPOSSIBLE = [
    (["--seed", "-1"], "--seed"),
    (["--seed", str(2**64)], "--seed"),
    (["--backend", "cpu", "--seed", "-7"], "--seed"),
    (["--lr", "inf"], "finite"), (["--lr", "nan"], "finite"), (["--lr=-inf"], "finite"),
    (["--backend", "cpu", "--lr", "inf"], "finite"),
    (["--min-lr", "nan"], "finite"), (["--min-lr", "inf"], "finite"),
    (["--optimizer", "sgd", "--lr", "0.01", "--min-lr", "0.5"], "--min-lr"),
    (["--backend", "cpu", "--lr", "0.01", "--min-lr", "0.5"], "--min-lr"),
    (["--backend", "cpu", "--min-lr", "0.1"], "--min-lr"),  # above the default rate 0.025
    (["--sample", "nan"], "finite"), (["--sample", "inf"], "finite"), (["--sample=-inf"], "finite"),
    (["--epochs", str(10**20)], "--epochs"),
    (["--backend", "cpu", "--threads", str(10**6)], "--threads"),
    (["--backend", "cpu", "--threads", str(10**20)], "--threads"),
]


@pytest.mark.parametrize("options,needle", IMPOSSIBLE, ids=[" ".join(o) for o, _ in IMPOSSIBLE])
def test_impossible_values_are_one_line_before_reading(capsys, tmp_path, topic_corpus, options, needle):
    code, err, out = train(capsys, tmp_path, topic_corpus, *options)
    assert_one_error(code, err, out, ConfigError, needle, only_line=True)


def test_float_messages_state_the_rule(capsys, tmp_path, topic_corpus):
    code, err, out = train(capsys, tmp_path, topic_corpus, "--lr", "nan")
    assert_one_error(code, err, out, ConfigError, "--lr must be a finite number", "NaN and infinity")


@pytest.mark.parametrize("field,value", [("ns_exponent", math.nan), ("ns_exponent", math.inf),
                                         ("ns_exponent", -1.0), ("sample", math.inf), ("min_lr", math.nan)])
def test_every_float_field_must_be_finite(field, value):
    with pytest.raises(ConfigError, match="finite|>= 0"):
        TrainConfig(**{field: value}).resolved()


def test_noise_exponent_that_overflows_the_weights(topic_corpus):
    from w2v_scratch import Word2Vec

    with pytest.raises(ConfigError, match="--ns-exponent 1000"):
        Word2Vec(ns_exponent=1000.0, min_count=1, dim=8, epochs=1).fit(str(topic_corpus), progress=False,
                                                                      log=lambda m: None)


@pytest.mark.parametrize("seed", [0, 1, 2**64 - 1])
def test_every_seed_in_range_trains(capsys, tmp_path, topic_corpus, seed):
    for backend in ("reference", "cpu"):
        code, err, out = train(capsys, tmp_path, topic_corpus, "--seed", seed, "--backend", backend)
        assert code == 0, err
        out.unlink()


# -- 2. resources ------------------------------------------------------------------------------------------
ABSURD = [
    (["--dim", str(10**12)], "--dim"),
    (["--backend", "cpu", "--dim", str(10**12)], "--dim"),
    (["--window", str(10**12)], "--window"),
    (["--backend", "cpu", "--window", str(10**12)], "--window"),
    (["--model", "cbow", "--backend", "cpu", "--window", str(10**9)], "--window"),
    (["--negative", str(10**12)], "--negative"),
    (["--backend", "cpu", "--negative", str(10**12)], "--negative"),
    (["--backend", "cpu", "--threads", "1000", "--window", str(10**6), "--negative", "1000"], "--threads"),
    (["--backend", "reference", "--loss", "softmax", "--dim", str(10**11)], "--dim"),
]


@pytest.mark.parametrize("options,needle", ABSURD, ids=[" ".join(o) for o, _ in ABSURD])
def test_absurd_sizes_are_refused_before_allocating(capsys, tmp_path, topic_corpus, options, needle):
    code, err, out = train(capsys, tmp_path, topic_corpus, *options)
    assert_one_error(code, err, out, ConfigError, needle, "of memory", "available", "lower", only_line=True)


def test_memory_is_checked_before_the_corpus_is_read(capsys, tmp_path):
    code, err, out = train(capsys, tmp_path, tmp_path / "missing.txt", "--dim", str(10**12))
    assert_one_error(code, err, out, ConfigError, "--dim", only_line=True)


def test_sizes_that_fit_train(capsys, tmp_path, topic_corpus):
    for options in (["--window", "40", "--negative", "20"], ["--backend", "cpu", "--window", "500", "--negative", "50"],
                    ["--backend", "reference", "--loss", "softmax", "--batch-size", str(10**15)],
                    ["--backend", "reference", "--batch-size", str(10**20)], ["--dim", "2000"]):
        code, err, out = train(capsys, tmp_path, topic_corpus, *options)
        assert code == 0, (options, err)
        out.unlink()


def test_memory_needed_counts_the_matrices_and_adam():
    cfg = TrainConfig(dim=100_000)
    need = memory_needed(cfg, 10_000, 1_000_000, 400_000)
    matrices = 2 * 10_000 * 100_000 * 4
    assert need.breakdown["the two 10,000×100,000 matrices"] == matrices
    assert need.breakdown["Adam's moments"] == 2 * matrices
    sgd = memory_needed(TrainConfig(dim=100_000, optimizer="sgd"), 10_000, 1_000_000, 400_000)
    assert "Adam's moments" not in sgd.breakdown and sgd.total < need.total
    assert need.total == sum(need.breakdown.values())


def test_check_memory_refuses_what_exceeds_any_machine():
    cfg = TrainConfig(dim=1_000_000, backend="cpu")
    need = memory_needed(cfg, 1_000_000)
    assert need.total > 10**12
    with pytest.raises(ConfigError) as exc:
        check_memory(cfg, 1_000_000, available=24 * GB)
    message = str(exc.value)
    assert message.startswith("--dim 1,000,000") and "24.0 GB available" in message and "lower --dim" in message
    assert "\n" not in message
    with pytest.raises(ConfigError, match="lower --dim"):
        check_memory(cfg, 1_000_000)  # the real machine: nobody has a terabyte to spare


@pytest.mark.parametrize("kw", [dict(), dict(backend="cpu"), dict(model="cbow", loss="hs"), dict(loss="softmax"),
                                dict(backend="cpu", model="cbow", threads=8)])
def test_check_memory_passes_what_fits(kw):
    cfg = TrainConfig(**kw)
    need = check_memory(cfg, 10_000, 900_000, 350_000, available=4 * GB)
    assert 0 < need.total < GB


def test_memory_needed_grows_with_each_option():
    base = memory_needed(TrainConfig(), 10_000, 900_000, 350_000).total
    for kw in (dict(dim=1000), dict(window=50), dict(negative=50), dict(batch_size=8192)):
        assert memory_needed(TrainConfig(**kw), 10_000, 900_000, 350_000).total > base, kw
    cpu = memory_needed(TrainConfig(backend="cpu"), 10_000).total
    assert memory_needed(TrainConfig(backend="cpu", threads=64, window=1000, negative=100), 10_000).total > cpu


def test_memory_needed_takes_absurd_values():
    need = memory_needed(TrainConfig(dim=10**30, window=10**30, negative=10**30), 10**9)
    assert need.total > 10**60 and "PB" in need.message(GB)


def test_lower_bound_without_a_vocabulary():
    need = memory_needed(TrainConfig(dim=10**9))
    assert need.at_least and need.total > 10**11  # far beyond any machine
    assert "at least" in need.message(GB)
    assert memory_needed(TrainConfig()).total < memory_needed(TrainConfig(), 10_000, 900_000, 350_000).total


def test_available_memory_is_known_here():
    avail = config.available_memory()
    assert avail is None or avail > 0


def test_fixed_sample_sizes_match_the_monitor():
    assert (config.FIXED_SAMPLE, config.FIXED_SAMPLE_SOFTMAX) == (monitor.SIZE, monitor.SOFTMAX_SIZE)
    assert config.FIXED_SAMPLE_CHUNK_BYTES == monitor.CHUNK_BYTES


def test_memory_error_is_one_line(capsys, tmp_path, topic_corpus, monkeypatch):
    from w2v_scratch.training import trainer_reference as reference
    def no_memory(*args, **kwargs):
        np.empty(1)
        raise MemoryError("Unable to allocate 89.4 GiB for an array with shape (24, 1000000000)")

    monkeypatch.setattr(reference, "train", no_memory)
    code, err, out = train(capsys, tmp_path, topic_corpus, "--backend", "reference")
    assert_one_error(code, err, out, ConfigError, "out of memory", "89.4 GiB", "lower --dim")


# -- 3. divergence -----------------------------------------------------------------------------------------
DIVERGING = [
    ["--backend", "reference", "--lr", "1e9"],              # Adam: finite, the loss 1e18
    ["--backend", "reference", "--optimizer", "sgd", "--lr", "1e9"],
    ["--backend", "cpu", "--lr", "1e9"],                    # NaN inside the kernel
    ["--backend", "cpu", "--lr", "1e300"],                  # beyond float32: inf in the kernel
    ["--backend", "cpu", "--model", "cbow", "--lr", "1e6"],
    ["--backend", "cpu", "--loss", "hs", "--lr", "5"],      # finite: the loss thousands of times too big
    ["--backend", "reference", "--loss", "hs", "--optimizer", "sgd", "--lr", "1", "--batch-size", "32"],
]


@pytest.mark.parametrize("options", DIVERGING, ids=[" ".join(o) for o in DIVERGING])
def test_divergence_is_one_line_and_writes_nothing(capsys, tmp_path, topic_corpus, options):
    code, err, out = train(capsys, tmp_path, topic_corpus, "--sample", "0", "--epochs", "3", *options)
    assert_one_error(code, err, out, DivergenceError, "training diverged", "lower --lr (now ")


@pytest.mark.skipif(not cuda_available(), reason="needs a GPU")
@pytest.mark.parametrize("options", [["--lr", "1e9"], ["--lr", "1e300"], ["--loss", "hs", "--lr", "5"]])
def test_divergence_on_the_gpu(capsys, tmp_path, topic_corpus, options):
    code, err, out = train(capsys, tmp_path, topic_corpus, "--backend", "cuda", "--sample", "0", "--epochs", "3",
                           *options)
    assert_one_error(code, err, out, DivergenceError, "training diverged")


@pytest.mark.parametrize("backend,model,loss,batch", [
    ("reference", "sg", "ns", None), ("reference", "cbow", "hs", None), ("cpu", "sg", "ns", False),
    ("cpu", "sg", "hs", False), ("cpu", "cbow", "ns", None), ("cpu", "sg", "ns", True), ("cpu", "sg", "hs", True)])
def test_large_but_sane_rates_do_not_trip_the_guard(tmp_path, topic_corpus, backend, model, loss, batch):
    from w2v_scratch import Word2Vec

    extra = dict(optimizer="sgd", batch_size=32) if backend == "reference" else dict(window_batch=batch)
    # minibatch SGD (the reference's, and the cpu skip-gram's window step) sums its pairs' gradients per row
    lr = 0.1 if (backend, loss) == ("reference", "hs") else 0.25 if batch else 0.5
    w = Word2Vec(model=model, loss=loss, dim=16, window=2, negative=2, epochs=4, min_count=1, sample=0, lr=lr,
                 backend=backend, seed=3, **extra)
    w.fit(str(topic_corpus), progress=False, log=lambda m: None)
    assert len(w.history) == 4


def test_check_loss_against_the_untrained_loss():
    cfg = TrainConfig(negative=5).resolved()
    base = history.untrained_loss("ns", 5, 1000)
    assert base == pytest.approx(6 * math.log(2))
    history.check_loss(base, cfg, 1000, "in epoch 1")
    history.check_loss(10 * base, cfg, 1000, "in epoch 1")
    grew = r"the loss grew to 8.8e\+18 in epoch 2, over 50 times .*: lower --lr \(now 0.01\)"
    with pytest.raises(DivergenceError, match=grew):
        history.check_loss(8.8e18, cfg, 1000, "in epoch 2")
    for bad in (math.nan, math.inf):
        with pytest.raises(DivergenceError, match="lower --lr"):
            history.check_loss(bad, cfg, 1000, "in epoch 1")
    assert history.untrained_loss("softmax", 0, 1000) == pytest.approx(math.log(1000))


def test_check_vectors():
    cfg = TrainConfig().resolved()
    rng = np.random.default_rng(0)
    sane = rng.normal(0, 1, (50, 100)).astype(np.float32)
    history.check_vectors({"center": sane, "context": None}, cfg, "in epoch 1")
    big = sane.copy()
    big[7] *= 1e4
    assert history.max_row_norm(big) == pytest.approx(np.linalg.norm(big[7].astype(np.float64)), rel=1e-5)
    with pytest.raises(DivergenceError, match="center matrix grew to norm"):
        history.check_vectors({"center": big}, cfg, "in epoch 1")
    for value in (np.nan, np.inf):
        bad = sane.copy()
        bad[3, 3] = value
        with pytest.raises(DivergenceError, match="the vectors hold NaN/inf; lower --lr"):
            history.check_vectors({"context": bad}, cfg, "in epoch 1")
    huge = np.full((4, 8), 3e38, np.float32)  # the squares overflow float32: the norm is still exact
    assert history.max_row_norm(huge) == pytest.approx(3e38 * math.sqrt(8), rel=1e-6)


def test_bounds_sit_far_above_sane_runs():
    assert history.LOSS_FACTOR >= 10 and history.MAX_ROW_NORM >= 100 * 20


# -- 4. warnings ---------------------------------------------------------------------------------------------
def test_warnings_of_a_failing_run_are_not_printed(capsys, tmp_path, topic_corpus, recwarn):
    warnings.simplefilter("always")
    code, err, out = train(capsys, tmp_path, topic_corpus, "--backend", "reference", "--optimizer", "sgd", "--lr", "1e39")
    assert_one_error(code, err, out, DivergenceError, "the vectors hold NaN/inf; lower --lr")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_warnings_of_a_successful_command_still_show(capsys, monkeypatch):
    from w2v_scratch.cli import gradcheck as cli_gradcheck

    def warns(args):
        warnings.warn("something odd", RuntimeWarning)
        return 0

    monkeypatch.setattr(cli_gradcheck, "run", warns)
    with pytest.warns(RuntimeWarning, match="something odd"):
        assert main(["gradcheck"]) == 0


def test_warning_then_error_is_one_line(capsys, monkeypatch, recwarn):
    from w2v_scratch.cli import gradcheck as cli_gradcheck

    def fails(args):
        np.float32(1e39)  # NumPy's "overflow encountered in cast"
        np.log(np.zeros(1))
        raise W2VError("it failed: fix it")

    monkeypatch.setattr(cli_gradcheck, "run", fails)
    assert main(["gradcheck"]) == W2VError.exit_code
    err = capsys.readouterr().err
    assert err == "w2v-scratch gradcheck: error: it failed: fix it\n"
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# -- gradcheck's options ----------------------------------------------------------------------------------
@pytest.mark.parametrize("options,needle", [(["--seed", "-1"], "--seed"), (["--seed", str(2**64)], "--seed"),
                                            (["--tol", "nan"], "--tol"), (["--tol", "inf"], "--tol"),
                                            (["--eps", "inf"], "--eps"), (["--eps", "nan"], "--eps"),
                                            (["--eps", "0"], "--eps"), (["--eps", "1"], "--eps")])
def test_gradcheck_impossible_options(capsys, options, needle):
    assert main(["gradcheck", *options]) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("w2v-scratch gradcheck: error: " + needle) and err.count("\n") == 1, err


# -- the cuda backend's own limits (no GPU needed) ----------------------------------------------------------
def test_device_memory_estimate():
    from w2v_scratch.training import trainer_cuda
    cfg = TrainConfig(dim=300, backend="cuda").resolved()
    need = trainer_cuda.device_memory_needed(cfg, 100_000, 10**7, 10**5)
    assert 2 * 100_000 * 300 * 4 < need < 2 * 100_000 * 300 * 4 + 10**9


def test_cuda_errors_are_device_errors(monkeypatch):
    from w2v_scratch.training import trainer_cuda
    class FakeDriverError(Exception):
        pass

    def boom(*args, **kwargs):
        raise FakeDriverError("[701] Call to cuLaunchKernel results in CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES")

    monkeypatch.setattr(trainer_cuda, "_cuda_errors", lambda: (FakeDriverError,))
    monkeypatch.setattr(trainer_cuda, "_train", boom)
    cfg = TrainConfig(backend="cuda").resolved()
    with pytest.raises(DeviceError, match="--backend cpu"):
        trainer_cuda.train(None, None, cfg)

    def oom(*args, **kwargs):
        raise FakeDriverError("[2] Call to cuMemAlloc results in CUDA_ERROR_OUT_OF_MEMORY")

    monkeypatch.setattr(trainer_cuda, "_train", oom)
    with pytest.raises(ConfigError, match="GPU ran out of memory"):
        trainer_cuda.train(None, None, cfg)
