"""Word classes (word2vec.c's -classes): against a plain-loop port of its k-means, and against the C
tool's own classes of its own vectors (when the binary is installed)."""

import gzip
import itertools
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import make_topic_corpus

from w2v_scratch.corpus import read as corpus
from w2v_scratch.vectors.classes import load_classes, save_classes, word_classes
from w2v_scratch.base.errors import ConfigError, FormatError, InputError
from w2v_scratch.vectors.formats import load_word2vec


def c_binary(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.path.exists(beside) else shutil.which(name)


WORD2VEC = c_binary("word2vec")


def kmeans_port(syn0, classes, iterations=10):
    """word2vec.c's K-means block, loop for loop (Python floats; an empty class's 0/0 is NaN)."""
    vocab_size, layer1_size = len(syn0), len(syn0[0])
    clcn = classes
    cl = [a % clcn for a in range(vocab_size)]
    for _ in range(iterations):
        cent = [0.0] * (clcn * layer1_size)
        centcn = [1] * clcn
        for c in range(vocab_size):
            for d in range(layer1_size):
                cent[layer1_size * cl[c] + d] += syn0[c][d]
            centcn[cl[c]] += 1
        for b in range(clcn):
            closev = 0.0
            for c in range(layer1_size):
                cent[layer1_size * b + c] /= centcn[b]
                closev += cent[layer1_size * b + c] * cent[layer1_size * b + c]
            closev = math.sqrt(closev)
            for c in range(layer1_size):
                cent[layer1_size * b + c] = cent[layer1_size * b + c] / closev if closev else math.nan
        for c in range(vocab_size):
            closev, closeid = -10.0, 0
            for d in range(clcn):
                x = 0.0
                for b in range(layer1_size):
                    x += cent[layer1_size * d + b] * syn0[c][b]
                if x > closev:
                    closev, closeid = x, d
            cl[c] = closeid
    return np.array(cl)


@pytest.mark.parametrize("V,d,N,seed", [(300, 8, 7, 0), (200, 5, 3, 1), (40, 6, 60, 2), (150, 4, 12, 3)])
def test_equal_to_a_plain_loop_port_of_word2vec_c(V, d, N, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((V, d)).astype(np.float32) * rng.uniform(0.1, 3, (V, 1)).astype(np.float32)
    X[5] = 0  # a zero vector scores 0 everywhere: the first live class
    expected = kmeans_port(X.astype(np.float64).tolist(), N)
    got = word_classes(X, N)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int64 and got.min() >= 0 and got.max() < N
    np.testing.assert_array_equal(word_classes(X, N, chunk_bytes=1), expected)  # one row per chunk
    for it in (0, 1, 3):
        np.testing.assert_array_equal(word_classes(X, N, iterations=it), kmeans_port(X.tolist(), N, it))


def test_raw_vectors_weighted_by_length_and_the_minus_10_floor():
    """Centroids are directions of sums of raw vectors; a word whose every dot product is <= −10 goes
    to class 0 even when another class scores higher (word2vec.c starts its search at −10)."""
    X = np.array([[1.0, 0.0], [1.0, 0.5]] * 50 + [[-20.0, 4.0]])  # classes i % 2; the last word is long
    got = word_classes(X, 2, iterations=1)
    sums = np.array([X[0:100:2].sum(0) + X[100], X[1:100:2].sum(0)])  # the last word is in class 0
    cent = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    scores = cent @ X[100]
    assert scores.max() <= -10 and scores.argmax() == 1  # so the floor decides
    assert got[-1] == 0
    np.testing.assert_array_equal(got, kmeans_port(X.tolist(), 2, 1))


def test_more_classes_than_words_and_edge_inputs():
    X = np.eye(3)
    np.testing.assert_array_equal(word_classes(X, 5), [0, 1, 2])  # classes 3, 4 stay empty (NaN in C)
    np.testing.assert_array_equal(word_classes(X, 1), [0, 0, 0])
    assert word_classes(np.zeros((0, 4)), 3).shape == (0,)
    with pytest.raises(ConfigError):
        word_classes(X, 0)
    with pytest.raises(ConfigError):
        word_classes(X, 2, iterations=-1)
    with pytest.raises(InputError, match="NaN"):
        word_classes(np.array([[1.0, np.nan]]), 2)
    with pytest.raises(InputError):
        word_classes(np.ones(4), 2)


def test_save_and_load_classes(tmp_path):
    path = tmp_path / "classes.txt"
    save_classes(path, ["the", "cat", "été"], np.array([2, 0, 1]))
    assert path.read_text(encoding="utf-8") == "the 2\ncat 0\nété 1\n"
    words, classes = load_classes(path)
    assert words == ["the", "cat", "été"] and classes.tolist() == [2, 0, 1]
    with pytest.raises(ConfigError):
        save_classes(path, ["a", "b"], [0])
    with pytest.raises(FormatError):
        save_classes(path, ["a b"], [0])
    assert path.read_text(encoding="utf-8") == "the 2\ncat 0\nété 1\n"  # refused before writing
    (tmp_path / "bad.txt").write_text("a x\n")
    with pytest.raises(FormatError):
        load_classes(tmp_path / "bad.txt")


# -- the C tool -------------------------------------------------------------------------------------------
def run_word2vec(folder, train, out, *extra, iterations=2, min_count=2):
    """word2vec.c with one thread (then deterministic), in ``folder`` with short relative paths (it
    copies file names into fixed-size buffers)."""
    args = ["-train", train, "-output", out, "-size", "20", "-window", "5", "-negative", "5", "-hs", "0",
            "-sample", "1e-3", "-threads", "1", "-iter", str(iterations), "-min-count", str(min_count), "-cbow", "0",
            *extra]
    subprocess.run([WORD2VEC, *args], check=True, capture_output=True, timeout=120, cwd=folder)


def c_vectors(folder, train, **options):
    run_word2vec(folder, train, "vectors.bin", "-binary", "1", **options)
    return load_word2vec(folder / "vectors.bin")


def c_classes(folder, train, n_classes, emb, **options):
    """word2vec.c's classes after the same training as ``emb`` (it writes classes *or* vectors)."""
    run_word2vec(folder, train, "classes.txt", "-classes", str(n_classes), **options)
    words, classes = load_classes(folder / "classes.txt")
    assert words == list(emb.words)
    return classes


@pytest.mark.skipif(WORD2VEC is None, reason="needs the C word2vec binary (the bench extra)")
def test_equal_to_word2vec_c_classes_of_its_own_vectors(tmp_path):
    make_topic_corpus(tmp_path / "topics.txt", n_sentences=1500, topics=5, words_per_topic=10)
    emb = c_vectors(tmp_path, "topics.txt")
    run_word2vec(tmp_path, "topics.txt", "again.bin", "-binary", "1")
    assert (tmp_path / "again.bin").read_bytes() == (tmp_path / "vectors.bin").read_bytes()  # 1 thread: deterministic
    for n_classes in (3, 5, 8):
        np.testing.assert_array_equal(word_classes(emb.vectors, n_classes), c_classes(tmp_path, "topics.txt",
                                                                                     n_classes, emb))


@pytest.mark.skipif(WORD2VEC is None, reason="needs the C word2vec binary (the bench extra)")
def test_word2vec_c_classes_on_ptb(tmp_path):
    """30 classes of 410 PTB words (vectors from 3,000 lines, 5 epochs). Here the classes are the C
    tool's, every one. word2vec.c sums in float32, in its own order, and is built with fast-math (the
    installed binary links crtfastmath), so a word within float32 rounding of two centroids may go
    the other way there, and k-means carries that into its next iterations: on poorly separated
    vectors (2 epochs, 1,831 words) about 10% of the classes differ, with the same mean cosine to
    the centroids. A few differing words are allowed here, no more."""
    with gzip.open(corpus.resolve("ptb"), "rt", encoding="utf-8") as f:
        (tmp_path / "ptb.txt").write_text("".join(itertools.islice(f, 3000)), encoding="utf-8")
    options = dict(iterations=5, min_count=20)
    n_classes = 30
    emb = c_vectors(tmp_path, "ptb.txt", **options)
    theirs = c_classes(tmp_path, "ptb.txt", n_classes, emb, **options)
    ours = word_classes(emb.vectors, n_classes)
    assert len(ours) > 300 and len(set(ours.tolist())) > 20
    assert np.mean(ours != theirs) <= 0.01
    # normalising the vectors first (not what word2vec.c does) gives other classes
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    assert np.mean(word_classes(unit, n_classes) != theirs) > 0.2
