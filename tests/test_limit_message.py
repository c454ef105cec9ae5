"""A word not among the first N words read with ``limit=N`` / ``--limit N`` is named as possibly
beyond the limit, not as a spelling problem; without a limit (or when the file has fewer words)
the plain unknown-word message stays."""

import numpy as np
import pytest

from w2v_scratch import KeyedVectors
from w2v_scratch.cli import main
from w2v_scratch.vectors.embeddings import UnknownWordError


@pytest.mark.parametrize("name", ["v.kv", "v.txt", "v.bin"])
def test_unknown_word_names_the_limit(tmp_path, name, capsys):
    path = tmp_path / name
    KeyedVectors([f"w{i}" for i in range(20)], np.random.default_rng(1).random((20, 4), np.float32)).save(path)
    with pytest.raises(UnknownWordError, match="first 5 words read"):
        KeyedVectors.load(path, limit=5).most_similar("w12")
    with pytest.raises(UnknownWordError, match="not in the vocabulary") as plain:
        KeyedVectors.load(path, limit=50).most_similar("w99")
    assert "limit" not in str(plain.value)
    assert main(["similar", "w12", "--vectors", str(path), "--limit", "5"]) == 5
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--limit" in err and "spelling" in err
