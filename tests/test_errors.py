"""Hardening (issue 7): every kind of bad input, through the CLI.

Each case must give its error class's own exit status, exactly one line on stderr
(``w2v-scratch COMMAND: error: ...``) with no traceback, and leave no output or
temporary file behind; ``--debug`` raises instead, so the traceback shows.
"""

from __future__ import annotations

import importlib.util
import os
import struct
import time

import numpy as np
import pytest

from w2v_scratch.corpus import read as corpus
from w2v_scratch.corpus import text_file
from w2v_scratch.cli import main
from w2v_scratch.base.errors import (ConfigError, DeviceError, DivergenceError, FormatError, InputError, VocabError,
                                W2VError)
from w2v_scratch.training.run import cuda_available

TRAIN = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--no-progress", "--query"]


def test_exit_codes_are_distinct():
    errors = [W2VError, InputError, ConfigError, VocabError, FormatError, DeviceError, DivergenceError]
    codes = [e.exit_code for e in errors]
    assert len(set(codes)) == len(codes) and 0 not in codes and 130 not in codes


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_fails(code, err, error, needle=None):
    """Exit status ``error.exit_code``, one ``error:`` line on stderr (the last), no traceback."""
    assert code == error.exit_code, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert [line for line in lines if ": error: " in line] == lines[-1:], err
    if needle:
        assert needle in lines[-1], err


def leftovers(folder, inputs=()) -> list[str]:
    """Files in ``folder`` that are not inputs: outputs or temporary files that should not exist."""
    keep = {os.path.basename(os.fspath(p)) for p in inputs}
    return sorted(p for p in os.listdir(folder) if p not in keep)


# -- corpora ---------------------------------------------------------------------------------------------
CORPORA = {
    # name: (file bytes or None for missing, error, words the message must hold)
    "missing": (None, InputError, "does not exist"),
    "empty": (b"", InputError, "no words"),
    "blank": (b"  \n\t\n\n", InputError, "no words"),
    "binary": (b"the cat\x00\x01\x02 sat\n", InputError, "binary"),
    "latin1": ("caf\xe9 cr\xe8me br\xfbl\xe9e\n".encode("latin-1"), InputError, "not UTF-8"),
    "rare": (b"every word here is rare\n", VocabError, "--min-count"),
}


@pytest.mark.parametrize("case", sorted(CORPORA))
def test_bad_corpus(capsys, tmp_path, case):
    data, error, needle = CORPORA[case]
    path = tmp_path / f"{case}.txt"
    if data is not None:
        path.write_bytes(data)
    min_count = ["--min-count", "2"] if case == "rare" else ["--min-count", "1"]
    out = tmp_path / "vectors.txt"
    code, stdout, err = run(capsys, "train", "--corpus", path, "--output", out, "--save-model", tmp_path / "m",
                            "--no-progress", *min_count)
    assert_fails(code, err, error, needle)
    assert len(err.splitlines()) == 1 and stdout == ""
    assert leftovers(tmp_path, [path]) == []


def test_corpus_that_is_a_folder(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--corpus", tmp_path, "--output", tmp_path / "v.txt", "--no-progress")
    assert_fails(code, err, InputError, "directory")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_corrupt_compressed_corpus(capsys, tmp_path, suffix):
    path = tmp_path / f"c.txt{suffix}"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 64 if suffix == ".gz" else b"not compressed at all")
    code, _, err = run(capsys, "train", "--corpus", path, "--output", tmp_path / "v.txt", "--no-progress")
    assert_fails(code, err, InputError, "corrupt or truncated")
    assert leftovers(tmp_path, [path]) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads any file: chmod 000 cannot make it unreadable")
def test_unreadable_corpus_chmod(capsys, tmp_path, topic_corpus):
    os.chmod(topic_corpus, 0)
    try:
        code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--no-progress")
    finally:
        os.chmod(topic_corpus, 0o644)
    assert_fails(code, err, InputError, "not readable")
    assert leftovers(tmp_path, [topic_corpus]) == []


def test_unreadable_corpus_permission_error(capsys, tmp_path, topic_corpus, monkeypatch):
    """The same case where the tests run as root: opening raises PermissionError as for a chmod 000 file."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(text_file, "open", refuse, raising=False)  # the reader's builtin open
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--no-progress")
    assert_fails(code, err, InputError, "not readable")
    assert len(err.splitlines()) == 1
    assert leftovers(tmp_path, [topic_corpus]) == []


def test_line_of_two_million_tokens_is_cut_into_pseudo_sentences(tmp_path):
    n = 2_000_000
    words = [f"w{i}" for i in range(100)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words[i % 100] for i in range(n)))  # ~7.8 MB, no newline at all
    assert path.stat().st_size > 5_000_000
    lengths = [len(s) for s in corpus.iter_sentences(path)]
    assert lengths == [corpus.MAX_SENTENCE_LENGTH] * (n // corpus.MAX_SENTENCE_LENGTH)
    vocab, enc = corpus.load(path, min_count=1)
    assert len(vocab) == 100 and len(enc) == n and enc.n_sentences == n // corpus.MAX_SENTENCE_LENGTH
    assert enc.ids[:3].tolist() == [vocab.index[w] for w in words[:3]]


def test_train_on_a_single_line_of_200k_tokens(capsys, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(f"w{i}" for i in rng.zipf(1.3, 200_000) % 300))
    out = tmp_path / "v.txt"
    start = time.perf_counter()
    code, _, err = run(capsys, "train", "--corpus", path, "--output", out, "--backend", "reference", *TRAIN)
    assert code == 0, err
    assert "200,000 tokens in 20 sentences" in err
    assert time.perf_counter() - start < 120
    V, d = map(int, out.read_text().split("\n", 1)[0].split())
    assert d == 8 and V > 100


# -- hyperparameters ---------------------------------------------------------------------------------
BAD_OPTIONS = [
    (["--dim", "0"], "--dim"), (["--dim", "-5"], "--dim"),
    (["--window", "0"], "--window"), (["--window", "-1"], "--window"),
    (["--negative", "-1"], "--negative"), (["--loss", "ns", "--negative", "0"], "--negative"),
    (["--loss", "hs", "--negative", "-1"], "--negative"),
    (["--sample", "-0.001"], "--sample"),
    (["--lr", "0"], "--lr"), (["--lr", "-0.1"], "--lr"),
    (["--epochs", "0"], "--epochs"), (["--epochs", "-2"], "--epochs"),
    (["--threads", "0"], "--threads"), (["--threads", "-4"], "--threads"),
    (["--min-count", "0"], "--min-count"), (["--batch-size", "0"], "--batch-size"),
    (["--min-lr", "-1"], "--min-lr"), (["--backend", "cpu", "--loss", "softmax"], "softmax"),
]


@pytest.mark.parametrize("options,needle", BAD_OPTIONS, ids=[" ".join(o) for o, _ in BAD_OPTIONS])
def test_nonsensical_hyperparameters(capsys, tmp_path, topic_corpus, options, needle):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--no-progress",
                       *options)
    assert_fails(code, err, ConfigError, needle)
    assert len(err.splitlines()) == 1
    assert leftovers(tmp_path, [topic_corpus]) == []


def test_options_are_checked_before_the_corpus(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--corpus", tmp_path / "missing.txt", "--dim", "0", "--no-progress")
    assert_fails(code, err, ConfigError, "--dim")


def test_unknown_backend_is_a_one_line_argparse_error(capsys, tmp_path, topic_corpus):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--corpus", str(topic_corpus), "--output", str(tmp_path / "v.txt"), "--backend", "tpu"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.count("\n") == 1 and "usage:" not in err
    assert err.startswith("w2v-scratch train: error: argument --backend: invalid choice: 'tpu'")
    assert err.rstrip().endswith("see w2v-scratch train --help")
    assert "Traceback" not in err
    assert leftovers(tmp_path, [topic_corpus]) == []


def test_cuda_without_a_gpu(capsys, tmp_path, topic_corpus):
    start = time.perf_counter()
    available = cuda_available()
    assert time.perf_counter() - start < 60
    if available:
        pytest.skip("this machine has a GPU")
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", "--no-progress",
                       "--backend", "cuda")
    assert_fails(code, err, DeviceError, "--backend cpu")
    assert len(err.splitlines()) == 1
    assert leftovers(tmp_path, [topic_corpus]) == []


# -- divergence ---------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_huge_learning_rate_diverges_cleanly(capsys, tmp_path, topic_corpus):
    """SGD at lr 1e20 overflows the vectors within a few batches: the reference trainer stops on the
    first non-finite batch loss, and nothing is written."""
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                       "--save-model", tmp_path / "m", "--backend", "reference", "--optimizer", "sgd", "--lr", "1e20",
                       "--batch-size", "32", *TRAIN)
    assert_fails(code, err, DivergenceError, "lower --lr")
    assert leftovers(tmp_path, [topic_corpus]) == []


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_vectors_gone_infinite_after_the_last_batch(capsys, tmp_path, topic_corpus):
    """lr 1e39 (float32 overflow) with a single batch: the loss was finite when computed, the update then
    made the vectors infinite; the final check in ``fit`` catches it before anything is written."""
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                       "--save-model", tmp_path / "m", "--backend", "reference", "--optimizer", "sgd", "--lr", "1e39",
                       *TRAIN)
    assert_fails(code, err, DivergenceError, "the vectors hold NaN/inf; lower --lr")
    assert leftovers(tmp_path, [topic_corpus]) == []


@pytest.mark.parametrize("table", ["center", "context"])
def test_final_divergence_guard_covers_every_backend(capsys, tmp_path, topic_corpus, monkeypatch, table):
    """A trainer that returns without noticing NaN (as a Hogwild kernel could): still no file."""
    from w2v_scratch.training import trainer_reference as reference
    real = reference.train

    def poisoned(w2v, *args, **kwargs):
        real(w2v, *args, **kwargs)
        getattr(w2v, table)[0, 0] = np.nan

    monkeypatch.setattr(reference, "train", poisoned)
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt",
                       "--save-model", tmp_path / "m", "--backend", "reference", *TRAIN)
    assert_fails(code, err, DivergenceError, "training diverged")
    assert leftovers(tmp_path, [topic_corpus]) == []


# -- vector files ------------------------------------------------------------------------------------------
def binary(words, vecs, header=None) -> bytes:
    out = (header or f"{len(words)} {len(vecs[0])}").encode() + b"\n"
    for w, v in zip(words, vecs):
        out += w.encode() + b" " + struct.pack(f"<{len(v)}f", *v) + b"\n"
    return out


GOOD_TEXT = "3 4\nking 1 2 3 4\nqueen 1 2 3 5\nman 4 3 2 1\n"
VEC = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0], [4.0, 3.0, 2.0, 1.0]]
BAD_VECTORS = {
    # name: (file name, bytes, words the message must hold)
    "truncated-text": ("v.txt", GOOD_TEXT[:-5].encode(), "2 values where 4"),
    "truncated-binary": ("v.bin", binary(["king", "queen", "man"], VEC)[:-7], "truncated"),
    "header-not-numbers": ("v.txt", b"three four\nking 1 2 3 4\nqueen 1 2 3 5\n", "broken '<count> <dim>' header"),
    "header-one-number": ("v.txt", b"3\nking 1 2 3 4\nqueen 1 2 3 5\n", "first line should be '<count> <dim>'"),
    "header-negative": ("v.txt", b"-3 4\nking 1 2 3 4\nqueen 1 2 3 5\n", "first line should be '<count> <dim>'"),
    "header-zero-dim": ("v.txt", b"3 0\nking\nqueen\n", "dimension 0"),
    "header-negative-binary": ("v.bin", binary(["king", "queen"], VEC[:2], "2 -4"), "first line"),
    "wrong-dimension": ("v.txt", b"3 4\nking 1 2 3 4\nqueen 1 2 3\nman 4 3 2 1\n", "v.txt:3: 3 values where 4"),
    "nan": ("v.txt", b"3 4\nking 1 2 3 4\nqueen 1 nan 3 5\nman 4 3 2 1\n", "'queen' holds NaN or infinity"),
    "inf": ("v.txt", b"3 4\nking 1 2 3 4\nqueen 1 2 3 5\nman 4 -inf 2 1\n", "'man' holds NaN or infinity"),
    "overflow": ("v.txt", b"3 4\nking 1 2 3 4\nqueen 1 2 3 5\nman 4 1e39 2 1\n", "'man' holds NaN or infinity"),
    "nan-binary": ("v.bin", binary(["king", "queen"], [VEC[0], [1, float("nan"), 0, 0]]), "'queen' holds NaN"),
    "inf-glove": ("v.txt", b"king 1 2\nqueen inf 2\n", "'queen' holds NaN or infinity"),
    "duplicate-word": ("v.txt", b"3 4\nking 1 2 3 4\nqueen 1 2 3 5\nking 4 3 2 1\n", "'king' appears twice"),
    "duplicate-binary": ("v.bin", binary(["king", "queen", "king"], VEC), "'king' appears twice"),
    "count-too-large": ("v.txt", b"5 4\nking 1 2 3 4\nqueen 1 2 3 5\nman 4 3 2 1\n",
                        "the header announces 5 vectors but the file holds 3"),
    "count-too-large-binary": ("v.bin", binary(["king", "queen", "man"], VEC, "4 4"),
                               "the header announces 4 vectors of dimension 4 (at least 72 bytes) but only 66 "
                               "bytes follow, room for 3 at most"),
    "count-too-large-binary-long-words": ("v.bin", binary(["kingdom", "queendom", "mankind"], VEC, "4 4"),
                                          "the header announces 4 vectors but the file holds 3"),
    "count-huge-binary": ("v.bin", binary(["king", "queen", "man"], VEC, "1000000000000 1000000"),
                          "announces 1000000000000 vectors"),
    "count-too-small": ("v.txt", b"2 4\nking 1 2 3 4\nqueen 1 2 3 5\nman 4 3 2 1\n", "more than the 2 vectors"),
    "not-a-number": ("v.txt", b"3 4\nking 1 2 3 4\nqueen 1 two 3 5\nman 4 3 2 1\n", "'two' is not a number"),
    "empty": ("v.txt", b"", "empty"),
    "random-bytes": ("v.bin", bytes(range(256)) * 3, "first line"),
}


def vector_commands(vectors, folder):
    """Every subcommand that reads --vectors, with the outputs it would write."""
    return {
        "similar": ["similar", "king", "--vectors", vectors],
        "analogy": ["analogy", "man", "king", "queen", "--vectors", vectors],
        "evaluate": ["evaluate", "--vectors", vectors],
        "convert": ["convert", vectors, folder / "out.bin"],
        "plot": ["plot", "--vectors", vectors, "--words", "king", "queen", "man", "--output", folder / "w.png"],
    }


@pytest.mark.parametrize("case", sorted(BAD_VECTORS))
@pytest.mark.parametrize("command", ["similar", "analogy", "evaluate", "convert", "plot"])
def test_bad_vector_files(capsys, tmp_path, case, command):
    name, data, needle = BAD_VECTORS[case]
    path = tmp_path / name
    path.write_bytes(data)
    code, stdout, err = run(capsys, *vector_commands(path, tmp_path)[command])
    assert_fails(code, err, FormatError, needle)
    assert len(err.splitlines()) == 1 and stdout == ""
    assert leftovers(tmp_path, [path]) == []


@pytest.mark.parametrize("command", ["similar", "analogy", "evaluate", "convert", "plot"])
def test_missing_and_unreadable_vector_files(capsys, tmp_path, command):
    code, _, err = run(capsys, *vector_commands(tmp_path / "missing.txt", tmp_path)[command])
    assert_fails(code, err, InputError, "does not exist")
    os.mkdir(tmp_path / "folder.txt")
    code, _, err = run(capsys, *vector_commands(tmp_path / "folder.txt", tmp_path)[command])
    assert_fails(code, err, InputError, "folder")
    assert leftovers(tmp_path) == ["folder.txt"]


@pytest.mark.parametrize("argv,needle", [
    (["similar", "kingdom"], "'kingdom' is not in the vocabulary"),
    (["similar", "king", "Queen"], "'Queen'"),
    (["analogy", "man", "king", "woman"], "'woman' is not in the vocabulary"),
    (["analogy", "man", "king", "woman", "--method", "3cosmul"], "'woman'"),
])
def test_unknown_query_words(capsys, tmp_path, argv, needle):
    path = tmp_path / "v.txt"
    path.write_text(GOOD_TEXT)
    code, stdout, err = run(capsys, *argv, "--vectors", path)
    assert_fails(code, err, VocabError, needle)
    assert len(err.splitlines()) == 1 and stdout == ""


def test_good_file_passes_every_command(capsys, tmp_path):
    """The baseline the bad files are damaged from works with each command (so the errors above are
    about the damage, not about the command)."""
    path = tmp_path / "v.txt"
    path.write_text(GOOD_TEXT)
    for command, argv in vector_commands(path, tmp_path).items():
        if command == "plot" and importlib.util.find_spec("matplotlib") is None:
            continue  # the plot extra is not installed (README's plain `.[dev]` install)
        if command == "evaluate":
            (tmp_path / "q.txt").write_text(": s\nman king queen king\n")
            argv = argv + ["--analogies", tmp_path / "q.txt"]
        code, _, err = run(capsys, *argv)
        assert code == 0, (command, err)


# -- --debug -------------------------------------------------------------------------------------------------
def test_debug_raises_with_the_traceback(capsys, tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(BAD_VECTORS["nan"][1])
    with pytest.raises(FormatError, match="NaN"):
        main(["--debug", "similar", "king", "--vectors", str(path)])
    with pytest.raises(InputError, match="does not exist"):
        main(["--debug", "train", "--corpus", str(tmp_path / "missing.txt"), "--no-progress"])
    with pytest.raises(ConfigError, match="--window"):
        main(["--debug", "train", "--window", "0"])
    assert capsys.readouterr().err == ""


def test_native_model_pair_from_two_saves(capsys, tmp_path):
    from w2v_scratch.training.config import TrainConfig
    from w2v_scratch.training.persist import save_model
    from w2v_scratch.corpus.vocab import Vocab
    from w2v_scratch.word2vec import Word2Vec

    for name in ("a", "b"):
        m = Word2Vec(TrainConfig(dim=2, epochs=1))
        m.vocab = Vocab(["king", "queen"], [2, 1])
        m.center = np.ones((2, 2), np.float32)
        m.context = np.ones((2, 2), np.float32)
        save_model(m, tmp_path / name)
    os.replace(tmp_path / "b.json", tmp_path / "a.json")
    code, _, err = run(capsys, "similar", "king", "--vectors", tmp_path / "a.npz")
    assert_fails(code, err, FormatError, "different saves")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("kind", ["analogies", "pairs"])
@pytest.mark.parametrize("name,data,error,needle", [
    ("bad.txt.gz", b"\x1f\x8b\x08\x00" + b"\xff" * 40, InputError, "corrupt or truncated"),
    ("latin1.txt", "caf\xe9 th\xe9 1\n".encode("latin-1"), InputError, "not UTF-8"),
    ("empty.txt", b"", FormatError, "holds no"),
], ids=["corrupt-gz", "latin1", "empty"])
def test_damaged_evaluation_files(capsys, tmp_path, kind, name, data, error, needle):
    vectors = tmp_path / "v.txt"
    vectors.write_text(GOOD_TEXT)
    (tmp_path / name).write_bytes(data)
    code, _, err = run(capsys, "evaluate", "--vectors", vectors, f"--{kind}", tmp_path / name)
    assert_fails(code, err, error, needle)
    assert len(err.splitlines()) == 1


# -- vocabulary files (no CLI command reads one yet: the loader directly) ---------------------------------------
@pytest.mark.parametrize("data,error,needle", [
    (b"the 5\nof 3\nthe 2\n", FormatError, "'the' twice"),
    ("the 5\nof \u00b2\n".encode(), FormatError, "expected 'word count'"),  # '²'.isdigit() but int('²') fails
    (b"the 99999999999999999999999\n", FormatError, "expected 'word count'"),  # beyond int64
    (b"the -5\n", FormatError, "expected 'word count'"),
    (b"the 5 6\n", FormatError, ":1: expected 'word count'"),
    (b"\n\n", FormatError, "empty"),
    (b"caf\xe9 5\n", FormatError, "not UTF-8"),
], ids=["duplicate", "superscript", "huge", "negative", "three-fields", "empty", "latin1"])
def test_bad_vocabulary_files(tmp_path, data, error, needle):
    from w2v_scratch.corpus.vocab import Vocab

    path = tmp_path / "vocab.txt"
    path.write_bytes(data)
    with pytest.raises(error, match=needle) as info:
        Vocab.load(path)
    assert "\n" not in str(info.value)
    with pytest.raises(InputError, match="does not exist"):
        Vocab.load(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="folder"):
        Vocab.load(tmp_path)
