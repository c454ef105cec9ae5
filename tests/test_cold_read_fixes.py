"""Fixes from a cold read of issues 22/23's work: vector loads that stream into their final array,
a one-file model given where vectors are read, one meaning of corpus_total_words, output names
against an explicit format, the losses window_batch accepts, quiet overflowing norms, and the
benchmark's recorded load."""

from __future__ import annotations

import gzip
import mmap
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from w2v_scratch.vectors import readers
from w2v_scratch.vectors.readers import _Rows, load_glove, load_word2vec

# --- 1. loads stream into their final array -------------------------------------------------------

_PEAK = textwrap.dedent("""
    import resource, sys
    from w2v_scratch.vectors.readers import load_word2vec
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    emb = load_word2vec(sys.argv[1])
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024
    print(grew / emb.vectors.nbytes)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KiB and mremap: Linux")
def test_stream_load_peak_is_about_the_matrix(tmp_path):
    """A gzip stream (no size known: the matrix grows with the rows read) just past a doubling of the
    storage peaks at about the matrix, not twice it (the words and read buffers are the rest)."""
    V, d = 4096 * 16 + 1, 256  # 64 MiB of float32, one row past 2^k blocks of 4096 rows
    path = tmp_path / "v.bin.gz"
    row = np.full(d, 0.5, "<f4").tobytes()
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(f"{V} {d}\n".encode())
        f.write(b"".join(b"w%d " % i + row for i in range(V)))
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 1.5, out.stdout  # twice the matrix, and more, before


class _FixedMap(mmap.mmap):
    """A map that cannot be resized in place (as where there is no mremap)."""

    def resize(self, newsize):
        raise OSError("no mremap here")


def test_rows_grow_exactly(monkeypatch):
    """Rows put across several growths (and a reservation too small) come back exactly, in order,
    also where a map cannot grow in place (the rows are copied into a larger one)."""
    rng = np.random.default_rng(0)
    want = rng.standard_normal((3000, 7)).astype(np.float32)
    for reserve, fixed in ((None, False), (5, False), (None, True)):
        if fixed:
            monkeypatch.setattr(readers, "_anonymous", lambda n: _FixedMap(-1, n))
        rows = _Rows(7, reserve)
        for r in want:
            rows.put(r)
        got = rows.matrix()
        assert got.shape == want.shape and np.array_equal(got, want)
    assert _Rows(3).matrix().shape == (0, 3)


@pytest.mark.parametrize("header", [True, False])
def test_text_load_exact_with_and_without_header(tmp_path, header):
    """Text files (a header's count reserved at once; GloVe grown) read back the exact values, a
    limit keeps the first rows, and a header that claims more rows than the bytes hold is still
    named from the rows read."""
    rng = np.random.default_rng(1)
    M = rng.standard_normal((50, 4)).astype(np.float32)
    body = "".join(f"w{i} " + " ".join(repr(float(x)) for x in r) + "\n" for i, r in enumerate(M))
    path = tmp_path / "v.txt"
    path.write_text(("50 4\n" if header else "") + body)
    load = load_word2vec if header else load_glove
    emb = load(path)
    assert np.array_equal(emb.vectors, M) and emb.words[7] == "w7"
    assert np.array_equal(load(path, limit=9).vectors, M[:9])
    if header:
        path.write_text("5000 4\n" + body)
        with pytest.raises(Exception, match="announces 5000 vectors but the file holds 50"):
            load_word2vec(path)


# --- 2. a one-file model where vectors are read ----------------------------------------------------

@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """A tiny model saved both ways: the one file (``Word2Vec.save("w2v.model")``) and the pair."""
    from w2v_scratch.training import model_file
    from w2v_scratch.word2vec import Word2Vec
    d = tmp_path_factory.mktemp("models")
    model = Word2Vec([["a", "b", "c", "d"], ["b", "c", "a"], ["d", "a", "b"]] * 10, vector_size=8, min_count=1,
                     epochs=1, workers=1, seed=1)
    model_file.save(model, d / "w2v.model")
    model.save(str(d / "pair"))
    return d, model


def test_model_file_read_as_vectors(saved_models):
    """load_vectors, KeyedVectors.load and detect_format read the word vectors of a one-file model."""
    from w2v_scratch.vectors.formats import detect_format, load_vectors
    from w2v_scratch.vectors.keyedvectors import KeyedVectors
    d, model = saved_models
    path = d / "w2v.model"
    assert detect_format(path) == "native"
    for emb in (load_vectors(path), KeyedVectors.load(path), load_vectors(path, format="native")):
        assert list(emb.words) == list(model.wv.words) and np.array_equal(emb.vectors, model.wv.vectors)
    assert load_vectors(path, limit=2).vectors.shape == (2, 8)


@pytest.mark.parametrize("name, said", [("w2v.model", "model file"), ("pair.npz", ".npz + .json pair")])
def test_model_forced_to_another_format_is_named(saved_models, name, said):
    """A model's file read as word2vec/GloVe is named as what it is, never as a foreign zip archive."""
    from w2v_scratch.base.errors import FormatError
    from w2v_scratch.vectors.formats import load_vectors
    d, _ = saved_models
    for fmt in ("word2vec", "word2vec-binary", "glove"):
        with pytest.raises(FormatError, match="leave --format out") as err:
            load_vectors(d / name, format=fmt)
        assert said in str(err.value) and "unzip" not in str(err.value)


def test_cli_reads_model_file(saved_models, capsys):
    """similar, analogy and convert take the one-file model as --vectors / input."""
    from w2v_scratch.cli import main
    d, _ = saved_models
    assert main(["similar", "a", "--vectors", str(d / "w2v.model")]) in (0, None)
    assert main(["analogy", "a", "b", "c", "--vectors", str(d / "w2v.model")]) in (0, None)
    assert main(["convert", str(d / "w2v.model"), str(d / "out.txt")]) in (0, None)
    assert (d / "out.txt").read_text().startswith("4 8\n")


# --- 3. corpus_total_words: one meaning ------------------------------------------------------------

def test_corpus_total_words_in_vocabulary_after_update_too():
    """The native model counts the corpus's tokens in the vocabulary, after build_vocab and after an
    online update alike (words under min_count are not counted either time)."""
    from w2v_scratch import Word2Vec
    first = [["a", "b", "c", "a", "b", "a"]] * 10 + [["a", "rare"]] * 2
    model = Word2Vec(first, min_count=5, vector_size=8, epochs=1, workers=1, seed=1, progress=False,
                     log=lambda *a: None)
    assert "rare" not in model.vocab.words and model.corpus_total_words == 62
    second = [["a", "z", "once", "z"]] * 3
    model.build_vocab(second, update=True, progress=False)
    assert "z" in model.vocab.words and "once" not in model.vocab.words
    assert model.corpus_total_words == 3 + 6 and model.corpus_count == 3


# --- 4. an explicit format against the output's name: one rule for every format ---------------------

@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-binary", "glove", "kv"])
def test_output_format_one_rule(fmt):
    """Every format, kv included: given explicitly it is written under any vectors name; a name that
    says another kind of file is refused whatever the format."""
    from w2v_scratch.base.errors import ConfigError
    from w2v_scratch.vectors.writers import output_format
    for name in ("v.txt", "v.vec", "v", "v.bin", "v.kv", "v.wordvectors"):
        assert output_format(name, fmt) == fmt
    for name in ("v.csv", "v.h5", "v.npz", "v.json", "v.pkl", "v.model", "v.npy", "v.parquet"):
        with pytest.raises(ConfigError, match="rename the output"):
            output_format(name, fmt)


# --- 5. refusals that list losses name every loss that takes the option ----------------------------

@pytest.mark.parametrize("field", ["window_batch", "shared_noise"])
def test_unused_option_refusal_lists_every_loss_it_applies_to(field):
    """The losses named in the refusal of a skip-gram-only cpu option (given with CBOW) are exactly
    those a skip-gram cpu config accepts it with."""
    from w2v_scratch.base.errors import ConfigError
    from w2v_scratch.training.config import LOSSES, TrainConfig, refuse_unused
    takes = set()
    for loss in LOSSES:
        cfg = TrainConfig(model="sg", loss=loss, backend="cpu", **{field: True})
        try:
            cfg.validate()
            refuse_unused({field}, cfg)
            takes.add(loss)
        except ConfigError:
            pass
    with pytest.raises(ConfigError) as err:
        refuse_unused({field}, TrainConfig(model="cbow", loss="ns", backend="cpu", **{field: True}))
    msg = str(err.value)
    listed = msg.split("--loss ", 1)[1].split(":")[0].split("(")[0]
    named = {loss for loss in LOSSES if loss in listed.replace(",", " ").split()}
    assert named == takes, msg


# --- smaller: norms beyond float32 -----------------------------------------------------------------

def test_norms_beyond_float32_are_inf_without_a_warning():
    from w2v_scratch.vectors.embeddings import Embeddings
    emb = Embeddings(["big", "unit"], np.array([[3e38, 3e38], [1, 0]], np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norms = emb.norms
    assert norms.dtype == np.float32 and np.isinf(norms[0]) and norms[1] == 1.0
    assert np.isclose(emb.row_norms()[0], 3e38 * np.sqrt(2), rtol=1e-6)


# --- smaller: the vectors benchmark reports the load it measured ------------------------------------

def test_bench_vectors_reports_measured_load():
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_vectors.py"
    spec = importlib.util.spec_from_file_location("bench_vectors_for_test", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    note = bench.busy_note("0.25 / 0.50 / 0.75", "3.00 / 1.00 / 0.50", cpus=16)
    assert "0.2 of 16" in note and "3.0 at the end" in note
    assert "2 cores shared" not in path.read_text()
