"""gensim's corpus readers (corpus/gensim_readers.py): LineSentence, Text8Corpus and PathLineSentences
yield gensim's sentences on small generated files (unicode, blank lines, long lines, compressed, a
one-line text8-like file cut at block edges); errors are one line of gensim's types; the engine
takes the readers as token-list iterables and reads a LineSentence's plain file itself, with the
same result."""

from __future__ import annotations

import bz2
import gzip
import random

import numpy as np
import pytest

from w2v_scratch import Word2Vec
from w2v_scratch.base.errors import InputError
from w2v_scratch.corpus import gensim_readers as readers
from w2v_scratch.corpus.gensim_readers import TEXT8_BLOCK, LineSentence, PathLineSentences, Text8Corpus

WORDS = ["a", "bb", "ccc", "naïve", "日本語", "x_y", "zz", "Ünï"] + [f"w{i}" for i in range(30)]
SEPARATORS = [" ", " ", " ", "\t", "  ", "\u00a0", " \r", "\u2028"]  # str.split() splits on all of them


def lines_text(rng: random.Random, n_lines: int) -> str:
    """Lines of 0 to 40 words with mixed whitespace, some blank or holding only whitespace."""
    out = []
    for _ in range(n_lines):
        k = rng.choice([0, 0, 1, 2, 5, 9, 40])
        if not k:
            out.append(rng.choice(["", "  ", "\t", "\r"]))
            continue
        out.append("".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(k)).rstrip(" "))
    return "\n".join(out)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readers")
    rng = random.Random(7)
    made = {}
    for name, n in [("plain.txt", 200), ("ends_with_newline.txt", 80)]:
        made[name] = folder / name
        made[name].write_text(lines_text(rng, n) + ("\n" if "newline" in name else ""), encoding="utf-8")
    made["bom.txt"] = tmp_path_factory.mktemp("bom") / "bom.txt"  # gensim keeps the mark: not in the folder compared
    made["bom.txt"].write_bytes(b"\xef\xbb\xbf" + b"first second\nthird\n")
    made["c.txt.gz"] = folder / "c.txt.gz"
    with gzip.open(made["c.txt.gz"], "wt", encoding="utf-8") as f:
        f.write(lines_text(rng, 120))
    made["d.txt.bz2"] = folder / "d.txt.bz2"
    with bz2.open(made["d.txt.bz2"], "wt", encoding="utf-8") as f:
        f.write(lines_text(rng, 60))
    # text8-like: one line of several blocks, unicode words cut at block edges
    made["text8"] = folder / "text8"
    made["text8"].write_text(" ".join(rng.choice(WORDS) for _ in range(6000)), encoding="utf-8")
    # a newline that is the last byte of a block, after the block's last space: gensim joins the word
    # before it to the first word of the next block ("c" + "d" → "cd")
    made["edge"] = folder / "edge.txt"
    made["edge"].write_bytes(b"ab " * ((TEXT8_BLOCK - 2) // 3) + b"c\nd e f\n")
    made["multiline"] = folder / "multiline.txt"
    made["multiline"].write_text(lines_text(rng, 700), encoding="utf-8")
    return made


LENGTHS = (1, 3, 7, 10_000)


def test_linesentence_equals_gensims(files):
    g = pytest.importorskip("gensim.models.word2vec")
    for name in ("plain.txt", "ends_with_newline.txt", "c.txt.gz", "d.txt.bz2", "multiline"):
        for n in LENGTHS:
            for limit in (None, 0, 4, 10_000):
                ours = list(LineSentence(str(files[name]), n, limit))
                assert ours == list(g.LineSentence(str(files[name]), n, limit)), (name, n, limit)
    with open(files["plain.txt"], "rb") as f:  # an open file: rewound on each pass
        reader, theirs = LineSentence(f, 3), g.LineSentence(f, 3)
        assert list(reader) == list(theirs) == list(reader)
    with open(files["plain.txt"], encoding="utf-8") as f:  # a text-mode file too
        assert list(LineSentence(f, limit=9)) == list(g.LineSentence(f, limit=9))


def test_text8corpus_equals_gensims_block_cuts_included(files):
    g = pytest.importorskip("gensim.models.word2vec")
    for name in ("text8", "edge", "multiline", "plain.txt", "c.txt.gz"):
        for n in (1, 7, 1000, 10_000):
            assert list(Text8Corpus(str(files[name]), n)) == list(g.Text8Corpus(str(files[name]), n)), (name, n)


def test_text8corpus_cuts_as_documented(files):
    """Without gensim: sentences of exactly n words but the last (which keeps the rest of the last
    block, so it may be longer), and the newline at a block edge lost."""
    words = files["text8"].read_text(encoding="utf-8").split()
    sentences = list(Text8Corpus(str(files["text8"]), 1000))
    assert [w for s in sentences for w in s] == words
    assert all(len(s) == 1000 for s in sentences[:-1]) and sentences[-1]
    edge = [w for s in Text8Corpus(str(files["edge"]), 7) for w in s]
    assert edge[-4:] == ["ab", "cd", "e", "f"]


def test_pathlinesentences_equals_gensims(files, tmp_path):
    g = pytest.importorskip("gensim.models.word2vec")
    folder = files["plain.txt"].parent
    for limit in (None, 3):
        ours, theirs = PathLineSentences(str(folder), 5, limit), g.PathLineSentences(str(folder), 5, limit)
        assert ours.input_files == theirs.input_files
        assert list(ours) == list(theirs)
    one = PathLineSentences(str(files["plain.txt"]))
    assert list(one) == list(g.PathLineSentences(str(files["plain.txt"])))


def test_readers_start_over_and_drop_a_byte_order_mark(files):
    for reader in (LineSentence(str(files["plain.txt"]), 4), Text8Corpus(str(files["text8"]), 50),
                   PathLineSentences(str(files["plain.txt"].parent), 6)):
        first = list(reader)
        assert first and first == list(reader)
    assert list(LineSentence(str(files["bom.txt"]))) == [["first", "second"], ["third"]]
    assert list(Text8Corpus(str(files["bom.txt"]))) == [["first", "second", "third"]]


def one_line(exc) -> str:
    text = str(exc.value)
    assert "\n" not in text and len(text) < 300, text
    return text


def test_errors_are_one_line_of_gensims_types(tmp_path):
    missing = str(tmp_path / "nope.txt")
    for make in (lambda: list(LineSentence(missing)), lambda: list(Text8Corpus(missing))):
        with pytest.raises(FileNotFoundError) as exc:
            make()
        assert isinstance(exc.value, InputError) and "does not exist" in one_line(exc)
    for make in (lambda: list(LineSentence(str(tmp_path))), lambda: list(Text8Corpus(str(tmp_path)))):
        with pytest.raises(IsADirectoryError) as exc:
            make()
        assert "folder" in one_line(exc)
    with pytest.raises(ValueError) as exc:
        PathLineSentences(missing)
    assert "neither a file nor a folder" in one_line(exc)
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("x y\n")
    with pytest.raises(IsADirectoryError) as exc:
        list(PathLineSentences(str(tmp_path)))
    assert "sub" in one_line(exc)
    big = [["word"] * 10] * 10_000
    for make in (lambda: LineSentence(big), lambda: Text8Corpus(None), lambda: PathLineSentences(123)):
        with pytest.raises(TypeError) as exc:
            make()
        assert len(one_line(exc)) < 200
    with pytest.raises(ValueError) as exc:  # gensim loops forever on 0
        LineSentence(str(tmp_path / "a.txt"), max_sentence_length=0)
    one_line(exc)
    with pytest.raises(ValueError):
        LineSentence(str(tmp_path / "a.txt"), limit=-1)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 x\n".encode("latin-1"))
    with pytest.raises(InputError) as exc:
        list(LineSentence(str(tmp_path / "latin1.txt")))
    assert "UTF-8" in one_line(exc)
    with pytest.raises(InputError) as exc:
        list(Text8Corpus(str(tmp_path / "latin1.txt")))
    assert "UTF-8" in one_line(exc)


SMALL = dict(dim=8, epochs=1, min_count=1, seed=3, window=2, negative=3, threads=1)
QUIET = dict(progress=False, log=lambda m: None)


def test_the_engine_reads_a_linesentence_file_itself_with_the_same_result(files, monkeypatch):
    path = str(files["multiline"])
    reference = Word2Vec(**SMALL).fit(list(LineSentence(path, 6)), **QUIET)
    iterated = []
    real_iter = LineSentence.__iter__
    monkeypatch.setattr(LineSentence, "__iter__", lambda self: iterated.append(1) or real_iter(self))
    fast = Word2Vec(**SMALL).fit(LineSentence(path, 6), **QUIET)
    assert not iterated  # the file was read by the text kernel
    assert fast.vocab.words == reference.vocab.words
    np.testing.assert_array_equal(fast.center, reference.center)
    nested = Word2Vec(**SMALL, max_sentence_length=3).fit(LineSentence(path, 6), **QUIET)  # 6 = 2 × 3
    assert not iterated
    mixed = Word2Vec(**SMALL, max_sentence_length=4).fit(LineSentence(path, 6), **QUIET)  # cuts that do not nest
    assert iterated
    for model, n in ((nested, 3), (mixed, 4)):
        pieces = [s[i:i + n] for s in LineSentence(path, 6) for i in range(0, len(s), n)]
        want = Word2Vec(**SMALL, max_sentence_length=n).fit(pieces, **QUIET)
        np.testing.assert_array_equal(model.center, want.center)
    limited = Word2Vec(**SMALL).fit(LineSentence(path, limit=50), **QUIET)
    lines = files["multiline"].read_bytes().decode("utf-8").split("\n")[:50]  # "\r" does not end a line
    want = Word2Vec(**SMALL).fit([line.split() for line in lines if line.split()], **QUIET)
    np.testing.assert_array_equal(limited.center, want.center)


def test_text8_and_folders_train_as_token_lists(files):
    path = str(files["text8"])
    model = Word2Vec(**SMALL).fit(Text8Corpus(path, 500), **QUIET)
    assert set(model.vocab.words) == set(files["text8"].read_text(encoding="utf-8").split())
    folder = PathLineSentences(str(files["plain.txt"].parent))
    assert readers.PathLineSentences.corpus_file(folder, 10_000) is None  # several files: iterated
    assert Word2Vec(**SMALL).fit(folder, **QUIET).vocab.words
