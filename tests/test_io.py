"""Vector files (word2vec text/binary, GloVe) and the native model format: round trips,
byte compatibility with gensim, and clear errors on damaged files."""

import json
import os

import numpy as np
import pytest

from w2v_scratch.training.config import TrainConfig
from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.base.errors import FormatError, InputError
from w2v_scratch.base.files import atomic_write
from w2v_scratch.vectors.formats import (detect_format, load_glove, load_vectors, load_word2vec, save_glove, save_vectors,
                            save_word2vec, save_word2vec_text)
from w2v_scratch.training.persist import save_model
from w2v_scratch.corpus.vocab import Vocab
from w2v_scratch.word2vec import Word2Vec

WORDS = ["the", "of", "naïve", "日本", "a-b", "x"]


@pytest.fixture
def emb():
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((len(WORDS), 7)).astype(np.float32)
    vecs[0, 0] = 1e-7  # exponent notation in text
    return Embeddings(WORDS, vecs)


def write(path, data: bytes):
    path.write_bytes(data)
    return path


def c_binary(words, vecs, newline=True) -> bytes:
    """A word2vec.c-style binary file: '\\n' after each vector (gensim writes none)."""
    out = f"{len(words)} {vecs.shape[1]}\n".encode()
    for w, v in zip(words, vecs):
        word = w if isinstance(w, bytes) else w.encode()
        out += word + b" " + v.astype("<f4").tobytes() + (b"\n" if newline else b"")
    return out


# -- round trips -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["v.txt", "v.vec", "v.bin"])
def test_round_trip_is_exact(tmp_path, emb, name):
    save_word2vec(tmp_path / name, emb)
    back = load_word2vec(tmp_path / name)
    assert back.words == WORDS
    np.testing.assert_array_equal(back.vectors, emb.vectors)
    assert load_vectors(tmp_path / name).words == WORDS
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_lead_text_writer_and_words_vectors_form(tmp_path, emb):
    save_word2vec_text(tmp_path / "a.txt", emb.words, emb.vectors)
    save_word2vec(tmp_path / "b.txt", emb.words, emb.vectors, binary=False)
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()
    assert (tmp_path / "a.txt").read_bytes().startswith(b"6 7\nthe ")


def test_glove_round_trip_and_detection(tmp_path, emb):
    save_glove(tmp_path / "g.txt", emb)
    assert not (tmp_path / "g.txt").read_bytes().startswith(b"6 7")
    assert detect_format(tmp_path / "g.txt") == "glove"
    back = load_vectors(tmp_path / "g.txt")
    np.testing.assert_array_equal(back.vectors, emb.vectors)
    assert load_glove(tmp_path / "g.txt", limit=2).words == WORDS[:2]


def test_detect_format(tmp_path, emb):
    save_word2vec(tmp_path / "t.txt", emb)
    save_word2vec(tmp_path / "b.data", emb, binary=True)  # binary without the .bin name
    assert detect_format(tmp_path / "t.txt") == "word2vec"
    assert detect_format(tmp_path / "b.data") == "word2vec-binary"
    np.testing.assert_array_equal(load_vectors(tmp_path / "b.data").vectors, emb.vectors)
    save_vectors(tmp_path / "forced.txt", emb, format="word2vec-binary")
    assert load_vectors(tmp_path / "forced.txt", format="word2vec-binary").words == WORDS


def test_limit(tmp_path, emb):
    for name in ("v.txt", "v.bin"):
        save_word2vec(tmp_path / name, emb)
        small = load_word2vec(tmp_path / name, limit=3)
        assert small.words == WORDS[:3] and small.vectors.shape == (3, 7)


# -- what other tools write --------------------------------------------------------------
def test_c_tool_binary_with_newlines_and_cut_utf8(tmp_path):
    vecs = np.arange(12, dtype=np.float32).reshape(3, 4)
    cut = "café".encode()[:-1]  # word2vec.c cuts long words by bytes, mid-character
    path = write(tmp_path / "c.bin", c_binary([b"</s>", b"word", b"caf" + cut[3:]], vecs))
    e = load_word2vec(path)
    assert e.words[:2] == ["</s>", "word"] and e.words[2].startswith("caf")
    np.testing.assert_array_equal(e.vectors, vecs)


def test_c_tool_text_with_trailing_spaces_and_crlf(tmp_path):
    path = write(tmp_path / "c.txt", b"2 3\r\nfoo 0.100000 0.200000 0.300000 \r\nbar 1 2 3 \r\n\r\n")
    e = load_word2vec(path)
    assert e.words == ["foo", "bar"]
    np.testing.assert_allclose(e.vectors, [[0.1, 0.2, 0.3], [1, 2, 3]], rtol=1e-7)


def test_gzip_text(tmp_path, emb):
    import gzip

    save_word2vec(tmp_path / "v.txt", emb)
    (tmp_path / "v.txt.gz").write_bytes(gzip.compress((tmp_path / "v.txt").read_bytes()))
    np.testing.assert_array_equal(load_vectors(tmp_path / "v.txt.gz").vectors, emb.vectors)


# -- damaged files ----------------------------------------------------------------------------
BAD_TEXT = {
    "empty.txt": (b"", "empty"),
    "header.txt": (b"hello world\nfoo 1 2\n", None),  # no header: not word2vec
    "dim.txt": (b"2 3\nfoo 1 2 3\nbar 1 2\n", "2 values where 3"),
    "nan.txt": (b"2 2\nfoo 1 2\nbar nan 1\n", "NaN"),
    "inf.txt": (b"1 2\nfoo inf 1\n", "NaN or infinity"),
    "word.txt": (b"1 2\nfoo 1 abc\n", "'abc' is not a number"),
    "dup.txt": (b"2 2\nfoo 1 2\nfoo 3 4\n", "twice"),
    "short.txt": (b"5 2\nfoo 1 2\nbar 3 4\n", "announces 5 vectors but the file holds 2"),
    "long.txt": (b"1 2\nfoo 1 2\nbar 3 4\n", "more than the 1 vectors"),
}


@pytest.mark.parametrize("name", sorted(BAD_TEXT))
def test_damaged_text_files(tmp_path, name):
    data, message = BAD_TEXT[name]
    with pytest.raises(FormatError, match=message):
        load_word2vec(write(tmp_path / name, data))


def test_damaged_binary_files(tmp_path):
    vecs = np.ones((3, 4), np.float32)
    good = c_binary(["a", "b", "c"], vecs)
    with pytest.raises(FormatError, match="truncated"):
        load_word2vec(write(tmp_path / "t.bin", good[:-10]))
    # A huge header count is refused from the file size, before any allocation.
    with pytest.raises(FormatError, match="announces 4000000000 vectors"):
        load_word2vec(write(tmp_path / "h.bin", b"4000000000 300\n" + good[4:]))
    with pytest.raises(FormatError, match="follows the 2 vectors"):
        load_word2vec(write(tmp_path / "x.bin", b"2 4\n" + good[4:]))
    nan = vecs.copy()
    nan[1, 2] = np.nan
    with pytest.raises(FormatError, match="'b' holds NaN"):
        load_word2vec(write(tmp_path / "n.bin", c_binary(["a", "b", "c"], nan)))
    with pytest.raises(FormatError, match="twice"):
        load_word2vec(write(tmp_path / "d.bin", c_binary(["a", "b", "a"], vecs)))
    with pytest.raises(FormatError, match="first line"):
        load_word2vec(write(tmp_path / "g.bin", b"\x00\x01garbage"))


def test_missing_and_unreadable(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_vectors(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="folder"):
        load_word2vec(tmp_path)
    with pytest.raises(InputError, match="does not exist"):
        Word2Vec.load(tmp_path / "nope")


def test_unwritable_words(tmp_path):
    with pytest.raises(FormatError, match="whitespace"):
        save_word2vec(tmp_path / "v.txt", ["a b"], np.zeros((1, 2)))
    assert not list(tmp_path.iterdir())


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_write(tmp_path / "out.txt") as f:
            f.write("partial")
            raise RuntimeError("boom")
    assert not list(tmp_path.iterdir())


# -- gensim compatibility -----------------------------------------------------------------------
@pytest.mark.parametrize("binary", [True, False])
def test_byte_identical_to_gensim(tmp_path, emb, binary):
    gensim = pytest.importorskip("gensim")
    kv = gensim.models.KeyedVectors(emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    ext = "bin" if binary else "txt"
    kv.save_word2vec_format(str(tmp_path / f"gensim.{ext}"), binary=binary)
    save_word2vec(tmp_path / f"ours.{ext}", emb)
    assert (tmp_path / f"gensim.{ext}").read_bytes() == (tmp_path / f"ours.{ext}").read_bytes()
    ours = load_word2vec(tmp_path / f"gensim.{ext}")
    assert ours.words == emb.words
    np.testing.assert_array_equal(ours.vectors, emb.vectors)
    theirs = gensim.models.KeyedVectors.load_word2vec_format(str(tmp_path / f"ours.{ext}"), binary=binary)
    assert theirs.index_to_key == emb.words
    np.testing.assert_array_equal(theirs.vectors, emb.vectors)


def test_gensim_reads_c_style_binary(tmp_path, emb):
    gensim = pytest.importorskip("gensim")
    path = write(tmp_path / "c.bin", c_binary(emb.words, emb.vectors))
    theirs = gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=True)
    np.testing.assert_array_equal(theirs.vectors, load_word2vec(path).vectors)


# -- native model ---------------------------------------------------------------------------------
def make_model(loss="ns"):
    rng = np.random.default_rng(1)
    model = Word2Vec(TrainConfig(dim=5, loss=loss, epochs=2))
    model.vocab = Vocab(["b", "a", "c", "d"], [9, 5, 5, 2])
    model.center = rng.standard_normal((4, 5)).astype(np.float32)
    if loss == "hs":
        model.inner_nodes = rng.standard_normal((3, 5)).astype(np.float32)
    else:
        model.context = rng.standard_normal((4, 5)).astype(np.float32)
    model.history = [{"epoch": 1, "loss": 2.5, "batch_losses": [3.0, 2.0]}, {"epoch": 2, "loss": np.float32(1.5)}]
    model.state = {"epoch": 2, "lr": 0.01, "rng": np.arange(6, dtype=np.uint64), "adam_m": np.ones((4, 5))}
    return model


@pytest.mark.parametrize("loss", ["ns", "hs"])
def test_model_round_trip(tmp_path, loss):
    model = make_model(loss)
    save_model(model, tmp_path / "m.npz")  # the suffix is stripped
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.npz"]
    back = Word2Vec.load(tmp_path / "m")
    assert back.config == model.config
    assert back.vocab.words == model.vocab.words
    np.testing.assert_array_equal(back.vocab.counts, model.vocab.counts)
    for name in ("center", "context", "inner_nodes"):
        a, b = getattr(model, name), getattr(back, name)
        assert (a is None and b is None) or np.array_equal(a, b)
    assert back.history[1]["loss"] == 1.5 and back.history[0]["batch_losses"] == [3.0, 2.0]
    assert back.state["epoch"] == 2 and back.state["lr"] == 0.01
    np.testing.assert_array_equal(back.state["rng"], model.state["rng"])
    assert back.state["rng"].dtype == np.uint64
    assert json.loads((tmp_path / "m.json").read_text())["version"] == 1
    emb = load_vectors(tmp_path / "m.json")
    assert emb.words == model.vocab.words and emb.counts.tolist() == [9, 5, 5, 2]
    assert detect_format(tmp_path / "m") == "native"
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:  # nothing pickled
        assert "state__adam_m" in z.files


def test_model_mismatches_are_detected(tmp_path):
    save_model(make_model(), tmp_path / "one")
    save_model(make_model(), tmp_path / "two")
    os.replace(tmp_path / "two.json", tmp_path / "one.json")
    with pytest.raises(FormatError, match="different saves"):
        Word2Vec.load(tmp_path / "one")

    save_model(make_model(), tmp_path / "m")
    meta = json.loads((tmp_path / "m.json").read_text())
    meta["vocab"] = {"words": ["b", "a", "c"], "counts": [9, 5, 5]}
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(FormatError, match="shape"):
        Word2Vec.load(tmp_path / "m")

    meta["vocab"] = {"words": ["b", "a", "c", "d"], "counts": [9, 5, 5, 2]}
    meta["arrays"]["missing"] = [1]
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(FormatError, match="lacks the array 'missing'"):
        Word2Vec.load(tmp_path / "m")

    (tmp_path / "m.npz").write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="npz"):
        Word2Vec.load(tmp_path / "m")
    (tmp_path / "m.json").write_text("{")
    with pytest.raises(FormatError, match="JSON"):
        Word2Vec.load(tmp_path / "m")
