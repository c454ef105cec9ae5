"""Pictures: the training loss curve, and a 2-D PCA map of chosen words.

matplotlib (the ``plot`` extra) is imported only inside these functions, and
only its object-oriented API is used (no pyplot), so nothing global changes.
Images are written through :func:`~w2v_scratch.base.files.atomic_write`; the format
follows the extension (``.png``, ``.pdf``, ``.svg``), PNG by default.
"""

from __future__ import annotations

import os

import numpy as np

from ..base.errors import ConfigError, MissingDependency, W2VError
from ..base.files import atomic_write

FONT = 12


def _figure(width: float, height: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # deferred: the plot extra may be missing
        from matplotlib.figure import Figure  # deferred: the plot extra may be missing
    except ImportError:
        raise MissingDependency("plotting needs matplotlib: install the plot extra: pip install 'w2v-scratch[plot]'") from None
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path) -> None:
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    if ext not in fig.canvas.get_supported_filetypes():
        raise ConfigError(f"cannot write a .{ext} image: name the output .png, .pdf or .svg")
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format=ext, dpi=150)


def moving_average(values, window: int) -> np.ndarray:
    """m_i = mean(values[i − ⌊w/2⌋ .. i + ⌈w/2⌉ − 1]), clipped at the ends: a centred mean over ``window`` points."""
    v = np.asarray(values, dtype=np.float64)
    c = np.cumsum(np.insert(v, 0, 0.0))
    i = np.arange(len(v))
    lo = np.maximum(0, i - window // 2)
    hi = np.minimum(len(v), i - window // 2 + window)
    return (c[hi] - c[lo]) / (hi - lo)


def plot_loss(history, path, title: str = "Training loss") -> None:
    """Save the loss curve of ``history`` (dicts with ``epoch``, ``loss``, optionally
    ``batch_losses``) as an image: per-batch losses (thin, with a moving average)
    placed inside their epoch, and each epoch's mean as a marker at the middle of its epoch
    (where the batches it averages lie), or at its end when there are no batch losses."""
    records = [h for h in history or [] if h.get("loss") is not None or h.get("batch_losses")]
    if not records:
        raise W2VError("there is no training loss to plot: train for at least one epoch")
    fig = _figure(8, 4.8)
    ax = fig.add_subplot()
    xs, ys = [], []
    for k, h in enumerate(records):
        batch = [float(b) for b in h.get("batch_losses") or []]
        xs.extend(k + (np.arange(len(batch)) + 1) / max(len(batch), 1))
        ys.extend(batch)
    if ys:
        ax.plot(xs, ys, color="tab:blue", alpha=0.3, linewidth=0.8, label="batch loss")
        window = max(1, len(ys) // 50)
        if window > 1:
            ax.plot(xs, moving_average(ys, window), color="tab:blue", linewidth=1.8,
                    label=f"moving average ({window} batches)")
    at = 0.5 if ys else 1.0
    epochs = [(k + at, float(h["loss"])) for k, h in enumerate(records) if h.get("loss") is not None]
    if epochs:
        ex, ey = zip(*epochs)
        ax.plot(ex, ey, "o-", color="tab:orange", linewidth=2, markersize=7, label="epoch mean", zorder=3)
    n = len(records)
    if n <= 20:
        ticks = range(0 if ys else 1, n + 1)
        ax.set_xticks(ticks, [str(records[k - 1].get("epoch", k)) if k else "0" for k in ticks])
    ax.set_xlim(-0.02 * n if ys else 0.5, n * 1.02 if ys else n + 0.5)
    ax.set_xlabel("epoch", fontsize=FONT)
    ax.set_ylabel("loss", fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 2)
    ax.tick_params(labelsize=FONT - 1)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=FONT - 1)
    _save(fig, path)


def pca_2d(vectors) -> tuple[np.ndarray, np.ndarray]:
    """Project rows onto the top 2 principal axes: X_c = X − mean(X) = U S Vᵀ, coords = X_c V[:, :2].

    Returns ``(coords (n, 2), explained)`` where explained[j] = S_j² / Σ S²."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    coords = np.zeros((len(x), 2))
    k = min(2, vt.shape[0])
    coords[:, :k] = x @ vt[:k].T
    total = float((s ** 2).sum()) or 1.0
    explained = np.zeros(2)
    explained[:k] = s[:k] ** 2 / total
    return coords, explained


def plot_words(emb, words, path, title: str | None = None) -> None:
    """Save a labelled scatter of ``words`` on the first two principal components of their
    unit-normalised vectors (so distances reflect cosine similarity)."""
    words = list(dict.fromkeys(words))
    if len(words) < 2:
        raise ConfigError("give at least two distinct words to plot")
    ids = [emb.word_id(w) for w in words]
    coords, explained = pca_2d(emb.unit_rows(ids))
    size = 7 if len(words) <= 30 else 10
    fig = _figure(size * 1.25, size)
    ax = fig.add_subplot()
    ax.scatter(coords[:, 0], coords[:, 1], s=36, color="tab:blue", alpha=0.8, zorder=2)
    pad = 0.12 * max(np.ptp(coords[:, 0]), np.ptp(coords[:, 1]), 1e-6)
    ax.set_xlim(coords[:, 0].min() - pad, coords[:, 0].max() + 2 * pad)  # room for the labels on the right
    ax.set_ylim(coords[:, 1].min() - pad, coords[:, 1].max() + pad)
    _place_labels(fig, ax, coords, words)
    ax.set_xlabel(f"PC1 ({100 * explained[0]:.0f}% of variance)", fontsize=FONT)
    ax.set_ylabel(f"PC2 ({100 * explained[1]:.0f}% of variance)", fontsize=FONT)
    ax.set_title(title or f"PCA projection of {len(words)} word vectors", fontsize=FONT + 2)
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(True, alpha=0.3)
    _save(fig, path)


# Label positions tried in turn (offset in points, horizontal alignment): right, below, left, ...
_SPOTS = [((5, 4), "left"), ((5, -14), "left"), ((-5, 4), "right"), ((-5, -14), "right"),
          ((5, 15), "left"), ((-5, 15), "right"), ((5, -25), "left"), ((-5, -25), "right")]


def _place_labels(fig, ax, coords, words) -> None:
    """Label each point at the first spot of ``_SPOTS`` whose text box overlaps no label placed before."""
    renderer = fig.canvas.get_renderer()
    fig.canvas.draw()  # fix the layout so text extents are final
    placed = []
    for (x, y), word in zip(coords, words):
        for offset, ha in _SPOTS:
            text = ax.annotate(word, (x, y), xytext=offset, textcoords="offset points", ha=ha,
                               fontsize=FONT, zorder=3)
            box = text.get_window_extent(renderer).expanded(1.05, 1.1)
            if not any(box.overlaps(other) for other in placed) or (offset, ha) == _SPOTS[-1]:
                placed.append(box)
                break
            text.remove()
