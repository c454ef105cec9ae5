"""Vector files against bad or surprising input, one section per rule of the contract: one line on
stderr naming the problem and the fix, a distinct exit status, never a traceback, never a
half-written or destroyed file, bounded memory, no pickle.

1. ``convert`` writes what the output name says (compressed when it says so) or refuses the name;
   whatever it writes reads back to the same vectors.
2. Vectors are read from gzip, bzip2 and xz files (told by content, not only by name).
3. Text is never parsed as binary (nor binary as text): the format is told from the content.
4. Formats we do not read (fastText models, pickles, archives, HDF5...) are named, with the fix.
5. Endless or unsized inputs (devices, pipes, endless lines) are refused or read with bounded memory.
6. Large dimensions are written and read in bounded steps.
7. Outputs: checked before the input is read, never an input, written through links and into pipes.
8. A UTF-8 byte-order mark is skipped.
9. No NumPy warning ever reaches stderr; values beyond float32 are refused, naming the word.

Pipes are made with ``os.mkfifo`` in ``tmp_path`` and fed (or drained) by a thread that gives up
on its own, so no test can hang; no device but /dev/zero and /dev/null is touched.
"""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import lzma
import os
import pickle
import select
import struct
import subprocess
import sys
import tarfile
import threading
import time
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

from w2v_scratch.base import inputs
from w2v_scratch.vectors import formats as io_mod
from w2v_scratch.vectors import sniff, writers
from w2v_scratch.cli import main
from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.base.errors import ConfigError, FormatError, InputError
from w2v_scratch.vectors.formats import (detect_format, load_glove, load_vectors, load_word2vec, output_format, save_glove,
                            save_vectors, save_word2vec)
from w2v_scratch.vectors.keyedvectors import KeyedVectors

WORDS = ["king", "queen", "man", "woman", "naïve", "日本"]


@pytest.fixture
def emb():
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((len(WORDS), 5)).astype(np.float32)
    vectors[0, 0] = 1e-7  # exponent notation in text
    return Embeddings(WORDS, vectors)


@pytest.fixture
def src(tmp_path, emb):
    path = tmp_path / "in.txt"
    save_word2vec(path, emb)
    return path


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, error, needle=None):
    """The contract: the error's exit status, one ``w2v-scratch CMD: error:`` line, no traceback."""
    assert code == error.exit_code, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert ": error: " in lines[0] and "Traceback" not in err and "Warning" not in err
    assert "\\x" not in lines[0], lines[0]  # no raw bytes in the message
    if needle:
        assert needle.lower() in lines[0].lower(), lines[0]
    return lines[0]


def same(a: Embeddings, b: Embeddings) -> None:
    assert a.words == b.words
    np.testing.assert_array_equal(a.vectors, b.vectors)


def mkfifo(path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    os.mkfifo(path)
    return path


def feed(path, chunks, give_up: float = 10.0) -> threading.Thread:
    """A thread writing ``chunks`` (bytes, or an iterable of bytes) into the pipe ``path`` once a
    reader opens it; it gives up after ``give_up`` s without a reader, and stops when the reader goes."""
    def write():
        end = time.monotonic() + give_up
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                if exc.errno != errno.ENXIO or time.monotonic() > end:
                    return
                time.sleep(0.01)
        os.set_blocking(fd, True)
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in ([chunks] if isinstance(chunks, bytes) else chunks):
                    f.write(chunk)
        except (BrokenPipeError, ValueError, OSError):
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def drain(path, into: list, give_up: float = 10.0) -> threading.Thread:
    """A thread reading everything written into the pipe ``path`` (appended to ``into``)."""
    def read():
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if poller.poll(int(give_up * 1000)):
            os.set_blocking(fd, True)
            while chunk := os.read(fd, 1 << 16):
                into.append(chunk)
        os.close(fd)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


# -- 1. convert writes what the name says, or refuses -----------------------------------------------
MAGIC = {"gzip": b"\x1f\x8b", "bzip2": b"BZh", "xz": b"\xfd7zXZ\x00"}
WRITTEN = {  # output name → (format written, compression)
    "v.txt": ("word2vec", None), "v.vec": ("word2vec", None), "v": ("word2vec", None),
    "glove.6B.5d": ("word2vec", None), "V.TXT": ("word2vec", None), "v.bin": ("word2vec-binary", None),
    "v.txt.gz": ("word2vec", "gzip"), "v.vec.bz2": ("word2vec", "bzip2"), "v.txt.xz": ("word2vec", "xz"),
    "v.gz": ("word2vec", "gzip"), "v.bin.gz": ("word2vec-binary", "gzip"), "v.bin.bz2": ("word2vec-binary", "bzip2"),
    "v.bin.xz": ("word2vec-binary", "xz"), "v.txt.GZ": ("word2vec", "gzip"),
}


@pytest.mark.parametrize("to", [None, "word2vec", "word2vec-binary", "glove"])
@pytest.mark.parametrize("name", sorted(WRITTEN))
def test_convert_round_trips_every_name_and_format(capsys, tmp_path, src, emb, name, to):
    out = tmp_path / name
    code, _, err = run(capsys, "convert", src, out, *(["--format", to] if to else []))
    assert code == 0, err
    fmt, compression = WRITTEN[name]
    fmt = to or fmt
    assert f"({fmt})" in err
    data = out.read_bytes()
    if compression:
        assert data.startswith(MAGIC[compression])
        data = {"gzip": gzip.decompress, "bzip2": bz2.decompress, "xz": lzma.decompress}[compression](data)
    if fmt == "glove":
        assert data.startswith(b"king ")
    else:
        assert data.startswith(b"6 5\nking ")
    if fmt == "word2vec":
        data.decode("utf-8")  # text is text
    same(load_vectors(out), emb)
    assert detect_format(out) == fmt
    code, stdout, _ = run(capsys, "similar", "king", "--vectors", out, "-k", 1)
    assert code == 0 and len(stdout.splitlines()) == 1


@pytest.mark.parametrize("name", ["v.txt.gz", "v.bin.gz", "v.txt.bz2", "v.bin.xz"])
def test_gensim_reads_compressed_outputs(capsys, tmp_path, src, emb, name):
    gensim = pytest.importorskip("gensim")
    assert run(capsys, "convert", src, tmp_path / name)[0] == 0
    kv = gensim.models.KeyedVectors.load_word2vec_format(str(tmp_path / name), binary=".bin" in name)
    assert kv.index_to_key == emb.words
    np.testing.assert_array_equal(kv.vectors, emb.vectors)


REFUSED = ["out.npz", "out.json", "out.pkl", "out.pickle", "out.model", "out.csv", "out.tsv", "out.h5",
           "out.zip", "out.npy", "out.tar.gz", "out.json.gz", "out.npz.xz", "out.vectors", "out.pt", "out.parquet"]


@pytest.mark.parametrize("to", [None, "word2vec", "glove"])
@pytest.mark.parametrize("name", REFUSED)
def test_convert_refuses_names_of_other_formats(capsys, tmp_path, src, name, to):
    code, stdout, err = run(capsys, "convert", src, tmp_path / name, *(["--format", to] if to else []))
    line = one_line_error(code, err, ConfigError, name)
    assert ".bin" in line and ".txt" in line and ".gz" in line  # which names it writes
    assert stdout == "" and sorted(os.listdir(tmp_path)) == ["in.txt"]


def test_refused_name_leaves_an_existing_file_alone(capsys, tmp_path, src):
    (tmp_path / "model.npz").write_bytes(b"precious")
    code, _, err = run(capsys, "convert", src, tmp_path / "model.npz")
    one_line_error(code, err, ConfigError, "model.npz")
    assert (tmp_path / "model.npz").read_bytes() == b"precious"


def test_api_writers_follow_the_same_rules(tmp_path, emb):
    with pytest.raises(ConfigError, match="npz"):
        save_vectors(tmp_path / "v.npz", emb)
    with pytest.raises(ConfigError, match="pickle"):
        KeyedVectors.of(emb).save(tmp_path / "v.pkl")
    assert output_format("a/b/v.bin.gz") == "word2vec-binary"
    assert output_format("v.txt.bz2", "glove") == "glove"
    save_word2vec(tmp_path / "v.bin.xz", emb)  # binary, compressed, from the name alone
    assert (tmp_path / "v.bin.xz").read_bytes().startswith(MAGIC["xz"])
    same(load_word2vec(tmp_path / "v.bin.xz"), emb)
    assert list(tmp_path.iterdir()) == [tmp_path / "v.bin.xz"]


# -- 2. compressed inputs ------------------------------------------------------------------------------
COMPRESS = {".gz": lambda b: gzip.compress(b, mtime=0), ".bz2": bz2.compress, ".xz": lzma.compress}


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
@pytest.mark.parametrize("kind", ["text", "binary", "glove"])
def test_compressed_vectors_are_read(capsys, tmp_path, emb, suffix, kind):
    plain = tmp_path / "plain"
    if kind == "glove":
        save_glove(plain, emb)
    else:
        save_word2vec(plain, emb, binary=kind == "binary")
    data = COMPRESS[suffix](plain.read_bytes())
    for name in (f"v{suffix}", f"v.txt{suffix}", "misnamed.txt"):  # told by content: the name may lie
        (tmp_path / name).write_bytes(data)
        same(load_vectors(tmp_path / name), emb)
        code, stdout, err = run(capsys, "similar", "king", "--vectors", tmp_path / name, "-k", 2)
        assert code == 0 and len(stdout.splitlines()) == 2, err
    forced = {"text": "word2vec", "binary": "word2vec-binary", "glove": "glove"}[kind]
    same(load_vectors(tmp_path / f"v{suffix}", format=forced), emb)


@pytest.mark.parametrize("suffix", sorted(COMPRESS))
@pytest.mark.parametrize("damage", ["cut", "junk"])
def test_damaged_compressed_vectors_are_one_clean_line(capsys, tmp_path, src, suffix, damage):
    packed = COMPRESS[suffix](src.read_bytes() * 1)
    bad = packed[: len(packed) // 2] if damage == "cut" else packed[:6] + bytes(range(256)) * 2
    path = tmp_path / f"bad.txt{suffix}"
    path.write_bytes(bad)
    for argv in (["similar", "king", "--vectors", path], ["convert", path, tmp_path / "out.txt"]):
        code, _, err = run(capsys, *argv)
        one_line_error(code, err, FormatError, "corrupt or truncated")
    assert sorted(os.listdir(tmp_path)) == ["bad.txt" + suffix, "in.txt"]


# -- 3. text is never parsed as binary, nor binary as text --------------------------------------------
TEXT_CASES = {
    # name: (bytes, the words the one error line must hold)
    "decimal-commas": (b"2 3\na 0,1 0,2 0,3\nb 0,4 0,5 0,6\n", "decimal comma"),
    "decimal-commas-glove": (b"a 0,1 0,2 0,3\nb 0,4 0,5 0,6\n", "decimal comma"),
    "decimal-commas-wide": (b"2 2\nab 0,25 0,50\ncd 0,75 1,00\n", "decimal comma"),
    "tab-in-word": (b"2 3\nfoo\tbar 0.1 0.2 0.3\nb 0.4 0.5 0.6\n", "tab"),
    "tab-in-word-glove": (b"foo\tbar 0.1 0.2 0.3\nb 0.4 0.5 0.6\n", "tab"),
    "tab-in-second-word": (b"2 3\nb 0.4 0.5 0.6\nfoo\tbar 0.1 0.2 0.3\n", "tab"),
    "short-row-4-byte-values": (b"3 4\nking 1 2 3 4\nqueen 1 2 3\nman 4 3 2 1\n", "3 values where 4"),
    "count-too-small-2-byte-values": (b"2 4\nking 1 2 3 4\nqueen 1 2 3 5\nman 4 3 2 1\n", "more than the 2"),
    "letters": (b"2 2\nab cdef ghij\nkl mnop qrst\n", "is not a number"),
}


@pytest.mark.parametrize("name", ["x.txt", "x.bin", "x"])
@pytest.mark.parametrize("case", sorted(TEXT_CASES))
def test_text_files_are_never_read_as_binary(capsys, tmp_path, case, name):
    data, needle = TEXT_CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    assert detect_format(path) in ("word2vec", "glove")
    for argv in (["similar", "a", "--vectors", path], ["convert", path, tmp_path / "out.bin"],
                 ["similar", "a", "--vectors", path, "--format", "word2vec-binary"]):
        code, stdout, err = run(capsys, *argv)
        assert code == FormatError.exit_code and stdout == "", (argv, err)
        line = one_line_error(code, err, FormatError)
        if "--format" in argv:  # refused: text, or a GloVe file without a header
            assert "text, not binary" in line or needle in line or "first line should be" in line
        else:
            assert needle in line, line
    assert not (tmp_path / "out.bin").exists()


def text_with_short_values(rng, V: int, d: int) -> tuple[bytes, np.ndarray]:
    """Text rows whose values are 3 characters (+ a space: 4 bytes, what a binary record's float
    takes): the layout that fooled a detection by structure."""
    values = rng.integers(0, 10, size=(V, d)) / 10
    body = b"".join(f"w{i} ".encode() + " ".join(f"{v:.1f}" for v in row).encode() + b"\n"
                    for i, row in enumerate(values))
    return f"{V} {d}\n".encode() + body, values.astype(np.float32)


def test_text_with_binary_sized_values_reads_as_text(tmp_path):
    rng = np.random.default_rng(0)
    for trial in range(40):
        V, d = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        data, values = text_with_short_values(rng, V, d)
        path = tmp_path / f"t{trial}.bin"  # even named .bin
        path.write_bytes(data)
        back = load_vectors(path)
        assert back.words == [f"w{i}" for i in range(V)]
        np.testing.assert_array_equal(back.vectors, values)


def printable_floats(rng, n: int, alphabet) -> np.ndarray:
    """float32 values whose 4 bytes are drawn from ``alphabet`` (bytes, or a list of 2-byte UTF-8
    characters), finite ones only."""
    units = [bytes([b]) for b in alphabet] if isinstance(alphabet, bytes) else alphabet
    out = []
    while len(out) < n:
        raw = b""
        while len(raw) < 4:
            raw += units[rng.integers(len(units))]
        value = np.frombuffer(raw, "<f4")[0]
        if np.isfinite(value):
            out.append(value)
    return np.array(out, np.float32)


@pytest.mark.parametrize("alphabet", [b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                      b"ABCDEFGHIJKLMNOPQRSTUVWXYZ ", b"0123456789abcdef-+.",
                                      [c.encode() for c in "éßüаж"], bytes(range(0, 128))],
                         ids=["letters", "letters-and-spaces", "hex-and-signs", "utf8", "ascii"])
def test_binary_files_that_are_valid_utf8_still_load(tmp_path, alphabet):
    rng = np.random.default_rng(1)
    for trial in range(30):
        V, d = int(rng.integers(1, 5)), int(rng.integers(2, 7))
        words = [f"w{i}" for i in range(V)]
        vectors = printable_floats(rng, V * d, alphabet).reshape(V, d)
        path = tmp_path / f"b{trial}.data"
        save_word2vec(path, words, vectors, binary=True)
        if alphabet != bytes(range(0, 128)):
            path.read_bytes().decode("utf-8")  # the whole file is valid UTF-8
        back = load_vectors(path)
        assert back.words == words
        np.testing.assert_array_equal(back.vectors, vectors)


def test_binary_forced_as_text_is_refused_not_garbage(capsys, tmp_path, emb):
    save_word2vec(tmp_path / "v.bin", emb)
    for fmt in ("word2vec", "glove"):
        code, stdout, err = run(capsys, "similar", "king", "--vectors", tmp_path / "v.bin", "--format", fmt)
        one_line_error(code, err, FormatError, "binary, not text")
    with pytest.raises(FormatError, match="binary, not text"):
        load_word2vec(tmp_path / "v.bin", binary=False)
    save_word2vec(tmp_path / "v.txt", emb)
    with pytest.raises(FormatError, match="text, not binary"):
        load_word2vec(tmp_path / "v.txt", binary=True)


# -- 4. formats we do not read are named ---------------------------------------------------------------
def foreign_files(tmp_path) -> dict:
    """name → (bytes, the words the error line must hold)."""
    fasttext = struct.pack("<ii", 793712314, 12) + struct.pack("<idiiiiiid", 100, 0.05, 5, 5, 1, 5, 2, 1, 1e-4)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("vectors.txt", "1 2\na 1 2\n")
    npy = io.BytesIO()
    np.save(npy, np.zeros((3, 2), np.float32))
    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w") as t:
        info = tarfile.TarInfo("vectors.txt")
        info.size = 10
        t.addfile(info, io.BytesIO(b"1 2\na 1 2\n"))
    text = "2 2\na 1 2\nb 3 4\n"
    return {
        "model.bin": (fasttext, "fastText"),
        "model.ftz": (fasttext, "fastText"),
        "model.vec": (fasttext, "fastText"),  # the magic number, whatever the name
        "w2v.model": (pickle.dumps({"vectors": [1.0, 2.0]}, protocol=4), "pickle"),
        "kv.kv": (pickle.dumps([1, 2, 3], protocol=2), "pickle"),
        "old.pkl": (pickle.dumps("x", protocol=5), "pickle"),
        "vectors.zip": (zipped.getvalue(), "zip"),
        "vectors.pt": (zipped.getvalue(), "zip"),
        "model.h5": (b"\x89HDF\r\n\x1a\n" + bytes(200), "HDF5"),
        "model.wv.vectors.npy": (npy.getvalue(), "NumPy"),
        "vectors.txt.zst": (b"\x28\xb5\x2f\xfd" + bytes(40), "zstd"),
        "vectors.tar": (tarred.getvalue(), "tar"),
        "vectors.tar.gz": (gzip.compress(tarred.getvalue()), "tar"),
        "utf16.txt": (text.encode("utf-16"), "UTF-16"),
        "utf16le.txt": (text.encode("utf-16-le"), "UTF-16"),
        "twice.txt.gz": (gzip.compress(gzip.compress(text.encode())), "compressed twice"),
    }


def test_formats_we_do_not_read_are_named(capsys, tmp_path):
    for name, (data, needle) in foreign_files(tmp_path).items():
        path = tmp_path / name
        path.write_bytes(data)
        for argv in (["similar", "a", "--vectors", path], ["convert", path, tmp_path / "out.txt"],
                     ["similar", "a", "--vectors", path, "--format", "word2vec"],
                     ["similar", "a", "--vectors", path, "--format", "word2vec-binary"],
                     ["evaluate", "--vectors", path, "--format", "glove"]):
            code, stdout, err = run(capsys, *argv)
            one_line_error(code, err, FormatError, needle)
            assert stdout == ""
        with pytest.raises(FormatError, match=needle):
            detect_format(path)
    assert not (tmp_path / "out.txt").exists()


def test_npz_or_json_that_is_not_our_model_is_named(capsys, tmp_path):
    np.savez(tmp_path / "other.npz", words=np.array(["a", "b"]), vectors=np.ones((2, 3)))
    (tmp_path / "solo.json").write_text('{"words": ["a"], "vectors": [[1, 2]]}')
    (tmp_path / "fake.npz").write_bytes(b"2 2\na 1 2\nb 3 4\n")
    for name, needle in (("other.npz", "NumPy .npz archive with no other.json"),
                         ("solo.json", "not a w2v-scratch model"), ("fake.npz", "no .npz archive")):
        code, _, err = run(capsys, "similar", "a", "--vectors", tmp_path / name)
        one_line_error(code, err, FormatError, needle)


def test_pickle_is_never_loaded(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.mkdir, (str(tmp_path / "pwned"),))

    path = tmp_path / "evil.model"
    path.write_bytes(pickle.dumps(Boom(), protocol=4))
    for load in (load_vectors, lambda p: load_word2vec(p, binary=True), load_glove):
        with pytest.raises(FormatError, match="pickle"):
            load(path)
    assert not (tmp_path / "pwned").exists()


def test_unknown_binary_data_is_named_not_guessed(capsys, tmp_path):
    path = tmp_path / "random.txt"
    path.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)).replace(b"\n", b"")
                     .replace(b"\x80", b"\x81"))
    code, _, err = run(capsys, "similar", "a", "--vectors", path)
    one_line_error(code, err, FormatError, "not a vectors file")


# -- 5. endless or unsized inputs ----------------------------------------------------------------------
def test_devices_are_refused_at_once():
    """/dev/zero never ends (the old reader grew ~300 MB/s); a device cannot be sized: refused."""
    for device in ("/dev/zero", "/dev/null"):
        if not os.path.exists(device):
            continue
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "w2v_scratch", "similar", "the", "--vectors", device],
                              capture_output=True, text=True, timeout=60)
        assert time.monotonic() - start < 30
        one_line_error(proc.returncode, proc.stderr, InputError, "device")
        assert proc.stdout == ""


def test_pipe_with_no_writer_is_refused_not_waited_on_forever(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "FIFO_WAIT", 0.3)
    fifo = mkfifo(tmp_path / "pipe")
    start = time.monotonic()
    code, _, err = run(capsys, "similar", "the", "--vectors", fifo)
    one_line_error(code, err, InputError, "nothing wrote to")
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("kind", ["text", "binary", "glove", "text.gz", "binary.xz"])
def test_pipes_with_a_writer_are_read(capsys, tmp_path, emb, kind):
    plain = tmp_path / "plain"
    if kind.startswith("glove"):
        save_glove(plain, emb)
    else:
        save_word2vec(plain, emb, binary=kind.startswith("binary"))
    data = plain.read_bytes()
    if "." in kind:
        data = COMPRESS["." + kind.split(".")[1]](data)
    fifo = mkfifo(tmp_path / "pipe")
    writer = feed(fifo, [data[i:i + 7] for i in range(0, len(data), 7)])  # in dribs and drabs
    back = load_vectors(fifo)
    writer.join(5)
    same(back, emb)
    writer = feed(fifo, data)
    code, _, err = run(capsys, "convert", fifo, tmp_path / "out.bin")
    writer.join(5)
    assert code == 0, err
    same(load_vectors(tmp_path / "out.bin"), emb)


@pytest.mark.parametrize("stream", ["zeros", "one-endless-line", "endless-rows", "endless-binary"])
def test_endless_pipes_stop_with_bounded_memory(capsys, tmp_path, monkeypatch, stream):
    monkeypatch.setattr(sniff, "_MAX_LINE", 1 << 20)  # the same rule at 1 MiB, to keep the test fast
    chunk = {"zeros": b"\0" * 65536, "one-endless-line": b"a" * 65536,
             "endless-rows": b"a 1 2 3\n" * 8192, "endless-binary": b"1000000000 3\n" + b"w " + bytes(12)}[stream]

    def forever():
        yield chunk
        while True:
            yield b"w " + bytes(12) if stream == "endless-binary" else chunk

    fifo = mkfifo(tmp_path / "pipe")
    writer = feed(fifo, forever())
    tracemalloc.start()
    try:
        code, _, err = run(capsys, "similar", "a", "--vectors", fifo)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    writer.join(5)
    assert not writer.is_alive()  # the reader stopped and the writer saw it go
    one_line_error(code, err, FormatError)
    assert peak < 40_000_000, f"{peak:,} bytes"


def test_long_lines_are_refused(tmp_path, monkeypatch):
    """Beyond 64 MiB, or far beyond what the header's dimension needs: not a text vectors file."""
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\na " + b"1 " * 1_000_000 + b"\nb 1 2 3\n")  # 2 MB for 3 values
    with pytest.raises(FormatError, match="line 2 is longer than .* far more than 3 values need"):
        load_vectors(path)
    monkeypatch.setattr(sniff, "_MAX_LINE", 1 << 16)
    (tmp_path / "g.txt").write_bytes(b"word" * 50_000 + b" 1\n")
    with pytest.raises(FormatError, match="line 1 is longer than 65,536 bytes: not a text vectors file"):
        load_vectors(tmp_path / "g.txt")
    bomb = tmp_path / "bomb.txt.gz"  # 20 MB of one line, 20 kB on disk
    bomb.write_bytes(gzip.compress(b"x" * 20_000_000, compresslevel=1))
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="longer than"):
            load_vectors(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_compressed_bomb_of_zeros_fails_fast(tmp_path):
    bomb = tmp_path / "v.bin.gz"
    bomb.write_bytes(gzip.compress(b"3 300\n" + bytes(50_000_000), compresslevel=1))
    tracemalloc.start()
    start = time.monotonic()
    try:
        with pytest.raises(FormatError):
            load_vectors(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - start < 10 and peak < 10_000_000


# -- 6. large sizes are written and read in bounded steps -----------------------------------------------
@pytest.mark.parametrize("binary", [False, True])
def test_wide_vectors_write_and_read_in_bounded_memory(tmp_path, binary):
    d = 100_000
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((2, d)).astype(np.float32)
    path = tmp_path / ("w.bin" if binary else "w.txt")
    tracemalloc.start()
    try:
        save_word2vec(path, ["a", "b"], vectors)
        peak_write = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The old text writer formatted 4096 rows at once (an OOM kill at --dim 100000): here 2 rows of
    # 100 000 values took 26 MB of '<U32' plus 200 000 str objects; now at most 65 536 values a step.
    assert peak_write < 20_000_000, f"{peak_write:,} bytes to write {vectors.nbytes:,}"
    back = load_vectors(path)
    np.testing.assert_array_equal(back.vectors, vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_written_bytes_do_not_depend_on_the_step(tmp_path, monkeypatch, emb, binary):
    save_word2vec(tmp_path / "one", emb, binary=binary)
    monkeypatch.setattr(writers, "_WRITE_VALUES", 3)  # rows wider than a step: written in pieces
    monkeypatch.setattr(writers, "_WRITE_BYTES", 7)
    save_word2vec(tmp_path / "two", emb, binary=binary)
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()


def test_float64_input_is_converted_block_by_block(tmp_path):
    vectors = np.random.default_rng(0).standard_normal((5000, 40))
    save_word2vec(tmp_path / "v.bin", [f"w{i}" for i in range(5000)], vectors)
    np.testing.assert_array_equal(load_vectors(tmp_path / "v.bin").vectors, vectors.astype(np.float32))


# -- 7. outputs -----------------------------------------------------------------------------------------
def test_convert_refuses_to_overwrite_its_input(capsys, tmp_path, src):
    before = src.read_bytes()
    os.symlink(src, tmp_path / "link.txt")
    os.link(src, tmp_path / "hard.txt")
    for out in (src, tmp_path / "link.txt", tmp_path / "hard.txt", tmp_path / "." / "in.txt"):
        code, _, err = run(capsys, "convert", src, out)
        one_line_error(code, err, ConfigError, "input")
    gz = tmp_path / "in.txt.gz"
    gz.write_bytes(gzip.compress(before))
    code, _, err = run(capsys, "convert", gz, gz)
    one_line_error(code, err, ConfigError, "input")
    assert src.read_bytes() == before and gzip.decompress(gz.read_bytes()) == before


def test_output_is_checked_before_the_input_is_read(capsys, tmp_path, monkeypatch):
    def no_reading(*a, **k):
        raise AssertionError("the input was read before the output was checked")

    import w2v_scratch.cli.vectors as cli_vectors

    monkeypatch.setattr(cli_vectors, "load_vectors", no_reading)
    monkeypatch.setattr(io_mod, "load_vectors", no_reading)
    for out, error, needle in [("out.npz", ConfigError, "out.npz"), ("no/such/dir/v.txt", InputError, "folder"),
                               (".", InputError, "folder")]:
        code, _, err = run(capsys, "convert", tmp_path / "missing.txt", tmp_path / out)
        one_line_error(code, err, error, needle)


def test_failed_convert_keeps_the_destination(capsys, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"2 3\na 0,1 0,2 0,3\nb 0,4 0,5 0,6\n")
    dest = tmp_path / "out.bin.gz"
    dest.write_bytes(b"old")
    code, _, err = run(capsys, "convert", tmp_path / "bad.txt", dest)
    one_line_error(code, err, FormatError, "decimal comma")
    assert dest.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["bad.txt", "out.bin.gz"]


def test_symlinked_output_is_written_through(capsys, tmp_path, src, emb):
    target = tmp_path / "real.bin"
    target.write_bytes(b"old")
    os.symlink("real.bin", tmp_path / "link.bin")
    code, _, err = run(capsys, "convert", src, tmp_path / "link.bin")
    assert code == 0, err
    assert os.path.islink(tmp_path / "link.bin") and os.readlink(tmp_path / "link.bin") == "real.bin"
    same(load_vectors(target), emb)
    os.symlink(tmp_path / "nowhere" / "x.txt", tmp_path / "dangling.txt")
    code, _, err = run(capsys, "convert", src, tmp_path / "dangling.txt")
    one_line_error(code, err, InputError, "folder")


@pytest.mark.parametrize("name", ["pipe", "pipe.gz"])
def test_fifo_output_is_written_into_not_replaced(capsys, tmp_path, src, emb, name):
    fifo = mkfifo(tmp_path / name)
    got: list = []
    reader = drain(fifo, got)
    code, _, err = run(capsys, "convert", src, fifo)
    reader.join(10)
    assert code == 0, err
    assert os.path.exists(fifo) and not os.path.isfile(fifo)  # still a pipe
    (tmp_path / "copy").write_bytes(b"".join(got))
    same(load_vectors(tmp_path / "copy"), emb)
    assert sorted(os.listdir(tmp_path)) == ["copy", "in.txt", name]


def test_dev_null_output(capsys, src):
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    code, _, err = run(capsys, "convert", src, "/dev/null")
    assert code == 0, err
    assert not os.path.isfile("/dev/null")


# -- 8. the UTF-8 byte-order mark -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["text", "glove", "binary", "text.gz"])
def test_bom_is_skipped(capsys, tmp_path, emb, kind):
    plain = tmp_path / "plain"
    if kind == "glove":
        save_glove(plain, emb)
    else:
        save_word2vec(plain, emb, binary=kind == "binary")
    data = b"\xef\xbb\xbf" + plain.read_bytes()
    path = tmp_path / ("v.txt.gz" if kind.endswith(".gz") else "v.txt")
    path.write_bytes(gzip.compress(data) if kind.endswith(".gz") else data)
    back = load_vectors(path)
    assert back.words[0] == "king"
    same(back, emb)
    assert detect_format(path) == {"glove": "glove", "binary": "word2vec-binary"}.get(kind, "word2vec")
    code, stdout, err = run(capsys, "similar", "king", "--vectors", path, "-k", 1)
    assert code == 0, err
    code, _, err = run(capsys, "convert", path, tmp_path / "out.txt")
    assert code == 0 and not (tmp_path / "out.txt").read_bytes().startswith(b"\xef\xbb\xbf")


def test_bom_before_a_bad_header_still_names_the_header(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"\xef\xbb\xbf3\nking 1 2\n")
    with pytest.raises(FormatError, match="first line should be '<count> <dim>', got '3'"):
        load_vectors(path)


# -- 9. NumPy warnings never print --------------------------------------------------------------------
def test_values_near_the_float32_limit_give_true_cosines_without_warnings(capsys, tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"4 3\nbig 3e38 3e38 3e38\nb 1 2 3\ntiny 1e-45 0 0\nc 3 2 1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        emb = load_vectors(path)
        sims = dict(emb.most_similar("b", topn=2))
        assert sims["big"] == pytest.approx(6 / np.sqrt(42), abs=1e-6)
        assert emb.most_similar_cosmul(positive=["big", "tiny"], negative=["b"], topn=1)
        emb.doesnt_match(["big", "b", "tiny"])
    for argv in (["similar", "b", "--vectors", path], ["analogy", "b", "big", "tiny", "--vectors", path,
                                                        "--method", "3cosmul"], ["evaluate", "--vectors", path]):
        code, _, err = run(capsys, *argv)
        assert code == 0 and err == "", (argv, err)


def test_values_beyond_float32_are_refused_naming_the_word(capsys, tmp_path):
    proc = subprocess.run([sys.executable, "-W", "error", "-m", "w2v_scratch", "similar", "a", "--vectors",
                           "/dev/stdin"], input=b"2 3\na 1 2 3\nhuge 1 1e39 2\n", capture_output=True, timeout=60)
    one_line_error(proc.returncode, proc.stderr.decode(), FormatError, "'huge' holds NaN or infinity")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FormatError, match="'big'.*beyond float32"):
            save_word2vec(tmp_path / "v.txt", ["a", "big"], np.array([[1.0, 2.0], [1e300, 0.0]]))
    assert not (tmp_path / "v.txt").exists()
