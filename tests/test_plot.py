"""Loss curve and PCA word map images (skipped without matplotlib)."""

import sys

import numpy as np
import pytest

from w2v_scratch.vectors.embeddings import Embeddings
from w2v_scratch.base.errors import ConfigError, MissingDependency, VocabError, W2VError
from w2v_scratch.vectors.plot import moving_average, pca_2d, plot_loss, plot_words

PNG = b"\x89PNG\r\n\x1a\n"


def test_pca_2d_keeps_a_plane_intact():
    # Points on a 2-D plane of R^6: the projection is an isometry (same pairwise distances).
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.standard_normal((6, 2)))
    plane = rng.standard_normal((30, 2)) * [3, 1]
    coords, explained = pca_2d(plane @ basis.T + 5)
    dist = lambda p: np.linalg.norm(p[:, None] - p[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(dist(coords), dist(plane), atol=1e-9)
    assert explained.sum() == pytest.approx(1.0) and explained[0] > explained[1]


def test_moving_average():
    np.testing.assert_allclose(moving_average([1, 2, 3, 4, 5], 3), [1.5, 2, 3, 4, 4.5])


def test_plot_loss(tmp_path):
    pytest.importorskip("matplotlib")
    history = [{"epoch": e, "loss": 3.0 / e, "batch_losses": list(3.0 / e + 0.1 * np.sin(np.arange(200)))}
               for e in (1, 2, 3)]
    plot_loss(history, tmp_path / "loss.png")
    plot_loss([{"epoch": 1, "loss": 2.0}, {"epoch": 2, "loss": 1.0}], tmp_path / "epochs.png")
    for name in ("loss.png", "epochs.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
    with pytest.raises(W2VError, match="no training loss"):
        plot_loss([], tmp_path / "none.png")
    with pytest.raises(ConfigError, match="png"):
        plot_loss(history, tmp_path / "loss.xyz")


def test_plot_words(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(1)
    emb = Embeddings([f"w{i}" for i in range(10)], rng.standard_normal((10, 8)))
    plot_words(emb, ["w1", "w2", "w3", "w4"], tmp_path / "words.png")
    assert (tmp_path / "words.png").read_bytes()[:8] == PNG
    with pytest.raises(ConfigError, match="two"):
        plot_words(emb, ["w1"], tmp_path / "one.png")
    with pytest.raises(VocabError):
        plot_words(emb, ["w1", "nope"], tmp_path / "bad.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["words.png"]


def test_missing_matplotlib_is_a_clear_error(tmp_path, monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes "import matplotlib..." fail
    with pytest.raises(MissingDependency, match=r"pip install 'w2v-scratch\[plot\]'"):
        plot_loss([{"epoch": 1, "loss": 1.0}], tmp_path / "x.png")
