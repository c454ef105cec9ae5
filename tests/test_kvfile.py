"""Issue 23, the vectors side: the memory-mapped .kv file, cosine searches without a normalised copy,
batched queries, streaming loads with a limit, and the query loop's batches."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import struct
import threading

import numpy as np
import pytest

from w2v_scratch.base.errors import ConfigError, FormatError, VocabError
from w2v_scratch.cli import main
from w2v_scratch.cli.vectors import QueryLines
from w2v_scratch.vectors import cosine, kvfile
from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.vectors.formats import detect_format, load_vectors, save_vectors, save_word2vec
from w2v_scratch.vectors.keyedvectors import KeyedVectors
from w2v_scratch.vectors.ranking import top_k


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def emb():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(40)] + ["é", "naïve"]
    return KeyedVectors(words, rng.standard_normal((len(words), 12)).astype(np.float32),
                        counts=np.arange(len(words), 0, -1) * 10)


@pytest.fixture
def kv_path(tmp_path, emb):
    path = tmp_path / "vectors.kv"
    emb.save(path)
    return path


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


# -- the file ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, fmt", [("v.kv", None), ("v.wordvectors", None), ("v", "kv"), ("v.vectors", "kv")])
def test_round_trip_keeps_words_vectors_and_counts(tmp_path, emb, name, fmt):
    emb.save(tmp_path / name, format=fmt)
    assert detect_format(tmp_path / name) == "kv"
    for mmap in (None, "r", "c"):
        back = KeyedVectors.load(tmp_path / name, mmap=mmap)
        assert back.words == emb.words and back.index == emb.index
        np.testing.assert_array_equal(np.asarray(back.vectors), emb.vectors)
        np.testing.assert_array_equal(back.counts, emb.counts)
        np.testing.assert_allclose(back.row_norms(), np.linalg.norm(emb.vectors.astype(np.float64), axis=1), 1e-12)
    assert os.listdir(tmp_path) == [name]  # one file: no sidecar, no temporary left


def test_the_matrix_is_page_aligned_so_numpy_maps_it_as_it_lies(kv_path, emb):
    head = open(kv_path, "rb").read(kvfile.HEADER_BYTES)
    assert head.startswith(kvfile.MAGIC)
    raw = np.memmap(kv_path, dtype="<f4", mode="r", offset=4096, shape=emb.vectors.shape)
    np.testing.assert_array_equal(raw, emb.vectors)


def test_mmap_r_keeps_a_read_only_memmap_that_queries_never_write(kv_path, emb):
    before = digest(kv_path)
    kv = KeyedVectors.load(kv_path, mmap="r")
    assert isinstance(kv.vectors, np.memmap) and not kv.vectors.flags.writeable
    with pytest.raises(ValueError):
        kv.vectors[0, 0] = 1.0
    assert kv.most_similar("w3", topn=5) == emb.most_similar("w3", topn=5)
    assert kv.most_similar_batch(["w1", ["w2", "w5"]], topn=3) == [emb.most_similar("w1", topn=3),
                                                                   emb.most_similar(["w2", "w5"], topn=3)]
    kv.most_similar_cosmul(positive=["w1", "w2"], negative=["w3"])
    kv.evaluate_word_pairs(io_pairs(kv_path.parent))
    assert kv._normed is None  # no normalised copy was made for the searches
    assert isinstance(kv.vectors, np.memmap) and digest(kv_path) == before


def io_pairs(folder):
    path = folder / "pairs.txt"
    path.write_text("w1\tw2\t3.0\nw3\tw4\t1.0\nw5\tw6\t2.0\n")
    return path


def test_mmap_none_reads_a_writable_copy_and_c_writes_nothing_back(kv_path):
    before = digest(kv_path)
    kv = KeyedVectors.load(kv_path)
    assert type(kv.vectors) is np.ndarray and kv.vectors.flags.writeable
    cow = KeyedVectors.load(kv_path, mmap="c")
    cow.vectors[0] = 0.0
    cow.fill_norms(force=True)
    assert cow.most_similar("w0", topn=1)[0][1] == 0.0  # the zero row, with its fresh norm
    del cow
    assert digest(kv_path) == before


@pytest.mark.parametrize("mmap", ["r+", "w+", "x", 1])
def test_a_mode_that_would_write_into_the_file_is_refused(kv_path, mmap):
    with pytest.raises(ConfigError, match="never writes into it"):
        KeyedVectors.load(kv_path, mmap=mmap)


def test_mmap_on_a_parsed_format_is_refused_with_the_way_out(tmp_path, emb):
    save_word2vec(tmp_path / "v.bin", emb)
    with pytest.raises(ConfigError, match=r"convert .*\.kv"):
        KeyedVectors.load(tmp_path / "v.bin", mmap="r")


def test_limit_keeps_the_first_words(kv_path, emb):
    kv = KeyedVectors.load(kv_path, mmap="r", limit=5)
    assert "w7" not in kv and "w4" in kv and kv.get_index("é", -1) == -1
    assert kv.words == emb.words[:5] and kv.vectors.shape == (5, 12) and len(kv.counts) == 5
    assert [w for w, _ in kv.most_similar("w0", topn=4)] == [w for w, _ in emb.most_similar("w0", topn=4,
                                                                                            restrict_vocab=5)]


@pytest.mark.parametrize("cut", [3, kvfile.HEADER_BYTES - 1, 100, 4096, 4096 + 7, -1])
def test_a_truncated_kv_file_is_one_line(tmp_path, kv_path, cut):
    data = open(kv_path, "rb").read()
    bad = tmp_path / "cut.kv"
    bad.write_bytes(data[:cut])
    with pytest.raises(FormatError, match="truncated") as info:
        load_vectors(bad)
    assert "\n" not in str(info.value)


def damaged(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


@pytest.mark.parametrize("where, message", [(16, "header is damaged"), (40, "header is damaged"),
                                            (-3, "words are damaged"), ("appended", "longer than its header"),
                                            ("other matrix", "does not match its stored norm"),
                                            ("version", "format version 2")])
def test_damaged_kv_files_are_refused_with_one_line(tmp_path, kv_path, emb, where, message):
    data = open(kv_path, "rb").read()
    if where == "appended":
        data += b"\0" * 64
    elif where == "other matrix":
        other = emb.vectors[::-1] * 2
        data = data[:4096] + other.astype("<f4").tobytes() + data[4096 + other.nbytes:]
    elif where == "version":
        fields = data[:kvfile.HEADER_BYTES - 4][:8] + struct.pack("<I", 2) + data[12:kvfile.HEADER_BYTES - 4]
        data = fields + struct.pack("<I", __import__("zlib").crc32(fields)) + data[kvfile.HEADER_BYTES:]
    else:
        data = damaged(data, where)
    bad = tmp_path / "bad.kv"
    bad.write_bytes(data)
    with pytest.raises(FormatError, match=message) as info:
        KeyedVectors.load(bad, mmap="r")
    assert "\n" not in str(info.value)


def test_foreign_files_named_kv(tmp_path, capsys):
    pickled = tmp_path / "gensim.kv"
    pickled.write_bytes(pickle.dumps({"vectors": [1.0]}, protocol=4))  # what gensim's wv.save writes: a pickle
    with pytest.raises(FormatError, match="pickle.*never loads"):
        KeyedVectors.load(pickled)
    noise = tmp_path / "noise.kv"
    noise.write_bytes(bytes(range(256)) * 4)
    for path in (pickled, noise):
        code, out, err = run(capsys, "similar", "w1", "--vectors", path)
        assert code == FormatError.exit_code and out == "" and err.count("\n") == 1 and "Traceback" not in err
    text = tmp_path / "text.kv"  # the content decides, not the name
    save_word2vec(text, ["a", "b"], np.eye(2))
    assert detect_format(text) == "word2vec" and load_vectors(text).words == ["a", "b"]


def test_compressed_kv_names_are_refused(tmp_path, emb):
    with pytest.raises(ConfigError, match="never compressed"):
        save_vectors(tmp_path / "v.kv.gz", emb)
    for name in ("v.csv", "v.h5", "v.npz", "v.model"):  # names of formats other than vectors, whatever the format
        with pytest.raises(ConfigError, match="rename the output"):
            save_vectors(tmp_path / name, emb, format="kv")
    assert os.listdir(tmp_path) == []
    save_vectors(tmp_path / "v.bin", emb, format="kv")  # an explicit format wins under a vectors name, as others do
    assert detect_format(tmp_path / "v.bin") == "kv"


def test_a_kv_file_forced_as_another_format_is_named(kv_path):
    with pytest.raises(FormatError, match=r"\.kv vectors file.*--format kv"):
        load_vectors(kv_path, format="word2vec-binary")


# -- the CLI -----------------------------------------------------------------------------------------------------
def test_convert_writes_kv_and_every_query_command_opens_it(tmp_path, capsys, emb):
    save_word2vec(tmp_path / "v.txt", emb)
    code, _, err = run(capsys, "convert", tmp_path / "v.txt", tmp_path / "v.kv")
    assert code == 0 and "(kv)" in err
    before = digest(tmp_path / "v.kv")
    answers = {}
    for src in ("v.txt", "v.kv"):
        answers[src] = [run(capsys, "similar", "w1", "w2", "--vectors", tmp_path / src, "-k", 4)[1],
                        run(capsys, "analogy", "w1", "w2", "w3", "--vectors", tmp_path / src)[1]]
        code, _, _ = run(capsys, "classes", "--vectors", tmp_path / src, "--classes", 3,
                         "--output", tmp_path / f"{src}.classes")
        assert code == 0
    assert answers["v.txt"] == answers["v.kv"]
    assert (tmp_path / "v.txt.classes").read_text() == (tmp_path / "v.kv.classes").read_text()
    code, out, _ = run(capsys, "evaluate", "--vectors", tmp_path / "v.kv", "--pairs", io_pairs(tmp_path), "--json")
    assert code == 0 and '"pairs": 3' in out
    assert digest(tmp_path / "v.kv") == before


def test_limit_on_the_query_commands(tmp_path, capsys, kv_path):
    code, out, _ = run(capsys, "similar", "w1", "--vectors", kv_path, "--limit", 4, "-k", 10)
    assert code == 0 and len(out.splitlines()) == 3  # the other three of the first four words
    code, _, err = run(capsys, "similar", "w9", "--vectors", kv_path, "--limit", 4)
    assert code == VocabError.exit_code and "not among the first 4 words read" in err and "--limit" in err
    out_path = tmp_path / "classes.txt"
    code, _, _ = run(capsys, "classes", "--vectors", kv_path, "--limit", 4, "--classes", 2, "--output", out_path)
    assert code == 0 and [line.split()[0] for line in out_path.read_text().splitlines()] == ["w0", "w1", "w2", "w3"]


def test_stdin_queries_are_answered_in_batches_as_one_by_one(tmp_path, capsys, monkeypatch, kv_path, emb):
    lines = ["w1", "w2 w3", "nosuch", "", "w4"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\nEXIT\nw5\n"))
    code, out, err = run(capsys, "similar", "--vectors", kv_path, "-k", 3)
    singles = [run(capsys, "similar", *q.split(), "--vectors", kv_path, "-k", 3)[1] for q in ("w1", "w2 w3", "w4")]
    assert out == "\n".join(singles) and code == VocabError.exit_code and err.count("\n") == 1


def test_query_lines_answer_what_is_there_without_waiting_for_the_end():
    read, write = os.pipe()
    stream = os.fdopen(read, "rb", buffering=0)
    lines = QueryLines(stream, interactive=False)
    got = []
    os.write(write, b"a\nb c\n")
    reader = threading.Thread(target=lambda: got.append(lines.batch()))
    reader.start()
    reader.join(10)
    assert got == [["a", "b c"]]  # both lines, while the writer still holds the pipe open
    os.write(write, b"d")  # no newline yet: not a line
    os.close(write)
    assert lines.batch() == ["d"] and lines.batch() == []
    stream.close()


# -- searches ----------------------------------------------------------------------------------------------------
def test_top_k_breaks_ties_by_position():
    ids, vals = top_k(np.array([[1.0, 3.0, 3.0, 3.0, 0.0, 3.0]], np.float32), 2)
    assert ids.tolist() == [[1, 2]] and vals.tolist() == [[3.0, 3.0]]
    ids, _ = top_k(np.array([[np.nan, 2.0, 2.0]]), 3)
    assert ids.tolist() == [[1, 2, -1]]


@pytest.fixture
def tied():
    """Random rows, then some repeated and some doubled (the same cosines, bit for bit, in any product:
    scaling by 2 is exact): exact ties in every search, and two zero rows."""
    rng = np.random.default_rng(3)
    base = rng.standard_normal((30, 6)).astype(np.float32)
    vectors = np.vstack([base, base[:10], 2 * base[5:15], np.zeros((2, 6), np.float32)])
    return Embeddings([f"t{i}" for i in range(len(vectors))], vectors)


@pytest.mark.parametrize("cells", [7, 64, 1 << 20])  # blocks of one row, a few rows, everything
def test_batched_and_single_searches_give_the_same_answers(monkeypatch, tied, cells):
    monkeypatch.setattr(cosine, "BLOCK_CELLS", cells)
    queries = [f"t{i}" for i in range(0, 52, 3)] + [["t1", "t2"], {"positive": ["t3"], "negative": ["t4"]}]
    for restrict in (None, 12, 45):
        batch = tied.most_similar_batch(queries, topn=8, restrict_vocab=restrict)
        singles = [tied.most_similar(**(q if isinstance(q, dict) else {"positive": q}), topn=8,
                                     restrict_vocab=restrict) for q in queries]
        # the same words in the same order (equal cosines: the smaller row first); the cosines equal to
        # float32 rounding (a matrix-vector and a matrix-matrix product may round the last bit apart)
        assert [[w for w, _ in a] for a in batch] == [[w for w, _ in a] for a in singles]
        np.testing.assert_allclose([[s for _, s in a] for a in batch], [[s for _, s in a] for a in singles],
                                   rtol=0, atol=1e-6)
    v = tied.vectors.astype(np.float64)
    unit = v / np.maximum(np.linalg.norm(v, axis=1), 1e-300)[:, None]
    for q, answer in zip(queries[:-2], tied.most_similar_batch(queries[:-2], topn=8)):
        i = tied.index[q]
        scores = unit @ unit[i]
        scores[i] = -np.inf
        order = np.lexsort((np.arange(len(scores)), -np.round(scores, 6)))[:8]  # by score, ties by row
        assert [tied.words[j] for j in order] == [w for w, _ in answer]
        np.testing.assert_allclose([s for _, s in answer], scores[order], atol=1e-6)


@pytest.mark.parametrize("cells", [5, 64, 1 << 20])
def test_batched_searches_near_the_float32_limit_match_float64(monkeypatch, cells):
    """Rows scaled by 1, 1e37 (float32 products still finite) and 1e38 (their dots overflow float32),
    mixed within blocks: every answer is float64's ranking and cosine, with no NumPy warning."""
    import warnings

    monkeypatch.setattr(cosine, "BLOCK_CELLS", cells)
    rng = np.random.default_rng(5)
    base = np.clip(rng.standard_normal((40, 6)), -3, 3)
    vectors = (base * np.array([1.0, 1e37, 1e38])[np.arange(40) % 3][:, None]).astype(np.float32)
    emb = Embeddings([f"t{i}" for i in range(40)], vectors)
    asked = list(range(0, 40, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        answers = emb.most_similar_batch([f"t{i}" for i in asked], topn=6)
    v = vectors.astype(np.float64)
    unit = v / np.linalg.norm(v, axis=1)[:, None]
    for i, answer in zip(asked, answers):
        scores = unit @ unit[i]
        scores[i] = -np.inf
        order = np.lexsort((np.arange(40), -np.round(scores, 6)))[:6]
        assert [f"t{j}" for j in order] == [w for w, _ in answer]
        np.testing.assert_allclose([s for _, s in answer], scores[order], atol=1e-6)


def test_nearest_takes_many_query_vectors_at_once(tied):
    q = tied.vectors[[0, 31, 40]]
    ids, scores = tied.nearest(q, topn=4, exclude=[[0], [], [40]])
    for row, (i, ex) in enumerate(zip((0, 31, 40), ([0], [], [40]))):
        single, _ = tied.nearest(tied.vectors[i], topn=4, exclude=[ex])
        assert ids[row].tolist() == single[0].tolist()
    assert ids[1, 0] == 1  # t31 repeats t1: the smaller row first among the equal cosines
    assert 31 not in ids[0].tolist()[:1] and ids[0, 0] == 30  # t0's twin t30 (t0 itself excluded)


def test_searches_hold_no_normalised_copy(tied):
    tied.most_similar("t1")
    tied.most_similar_cosmul(positive=["t1"], negative=["t2"])
    tied.distances("t1")
    tied.doesnt_match(["t1", "t2", "t3"])
    assert tied._normed is None
    assert np.allclose(np.linalg.norm(tied.get_normed_vectors()[:30], axis=1), 1, atol=1e-6)


# -- streaming loads ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("binary", [True, False])
def test_a_limit_reads_only_the_rows_it_keeps(tmp_path, emb, binary):
    """A file cut (or garbled) after the first N rows, whose header still announces all of them,
    loads with limit=N: nothing after those rows is read."""
    path = tmp_path / ("v.bin" if binary else "v.txt")
    save_word2vec(path, emb, binary=binary)
    data = path.read_bytes()
    if binary:
        keep = len(f"{len(emb)} 12\n") + sum(len(w.encode()) + 1 + 48 for w in emb.words[:5])
    else:
        keep = len(b"".join(data.splitlines(keepends=True)[:6]))
    path.write_bytes(data[:keep] + b"\xff garbage \x00" * 3)
    got = load_vectors(path, limit=5)
    assert got.words == emb.words[:5]
    np.testing.assert_allclose(got.vectors, emb.vectors[:5], rtol=1e-6)
    with pytest.raises(FormatError):
        load_vectors(path)
    path.write_bytes(data[:keep])
    assert load_vectors(path, limit=5).words == emb.words[:5]
    with pytest.raises(FormatError, match="truncated"):
        load_vectors(path)


def test_a_stream_grows_its_matrix_in_place(tmp_path, emb, monkeypatch):
    from w2v_scratch.vectors import readers

    monkeypatch.setattr(readers, "_BLOCK", 2)  # a capacity of 2 rows: many doublings
    path = tmp_path / "v.txt.gz"
    save_word2vec(path, emb)
    np.testing.assert_allclose(load_vectors(path).vectors, emb.vectors, rtol=1e-6)


def test_lookups_before_and_after_the_dict_of_every_word(kv_path, emb):
    kv = KeyedVectors.load(kv_path, mmap="r")
    assert kv._index is None  # opening built no dict of every word
    for word in emb.words + ["w1\n", "nosuch", "w", "", "\ud800", "zzz", "\x00"]:
        expected = emb.index.get(word, -1)
        assert kv.get_index(word, -1) == expected and (word in kv) == (expected >= 0)
    assert kv._index is None  # found by binary search in the sorted words
    assert kv.key_to_index == emb.index and kv._index is not None  # the dict, built when asked for
    with pytest.raises(KeyError, match="not in the vocabulary"):
        kv.word_id("nosuch")


def test_a_repeated_word_is_refused_when_writing(tmp_path):
    with pytest.raises(FormatError, match="appears twice"):
        kvfile.save_kv(tmp_path / "v.kv", ["a", "b", "a"], np.eye(3))
    assert os.listdir(tmp_path) == []
