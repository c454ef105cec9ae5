"""Every call that reads or writes a named file refuses anything but a name — an open file, bytes, a
number — with one line that is both an ``InputError`` and a ``TypeError`` and names the call with a
file name; nothing is written."""

import io
import os

import numpy as np
import pytest

import w2v_scratch.gensim as g
from w2v_scratch import KeyedVectors, Word2Vec
from w2v_scratch.base.errors import InputError


@pytest.fixture()
def kv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kv = KeyedVectors(["a", "b"], np.arange(6, dtype=np.float32).reshape(2, 3))
    kv.save("v.kv")
    return kv


def _calls(kv):
    trained = g.Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1, workers=1)
    native = Word2Vec(dim=4, min_count=1, threads=1, progress=False, log=lambda m: None).fit([["a", "b"]] * 5)
    yield "KeyedVectors.load", lambda h: KeyedVectors.load(h)
    yield "save_vectors", lambda h: kv.save(h)
    yield "save_word2vec_format", lambda h: kv.save_word2vec_format(h)
    yield "load_word2vec_format", lambda h: KeyedVectors.load_word2vec_format(h)
    yield "KeyedVectors.load", lambda h: g.KeyedVectors.load(h)
    yield "KeyedVectors.save", lambda h: g.KeyedVectors(["a"], np.ones((1, 2), np.float32)).save(h)
    yield "Word2Vec.load", lambda h: g.Word2Vec.load(h)
    yield "Word2Vec.save", lambda h: trained.save(h)
    yield "Word2Vec.load", lambda h: Word2Vec.load(h)
    yield "Word2Vec.save", lambda h: native.save(h)


@pytest.mark.parametrize("given", ["open file", "bytes io", "int"])
def test_a_handle_or_number_is_refused_in_one_line(kv, given):
    before = sorted(os.listdir("."))
    for who, call in _calls(kv):
        handle = {"open file": lambda: open("v.kv", "rb"), "bytes io": io.BytesIO, "int": lambda: 3}[given]()
        with pytest.raises(InputError) as caught:
            call(handle)
        assert isinstance(caught.value, TypeError)
        message = str(caught.value)
        assert "\n" not in message and "file name" in message, message
        assert who in message, (who, message)
        if hasattr(handle, "close"):
            handle.close()
    assert sorted(os.listdir(".")) == before
