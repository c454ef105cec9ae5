"""The README's "Coming from gensim" program runs as written, its comments tell the truth, and it
is a gensim program: with its import switched back to gensim's (and, to keep the test short, the
first 5,000 sentences instead of all of them), gensim runs it too."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SECTION = (ROOT / "README.md").read_text(encoding="utf-8").split("### Coming from gensim\n", 1)[1]
PROGRAM = re.search(r"```python\n(.*?)```", SECTION, flags=re.S).group(1)
OURS = "from w2v_scratch.gensim import CallbackAny2Vec, KeyedVectors, Phrases, Word2Vec\n"
GENSIMS = "from gensim.models import KeyedVectors, Phrases, Word2Vec\nfrom gensim.models.callbacks import CallbackAny2Vec\n"
ALL_OF_PTB = 'sentences = list(iter_sentences("ptb"))'


def run(source: str, folder: pathlib.Path, monkeypatch, capsys) -> tuple[dict, list[str]]:
    monkeypatch.chdir(folder)
    namespace = {"__name__": "readme_gensim"}
    exec(compile(source, "README.md (Coming from gensim)", "exec"), namespace)
    return namespace, capsys.readouterr().out.splitlines()


def test_the_program_shows_the_one_changed_import():
    assert PROGRAM.count("w2v_scratch.gensim") == 1 and OURS in PROGRAM
    assert "# in gensim: from gensim.models import KeyedVectors, Phrases, Word2Vec" in PROGRAM
    assert "class EpochLoss(CallbackAny2Vec):" in PROGRAM and ALL_OF_PTB in PROGRAM


def test_the_program_runs_as_written_and_its_comments_hold(tmp_path, monkeypatch, capsys):
    ns, printed = run(PROGRAM, tmp_path, monkeypatch, capsys)
    losses = [float(line.split()[-1].replace(",", "")) for line in printed if line.startswith("epoch loss ")]
    assert len(losses) == 5 and all(loss > 0 for loss in losses)  # gensim's 5 epochs; the idiom's deltas
    model, wv = ns["model"], ns["wv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ptb.kv", "ptb.model"]  # nothing beside them
    assert isinstance(wv.vectors, np.memmap) and not wv.vectors.flags.writeable  # mmap="r"
    near = [w for w, _ in wv.most_similar("chip", topn=3)]
    assert {"mainframe", "supercomputer"} <= set(near), near  # the comment's claim
    assert ns["bigrams"][["new", "york", "stock", "exchange"]] == ["new_york", "stock_exchange"]
    assert "new_york" in model.wv and len(model.wv) > len(wv)  # the online vocabulary grew


def test_gensim_runs_the_same_program(tmp_path, monkeypatch, capsys):
    pytest.importorskip("gensim")
    source = PROGRAM.replace(OURS, GENSIMS).replace(ALL_OF_PTB, ALL_OF_PTB + "[:5000]")
    assert "w2v_scratch.gensim" not in source.split("# in gensim")[0]
    ns, printed = run(source, tmp_path, monkeypatch, capsys)
    assert sum(line.startswith("epoch loss ") for line in printed) == 5
    assert type(ns["model"]).__module__ == "gensim.models.word2vec"
    assert (tmp_path / "out" / "ptb.kv").is_file() and (tmp_path / "out" / "ptb.model").is_file()
