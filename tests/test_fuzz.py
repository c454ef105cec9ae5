"""Property-based fuzzing of everything that reads a file: the corpus reader and every vector
or model loader. On random or damaged input each either returns a consistent object or raises
the project's own :class:`W2VError` — never another exception, never a hang, and never an
allocation sized by an unchecked number from the file.

Inputs stay small and every test has a bounded number of examples, so the file runs in CI
in a few seconds."""

from __future__ import annotations

import bz2
import functools
import gzip
import io
import json
import lzma
import re
import time
import tracemalloc
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from w2v_scratch.corpus import read as corpus
from w2v_scratch.corpus import text_file
from w2v_scratch.training.config import TrainConfig
from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.base.errors import FormatError, InputError, W2VError
from w2v_scratch.vectors.formats import detect_format, load_glove, load_vectors, load_word2vec, save_glove, save_word2vec
from w2v_scratch.training.persist import save_model
from w2v_scratch.corpus.vocab import Vocab
from w2v_scratch.word2vec import Word2Vec

FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FEW = settings(FUZZ, max_examples=60)

# -- strategies -------------------------------------------------------------------------------------------
WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000"
ALPHABET = "abcxyz019-'.é日ß" + WHITESPACE
texts = st.text(alphabet=ALPHABET, max_size=200)
words = st.text(alphabet="abcxyzé日ß09-_'", min_size=1, max_size=8)
HUGE = [b"0", b"1", b"-1", b"1000000", b"1000000000000", b"99999999999999999999", b"nan", b"inf", b"1e39",
        b"1000000000000 1000000"]


@st.composite
def mutations(draw, data: bytes) -> bytes:
    """``data`` with 1–4 damages: byte flips, a truncation, inserted or deleted bytes, or a number
    (a header count, a dimension, a value) swapped for a huge, negative or non-finite one."""
    data = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "number"]))
        if op == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[draw(st.integers(0, len(data))):]
        elif op == "insert":
            i = draw(st.integers(0, len(data)))
            data[i:i] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from([b"\n", b" ", b"\x00", b"\xff"]))
        elif op == "delete" and data:
            i = draw(st.integers(0, len(data) - 1))
            del data[i:draw(st.integers(i + 1, min(len(data), i + 8)))]
        elif op == "number":
            spans = [m.span() for m in re.finditer(rb"\d+", bytes(data))]
            if spans:
                start, end = draw(st.sampled_from(spans[:20]))
                data[start:end] = draw(st.sampled_from(HUGE))
    return bytes(data)


@st.composite
def embeddings(draw) -> Embeddings:
    vocab = draw(st.lists(words, min_size=1, max_size=6, unique=True))
    dim = draw(st.integers(1, 5))
    values = draw(st.lists(st.floats(-1e3, 1e3, width=32), min_size=len(vocab) * dim, max_size=len(vocab) * dim))
    return Embeddings(vocab, np.array(values, np.float32).reshape(len(vocab), dim))


def c_binary(emb: Embeddings) -> bytes:
    """word2vec.c's binary layout: a newline after every vector."""
    out = f"{len(emb)} {emb.dim}\n".encode()
    for w, v in zip(emb.words, emb.vectors):
        out += w.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
    return out


def valid_file(emb: Embeddings, kind: str, folder) -> bytes:
    path = folder / f"valid.{kind}"
    if kind == "text":
        save_word2vec(path, emb, binary=False)
    elif kind == "binary":
        save_word2vec(path, emb, binary=True)
    elif kind == "c-binary":
        return c_binary(emb)
    else:
        save_glove(path, emb)
    return path.read_bytes()


def check_embeddings(load, path):
    """``load(path)`` gives consistent Embeddings, or a W2VError (anything else fails the test)."""
    try:
        emb = load(path)
    except W2VError as exc:
        assert "\n" not in str(exc)
        return None
    assert isinstance(emb, Embeddings)
    assert emb.vectors.ndim == 2 and emb.vectors.dtype == np.float32
    assert emb.vectors.shape[0] == len(emb.words) == len(emb.index) >= 1 and emb.dim >= 1
    assert np.isfinite(emb.vectors).all()
    return emb


LOADERS = {
    "word2vec-text": lambda p: load_word2vec(p, binary=False),
    "word2vec-binary": lambda p: load_word2vec(p, binary=True),
    "glove": load_glove,
    "auto": load_vectors,
    "limit": lambda p: load_vectors(p, limit=2),
}


# -- the corpus reader ----------------------------------------------------------------------------------
def expected_sentences(text: str, max_len: int) -> list[list[str]]:
    """The documented contract: one sentence per line ('\\n'), split on whitespace, long lines cut."""
    out = []
    for line in text.split("\n"):
        tokens = line.split()
        out.extend(tokens[i:i + max_len] for i in range(0, len(tokens), max_len))
    return out


def read_corpus(path, max_len):
    """Sentences, or None after an InputError; also checks the invariants of every sentence."""
    try:
        sentences = list(corpus.iter_sentences(path, max_len))
    except InputError as exc:
        assert "\n" not in str(exc)
        return None
    for s in sentences:
        assert 1 <= len(s) <= max_len
        assert all(t and t == "".join(t.split()) for t in s)  # no empty token, no whitespace inside
    return sentences


@FUZZ
@given(text=texts, max_len=st.sampled_from([1, 3, 10_000]), block=st.sampled_from([5, 16, 1 << 20]))
def test_corpus_reader_random_text(tmp_path, monkeypatch, text, max_len, block):
    monkeypatch.setattr(text_file, "_BLOCK", block)  # small blocks: tokens and characters cut at block ends
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode("utf-8"))
    assert read_corpus(path, max_len) == expected_sentences(text, max_len)


@FUZZ
@given(data=st.binary(max_size=300), block=st.sampled_from([7, 1 << 20]))
def test_corpus_reader_random_bytes(tmp_path, monkeypatch, data, block):
    monkeypatch.setattr(text_file, "_BLOCK", block)
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    sentences = read_corpus(path, 4)
    try:
        text = data.decode("utf-8-sig")  # a leading byte-order mark is dropped
    except UnicodeDecodeError:
        assert sentences is None  # invalid UTF-8 is refused, never guessed at
        return
    if "\x00" in text:
        assert sentences is None  # binary
    else:
        assert sentences == expected_sentences(text, 4)


@FUZZ
@given(st.data())
def test_corpus_reader_mutated_corpus(tmp_path, monkeypatch, data):
    monkeypatch.setattr(text_file, "_BLOCK", 16)
    text = data.draw(texts)
    damaged = data.draw(mutations(text.encode("utf-8")))
    path = tmp_path / "c.txt"
    path.write_bytes(damaged)
    sentences = read_corpus(path, 10_000)
    try:
        decoded = damaged.decode("utf-8-sig")
    except UnicodeDecodeError:
        assert sentences is None
        return
    assert sentences == (None if "\x00" in decoded else expected_sentences(decoded, 10_000))


COMPRESS = {".gz": functools.partial(gzip.compress, mtime=0), ".bz2": bz2.compress, ".xz": lzma.compress}


@FUZZ
@given(suffix=st.sampled_from(sorted(COMPRESS)), data=st.data())
def test_corpus_reader_compressed(tmp_path, suffix, data):
    """Random bytes and damaged archives named .gz/.bz2/.xz: InputError (or text, if they happen to decode)."""
    text = data.draw(texts)
    packed = COMPRESS[suffix](text.encode("utf-8"))
    raw = data.draw(st.binary(max_size=200) | mutations(packed) | st.just(packed))
    path = tmp_path / f"c.txt{suffix}"
    path.write_bytes(raw)
    sentences = read_corpus(path, 10_000)
    if raw == packed:
        assert sentences == expected_sentences(text, 10_000)


@FEW
@given(text=texts, min_count=st.integers(1, 3))
def test_corpus_load_random_text(tmp_path, text, min_count):
    path = tmp_path / "c.txt"
    path.write_bytes(text.encode("utf-8"))
    try:
        vocab, enc = corpus.load(path, min_count=min_count, max_sentence_length=3)
    except W2VError:
        tokens = text.split()
        assert not tokens or max(tokens.count(t) for t in tokens) < min_count
        return
    kept = [t for t in text.split() if t in vocab]
    assert len(enc) == len(kept) and enc.ids.dtype == np.int32
    assert [vocab.words[i] for i in enc.ids] == kept
    assert enc.offsets[0] == 0 and enc.offsets[-1] == len(enc) and (np.diff(enc.offsets) > 0).all()
    assert (vocab.counts >= min_count).all() and (np.diff(vocab.counts) <= 0).all()


# -- vector files -------------------------------------------------------------------------------------
@FUZZ
@given(data=st.binary(max_size=400), name=st.sampled_from(["v.txt", "v.bin", "v.vec", "v.txt.gz", "v.bin.gz"]),
       loader=st.sampled_from(sorted(LOADERS)))
def test_vector_loaders_random_bytes(tmp_path, data, name, loader):
    path = tmp_path / name
    path.write_bytes(data)
    check_embeddings(LOADERS[loader], path)


@FUZZ
@given(emb=embeddings(), kind=st.sampled_from(["text", "binary", "c-binary", "glove"]), data=st.data())
def test_vector_loaders_mutated_files(tmp_path, emb, kind, data):
    good = valid_file(emb, kind, tmp_path)
    damaged = data.draw(mutations(good))
    gz = data.draw(st.booleans())
    suffix = (".bin" if "binary" in kind else ".txt") + (".gz" if gz else "")
    path = tmp_path / ("damaged" + suffix)
    path.write_bytes(gzip.compress(damaged) if gz else damaged)
    loader = data.draw(st.sampled_from(sorted(LOADERS)))
    check_embeddings(LOADERS[loader], path)
    # The undamaged file reads back exactly, whatever the loader that matches its format.
    path = tmp_path / ("good" + suffix.removesuffix(".gz"))
    path.write_bytes(good)
    back = check_embeddings(load_glove if kind == "glove" else lambda p: load_word2vec(p, binary="binary" in kind),
                            path)
    assert back.words == emb.words and np.array_equal(back.vectors, emb.vectors)


HEADERS = [b"1000000000000 1000000", b"1000000000000 3", b"3 1000000000000", b"4000000000 300",
           b"99999999999999999999999999 99999999999999999999999999"]


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("name", ["v.txt", "v.bin", "v.txt.gz"])
def test_huge_header_counts_fail_fast_without_allocating(tmp_path, header, name):
    """A header claiming 10**12 rows × 10**6 dims is refused at once, with a few KB of memory."""
    body = b"".join(f"w{i} ".encode() + b" ".join([b"0.5"] * 3) + b"\n" for i in range(3))
    data = header + b"\n" + body
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    for load in (load_vectors, lambda p: load_word2vec(p, binary=True), lambda p: load_word2vec(p, binary=False)):
        tracemalloc.start()
        start = time.perf_counter()
        try:
            with pytest.raises(FormatError):
                load(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert time.perf_counter() - start < 10.0  # a hang or a huge allocation, not a speed target
        assert peak < 2_000_000, f"{peak:,} bytes allocated for a {len(data)}-byte file"


def test_wide_rows_allocate_what_the_file_holds(tmp_path):
    """Row storage grows with the rows read: one 200 000-value row does not reserve 4096 of them (3 GB)."""
    dim = 200_000
    path = tmp_path / "wide.txt"
    path.write_bytes(f"1 {dim}\nw ".encode() + b" ".join([b"1"] * dim) + b"\n")
    tracemalloc.start()
    try:
        emb = load_word2vec(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert emb.vectors.shape == (1, dim)
    assert peak < 100_000_000


# -- vocabulary files -------------------------------------------------------------------------------------
def check_vocab(path):
    try:
        vocab = Vocab.load(path)
    except W2VError as exc:
        assert "\n" not in str(exc)
        return None
    assert len(vocab.words) == len(vocab.counts) == len(vocab.index) >= 1
    assert vocab.counts.dtype == np.int64 and (vocab.counts >= 0).all() and (np.diff(vocab.counts) <= 0).all()
    return vocab


@FUZZ
@given(data=st.data())
def test_vocab_load_random_and_mutated(tmp_path, data):
    counts = data.draw(st.dictionaries(words, st.integers(0, 10**6), min_size=1, max_size=6))
    good = "".join(f"{w} {c}\n" for w, c in counts.items()).encode()
    raw = data.draw(st.binary(max_size=200) | mutations(good) | st.just(good))
    path = tmp_path / "vocab.txt"
    path.write_bytes(raw)
    vocab = check_vocab(path)
    if raw == good:
        assert dict(zip(vocab.words, vocab.counts.tolist())) == counts


# -- native models ------------------------------------------------------------------------------------------
def small_model(loss: str = "ns") -> Word2Vec:
    rng = np.random.default_rng(0)
    model = Word2Vec(TrainConfig(dim=3, loss=loss, epochs=1))
    model.vocab = Vocab(["b", "a", "c"], [5, 3, 1])
    model.center = rng.standard_normal((3, 3)).astype(np.float32)
    if loss == "hs":
        model.inner_nodes = rng.standard_normal((2, 3)).astype(np.float32)
    else:
        model.context = rng.standard_normal((3, 3)).astype(np.float32)
    model.history = [{"epoch": 1, "loss": 1.0}]
    model.state = {"step": 3, "rng": np.arange(4, dtype=np.uint64)}
    return model


def check_model(path):
    try:
        model = Word2Vec.load(path)
    except W2VError as exc:
        assert "\n" not in str(exc)
        return None
    V, d = len(model.vocab), model.config.dim
    assert model.center.shape == (V, d) and model.center.dtype == np.float32
    assert model.context is None or model.context.shape == (V, d)
    assert model.inner_nodes is None or model.inner_nodes.shape == (max(V - 1, 1), d)
    assert isinstance(model.history, list) and isinstance(model.state, dict)
    assert len(model.wv) == V
    return model


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    save_model(small_model(), folder / "m")
    return (folder / "m.npz").read_bytes(), (folder / "m.json").read_bytes()


@FUZZ
@given(data=st.data())
def test_load_model_mutated_files(tmp_path, saved_model, data):
    npz, meta = saved_model
    which = data.draw(st.sampled_from(["npz", "json", "both", "random"]))
    if which == "random":
        npz, meta = data.draw(st.binary(max_size=300)), data.draw(st.binary(max_size=300))
    else:
        if which in ("npz", "both"):
            npz = data.draw(mutations(npz))
        if which in ("json", "both"):
            meta = data.draw(mutations(meta))
    (tmp_path / "m.npz").write_bytes(npz)
    (tmp_path / "m.json").write_bytes(meta)
    check_model(tmp_path / "m")
    check_embeddings(load_vectors, tmp_path / "m.npz")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@FUZZ
@given(data=st.data())
def test_load_model_wrong_json_types(tmp_path, saved_model, data):
    """Every entry of the .json replaced by a JSON value of any type: FormatError, never a TypeError."""
    npz, raw = saved_model
    meta = json.loads(raw)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from([("version",), ("save_id",), ("config",), ("vocab",), ("arrays",),
                                          ("history",), ("state",), ("vocab", "words"), ("vocab", "counts"),
                                          ("config", "dim"), ("config", "window"), ("config", "loss"),
                                          ("arrays", "center"), ("arrays", "context")]))
        target = meta
        for key in path[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        target[path[-1]] = data.draw(json_values)
    (tmp_path / "m.npz").write_bytes(npz)
    (tmp_path / "m.json").write_text(json.dumps(meta))
    check_model(tmp_path / "m")


def npy_bytes(header: str, payload: bytes = b"") -> bytes:
    """A .npy entry with a hand-written header (e.g. a shape the data does not have)."""
    head = header.encode("latin1")
    head += b" " * (-(len(head) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + payload


def rewrite_npz(src: bytes, replace: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", compression) as zout:
        for name in zin.namelist():
            zout.writestr(name, replace.get(name, zin.read(name)))
    return out.getvalue()


@pytest.mark.parametrize("shape", ["(1000000000000, 1000000)", "(3, 1000000000000)", "(10000000000,)",
                                   "(-1, 3)", "(True, 3)"])
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_npz_entry_claiming_a_huge_shape_fails_fast(tmp_path, saved_model, shape, compression):
    """numpy's own reader would allocate the claimed shape before reading (a MemoryError, or
    terabytes of address space): the loader checks it against the entry's size first."""
    npz, meta = saved_model
    fake = npy_bytes(f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}", b"\0" * 36)
    (tmp_path / "m.npz").write_bytes(rewrite_npz(npz, {"center.npy": fake}, compression))
    (tmp_path / "m.json").write_bytes(meta)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(FormatError, match="claims shape|impossible shape"):
            Word2Vec.load(tmp_path / "m")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 10.0 and peak < 2_000_000


def test_npz_that_is_a_plain_npy_or_holds_raw_entries(tmp_path, saved_model):
    npz, meta = saved_model
    (tmp_path / "m.json").write_bytes(meta)
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    for bad in (buf.getvalue(), rewrite_npz(npz, {"center.npy": b"not an npy entry"})):
        (tmp_path / "m.npz").write_bytes(bad)
        with pytest.raises(FormatError):
            Word2Vec.load(tmp_path / "m")


def test_damaged_gzip_is_a_format_error(tmp_path):
    """A bad CRC, a cut stream or junk deflate data: FormatError (zlib.error / EOFError never escape)."""
    packed = gzip.compress(b"2 3\na 1 2 3\nb 4 5 6\n")
    bad_crc = packed[:-8] + bytes(b ^ 0xFF for b in packed[-8:-4]) + packed[-4:]
    for name, data in (("crc", bad_crc), ("cut", packed[:-12]), ("junk", packed[:10] + b"\xff" * 60)):
        path = tmp_path / f"{name}.txt.gz"
        path.write_bytes(data)
        for load in (load_vectors, lambda p: load_word2vec(p, binary=False), lambda p: load_word2vec(p, binary=True)):
            with pytest.raises(FormatError, match="corrupt or truncated"):
                load(path)
    with pytest.raises(FormatError, match="corrupt or truncated"):
        detect_format(path)


@FEW
@given(data=st.binary(max_size=300) | texts.map(str.encode), gz=st.booleans())
def test_evaluation_file_readers_random_input(tmp_path, data, gz):
    """Analogy and word-pair files: a result or a W2VError, for any bytes (gzipped or not)."""
    from w2v_scratch.vectors.evaluate import evaluate_analogies, evaluate_pairs

    emb = Embeddings(["a", "b", "c", "d"], np.eye(4, dtype=np.float32))
    path = tmp_path / ("f.txt.gz" if gz else "f.txt")
    path.write_bytes(data)
    for evaluate in (evaluate_analogies, evaluate_pairs):
        try:
            evaluate(emb, path)
        except W2VError as exc:
            assert "\n" not in str(exc)
