"""``train``'s defaults and refusals: one rule for the recipe, stated in the first line of every run;
options that would mean nothing refused before anything is read; memory estimates that count every
buffer a run allocates.

By category: (1) which recipe and backend a run gets, and the first line that says so; (2) options
the run would ignore, values that mean nothing, and --classes beyond the vocabulary, each one line
before the corpus is read (or, for --classes, before training); (3) the memory estimate against
the arrays the run allocates and a measured peak.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from w2v_scratch.base.errors import ConfigError, W2VError
from w2v_scratch.cli import build_parser, main
from w2v_scratch.cli import train as cli_train
from w2v_scratch.training import recipes, run as run_mod
from w2v_scratch.training.config import TrainConfig, check_memory, fast_threads, memory_needed, refuse_unused

FAST = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--no-progress", "--query"]
SAMPLE = "the fixed evaluation sample (4,096 examples)"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- 1. the recipe and the first line -------------------------------------------------------------------------
@pytest.mark.parametrize("argv,recipe,backend", [
    (["train"], "textbook", "reference"),                                      # the README's first command
    (["train", "--corpus", "ptb"], "textbook", "reference"),
    (["train", "--corpus", "my.txt"], "word2vec", "auto"),                     # a user's own corpus: the fast one
    (["train", "--corpus", "my.txt", "--recipe", "textbook"], "textbook", "reference"),
    (["train", "--recipe", "word2vec"], "word2vec", "auto"),
    (["train", "--corpus", "my.txt", "--backend", "reference"], "textbook", "reference"),  # --backend decides
    (["train", "--backend", "cpu"], "word2vec", "cpu"),
    (["train", "--recipe", "word2vec", "--backend", "cuda"], "word2vec", "cuda"),
])
def test_the_recipe_follows_the_corpus_unless_asked(argv, recipe, backend):
    args = build_parser().parse_args(argv)
    chosen = recipes.choose(args.recipe, cli_train.given(args, "backend"), args.corpus)
    assert chosen[:2] == (recipe, backend)
    cfg = cli_train.config_from_args(args)
    assert cfg.backend == backend
    assert cfg.threads == (fast_threads() if backend in ("cpu", "auto") else 1)


@pytest.mark.parametrize("gpu,expected", [(False, "cpu"), (True, "cuda")])
def test_a_users_corpus_trains_on_the_fastest_backend(monkeypatch, gpu, expected):
    monkeypatch.setattr(run_mod, "cuda_available", lambda: gpu)
    cfg = run_mod.resolved_on(cli_train.config_from_args(build_parser().parse_args(["train", "--corpus", "my.txt"])))
    assert cfg.backend == expected and cfg.lr == 0.025 and cfg.min_count == 5  # word2vec.c's settings
    line = recipes.describe("word2vec", "the default on your own corpus", cfg, "auto", False)
    assert line.startswith("recipe word2vec (the default on your own corpus): backend " + expected)
    assert ("(a GPU was found)" if gpu else "(no GPU found), ") in line and "--recipe textbook" in line


def test_the_first_line_of_a_run_on_a_users_corpus_names_recipe_backend_threads(capsys, tmp_path, topic_corpus):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                       "--save-model", tmp_path / "m", *FAST)
    assert code == 0, err
    first = err.splitlines()[0]
    n = fast_threads()
    assert first.startswith("recipe word2vec (the default on your own corpus): backend cpu (no GPU found), "
                            f"{n:,} thread{'s' if n != 1 else ''} (every core this process may use)")
    assert "--recipe textbook" in first and err.splitlines()[1].startswith("corpus:")
    saved = json.loads((tmp_path / "m.json").read_text())["config"]
    assert (saved["backend"], saved["threads"], saved["min_count"], saved["sample"]) == ("cpu", n, 1, 1e-3)


def test_the_textbook_run_says_so_and_how_to_get_the_fast_one(capsys, tmp_path, monkeypatch):
    """The README's first command (no corpus: the bundled PTB), its first line, without its 35 s of training."""
    def stop_after_the_first_line(w2v, corpus, log=None, **kw):
        assert corpus == "ptb" and w2v.config.backend == "reference" and w2v.config.optimizer == "adam"
        log("corpus: the bundled PTB")
        raise W2VError("stopped here by the test")

    monkeypatch.setattr(cli_train, "fit", stop_after_the_first_line)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--no-progress")
    assert code == W2VError.exit_code
    assert err.splitlines()[0] == ("recipe textbook (the default on the bundled PTB): backend reference (NumPy), "
                                   "1 thread, the textbook's settings; the fast one, word2vec.c's settings on cuda or "
                                   "cpu: --recipe word2vec")


@pytest.mark.parametrize("options,why", [(["--backend", "reference"], "(--backend reference)"),
                                         (["--recipe", "textbook"], "(--recipe textbook)"),
                                         (["--backend", "cpu", "--threads", "1"], "(--backend cpu)")])
def test_the_first_line_says_why(capsys, tmp_path, topic_corpus, options, why):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", *options, *FAST)
    assert code == 0, err
    assert why in err.splitlines()[0] and err.splitlines()[0].startswith("recipe ")


def test_an_error_before_anything_is_logged_stays_the_only_line(capsys, tmp_path):
    (tmp_path / "empty.txt").write_text("\n\n")
    code, _, err = run(capsys, "train", "--corpus", tmp_path / "empty.txt", "--output", tmp_path / "v.txt", *FAST)
    assert code != 0 and len(err.splitlines()) == 1 and "recipe" not in err


# -- 2. options that mean nothing ----------------------------------------------------------------------------
MEANINGLESS = [
    (["--loss", "hs", "--negative", "5"], "--negative 5 applies to negative sampling"),
    (["--backend", "reference", "--loss", "softmax", "--negative", "3"], "--negative 3 applies to negative sampling"),
    (["--loss", "hs", "--ns-exponent", "0.5"], "--ns-exponent"),
    (["--batch-size", "64"], "--batch-size is the reference trainer's"),          # a user's corpus: cpu
    (["--backend", "cpu", "--batch-size", "64"], "--batch-size"),
    (["--backend", "reference", "--threads", "4"], "--threads 4: the reference trainer runs in one thread"),
    (["--backend", "reference", "--min-lr", "0.001"], "--min-lr"),               # Adam keeps its rate
    (["--cbow-sum"], "--cbow-sum"),                                              # skip-gram
    (["--model", "cbow", "--no-shared-noise"], "--shared-noise"),
    (["--model", "cbow", "--no-window-batch"], "--window-batch"),
    (["--backend", "reference", "--no-window-batch"], "cpu kernel scheme"),
    (["--backend", "reference", "--no-shared-noise"], "--shared-noise"),
    (["--sample", "0", "--sample-rule", "word2vec"], "--sample-rule"),
    (["--extra", "cuda_atomic=false"], "--extra cuda_atomic is read by the cuda backend only"),
    (["--backend", "cpu", "--extra", "cuda_warps_per_block=8"], "--extra cuda_warps_per_block"),
    (["--extra", "cbow_update=exact"], "--extra cbow_update applies to --model cbow"),
    (["--backend", "reference", "--model", "cbow", "--extra", "cbow_update=exact"], "--extra cbow_update"),
    (["--model", "cbow", "--extra", "cbow_update=sideways"], "--extra cbow_update='sideways' is not allowed"),
    (["--extra", "cuda_sentence_length=0"], "--extra cuda_sentence_length=0 is not allowed"),
    (["--max-vocab", "0"], "omit --max-vocab for no limit"),
    (["--max-vocab", "-3"], "--max-vocab"),
    (["--max-sentence-length", "0"], "--max-sentence-length must be positive"),
    (["--recipe", "textbook", "--backend", "cpu"], "disagree"),
    (["--recipe", "word2vec", "--backend", "reference"], "disagree"),
    (["--loss", "softmax"], "the full softmax is only in the reference trainer"),  # a user's corpus: cpu
]


@pytest.mark.parametrize("options,needle", MEANINGLESS, ids=[" ".join(o) for o, _ in MEANINGLESS])
def test_options_that_mean_nothing_are_one_line_before_reading(capsys, tmp_path, topic_corpus, options, needle):
    out = tmp_path / "v.txt"
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, *FAST, *options)
    assert code == ConfigError.exit_code, err
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err, err
    assert not out.exists() and sorted(os.listdir(tmp_path)) == [topic_corpus.name]


@pytest.mark.parametrize("options", [["--loss", "hs", "--negative", "0"],  # word2vec.c's -hs 1 -negative 0
                                     ["--backend", "reference", "--optimizer", "sgd", "--min-lr", "1e-5"],
                                     ["--model", "cbow", "--cbow-sum", "--extra", "cbow_update=exact"],
                                     ["--backend", "cpu", "--no-shared-noise", "--no-window-batch"]])
def test_the_same_options_where_they_mean_something_train(capsys, tmp_path, topic_corpus, options):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--threads", "1",
                       *FAST, *options)
    assert code == 0, err


def test_only_options_given_count(monkeypatch):
    """A default is never refused: the rule sees what the user set, and the backend that runs."""
    cfg = TrainConfig(backend="cuda", loss="hs").with_defaults()  # negative 5, threads 1 by default
    refuse_unused([], cfg)
    with pytest.raises(ConfigError, match="--threads sets the cpu backend's threads"):
        refuse_unused(["threads"], cfg)
    with pytest.raises(ConfigError, match="--negative"):
        refuse_unused(["negative"], cfg)
    refuse_unused(["threads"], TrainConfig(backend="auto").with_defaults())  # auto may become cpu


def test_more_classes_than_words_is_refused_before_training(capsys, tmp_path, topic_corpus):
    out = tmp_path / "classes.txt"
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, "--classes", "1000", *FAST)
    assert code == ConfigError.exit_code, err
    assert "--classes 1,000 is more than the 24 words" in err and "epoch" not in err and "corpus:" not in err
    assert len(err.splitlines()) == 1 and not out.exists()
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, "--classes", "24", *FAST)
    assert code == 0, err
    assert len(out.read_text().splitlines()) == 24


# -- 3. memory ------------------------------------------------------------------------------------------------
def _encoded(corpus):
    from w2v_scratch.corpus import read as corpus_mod

    return corpus_mod.load(corpus, 1)


def test_the_fixed_samples_noise_ids_are_counted(topic_corpus):
    """Drawing the fixed sample's S×K noise ids is the big allocation of a run with a large --negative:
    the estimate covers the measured peak (NumPy's allocations are traced), and not by much."""
    from w2v_scratch.training.monitor import FixedSample

    vocab, encoded = _encoded(topic_corpus)
    cfg = TrainConfig(backend="cpu", negative=2000, dim=8, min_count=1, threads=1).with_defaults()
    tracemalloc.start()
    try:
        sample = FixedSample(encoded, vocab, cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = memory_needed(cfg, len(vocab), len(encoded.ids), len(encoded.ids)).breakdown[SAMPLE]
    assert sample.noise.shape[1] == 2000 and peak > 50e6
    scale = 4096 / len(sample.targets)  # the estimate assumes the full sample
    assert peak <= estimate <= 2 * peak * scale


@pytest.mark.parametrize("model,loss,batch", [("sg", "ns", True), ("sg", "ns", False), ("sg", "hs", True),
                                               ("cbow", "ns", None), ("cbow", "hs", None)])
def test_the_cpu_kernels_per_thread_buffers_are_counted(topic_corpus, model, loss, batch):
    """The formula against the arrays ``train_chunk`` allocates per thread (kernels/cpu.py)."""
    from w2v_scratch.kernels import cpu
    from w2v_scratch.training.kernel_inputs import Tables

    vocab, _ = _encoded(topic_corpus)
    W, K, d, threads = 7, 300, 16, 3
    cfg = TrainConfig(backend="cpu", model=model, loss=loss, window=W, negative=K, dim=d, threads=threads,
                      window_batch=batch).with_defaults()
    tables = Tables(vocab, cfg)
    k = 0 if loss == "hs" else K
    arrays = [np.zeros(d, np.float32), np.zeros(d, np.float32), np.zeros(2 * (2 * W * k) + 1, np.int64),
              np.zeros(2 * W, np.int64), np.zeros(cpu.MAX_SENTENCE, np.int64),
              *cpu.window_scratch(2 * W, max(tables.points.shape[1], k + 1), d)]
    actual = sum(a.nbytes for a in arrays)
    need = memory_needed(cfg, len(vocab), 4800, 4800)
    counted = need.breakdown[f"the cpu kernel's buffers ({threads} threads)"]
    assert actual * threads <= counted <= 1.5 * actual * threads


def test_a_large_negative_names_the_fix_that_applies_to_train():
    cfg = TrainConfig(backend="cpu", negative=10**6, threads=2).with_defaults()
    with pytest.raises(ConfigError) as exc:
        check_memory(cfg, 10_000, 10**6, 4 * 10**5, available=10**9)
    assert str(exc.value).startswith("--negative 1,000,000") and "lower --negative" in str(exc.value)


# The child's own peak resident memory: VmHWM belongs to the process's memory map, which exec starts
# anew (getrusage's ru_maxrss would carry over the peak of the forking test process).
MEASURE = """
import sys
from w2v_scratch.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as f:
    print(next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:")), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc")
def test_the_estimate_follows_a_measured_peak(tmp_path, topic_corpus):
    """Two runs differing only in --negative: the growth of the peak resident memory (measured) and of
    the estimate agree within a factor. The first run is a warm-up: it may compile the kernels (a
    stale Numba cache), which would inflate its peak."""
    peaks = {}
    for k in (5, 5, 3000):
        r = subprocess.run([sys.executable, "-c", MEASURE, "train", "--corpus", str(topic_corpus), "--output",
                            str(tmp_path / f"v{k}.txt"), "--negative", str(k), "--threads", "1", "--sample", "0",
                            "--lr", "0.001",  # a rate at which 3,000 noise words per pair do not diverge
                            *FAST], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        peaks[k] = int(r.stderr.splitlines()[-1])
    vocab, encoded = _encoded(topic_corpus)

    def estimate(k):
        cfg = TrainConfig(backend="cpu", negative=k, dim=8, min_count=1, threads=1, sample=0).with_defaults()
        return memory_needed(cfg, len(vocab), len(encoded.ids), len(encoded.ids)).total

    grown, estimated = peaks[3000] - peaks[5], estimate(3000) - estimate(5)
    assert estimated > 200e6 and 0.5 * estimated <= grown <= 1.25 * estimated, (grown, estimated)
