"""Files saved by the flat layout (before the package was grouped into sub-packages, git be33427) load
unchanged: a cpu model and a reference checkpoint with Adam's moments, written by that code."""

from __future__ import annotations

import pathlib

import numpy as np

from w2v_scratch import Word2Vec

DATA = pathlib.Path(__file__).resolve().parent / "data"


def test_a_model_saved_before_loads_with_the_new_names():
    model = Word2Vec.load(str(DATA / "model_before_subpackages"))
    with np.load(DATA / "model_before_subpackages.npz") as arrays:
        np.testing.assert_array_equal(model.w_in, arrays["center"])
        np.testing.assert_array_equal(model.w_out, arrays["context"])
    assert model.center is model.w_in and model.context is model.w_out  # the old names still answer
    assert model.w_in.shape == (len(model.vocab), 8)
    words = [w for w, _ in model.wv.most_similar("cat", topn=3)]
    assert len(words) == 3 and "cat" not in words


def test_a_checkpoint_saved_before_loads_with_its_position_and_moments():
    ckpt = Word2Vec.load(str(DATA / "checkpoint_before_subpackages"))
    resume = ckpt.state["resume"]
    assert resume["backend"] == "reference" and resume["epoch"] > 0
    assert {"adam_m_center", "adam_v_center", "adam_m_context", "adam_v_context"} <= set(ckpt.state)
    assert ckpt.state["adam_m_center"].shape == ckpt.w_in.shape
