import numpy as np
import pytest

from w2v_scratch.training.checkpoint import Checkpointer


def make_topic_corpus(path, n_sentences=400, length=12, topics=3, words_per_topic=8, seed=0):
    """Sentences that each draw words from one topic: words of a topic share contexts,
    so trained vectors should put them together."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(n_sentences):
        t = rng.integers(topics)
        ranks = np.minimum(rng.zipf(1.5, size=length) - 1, words_per_topic - 1)
        lines.append(" ".join(f"t{t}w{r}" for r in ranks))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def topic_corpus(tmp_path):
    return make_topic_corpus(tmp_path / "topics.txt")


# In CI (CI=true) property-based tests draw the same examples every run, so a red CI is
# reproducible; locally they explore new examples each time.
try:
    import os

    from hypothesis import settings as _settings

    _settings.register_profile("ci", derandomize=True, database=None)
    if os.environ.get("CI"):
        _settings.load_profile("ci")
except ImportError:  # hypothesis is in the dev extra
    pass


class StopAfter(Checkpointer):
    """A checkpointer that plays Ctrl-C after ``n`` chunk boundaries."""

    def __init__(self, path, n):
        super().__init__(path)
        self.n = n

    def due(self):
        self.n -= 1
        if self.n == 0:
            self.stop_requested.set()
        return super().due()
