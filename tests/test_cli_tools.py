"""word2vec.c's tools on the command line (issue 13): ``phrases``, ``classes`` and ``train --classes``,
the stdin loops of ``similar`` and ``analogy``, ``--version``, and every TrainConfig field reachable
from ``train``."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import io
import typing

import numpy as np
import pytest

import w2v_scratch
from w2v_scratch.vectors.classes import load_classes, word_classes
from w2v_scratch.cli import build_parser, main
from w2v_scratch.cli import train as cli_train
from w2v_scratch.training.config import TrainConfig
from w2v_scratch.base.errors import ConfigError, InputError, VocabError
from w2v_scratch.vectors.formats import load_vectors, save_word2vec
from w2v_scratch.corpus.phrases import phrase_corpus

TINY = ["--dim", "8", "--epochs", "1", "--min-count", "1", "--threads", "1", "--no-progress", "--query"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- phrases ---------------------------------------------------------------------------------------------------
@pytest.fixture
def phrase_text(tmp_path):
    """'new york' and 'los angeles' always together; 'new' and 'york' never apart."""
    rng = np.random.default_rng(3)
    filler = [f"w{i}" for i in range(40)]
    lines = []
    for i in range(300):
        words = list(rng.choice(filler, size=8))
        words[rng.integers(0, 7)] = "new york" if i % 2 else "los angeles"
        lines.append(" ".join(words))
    path = tmp_path / "text.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_phrases_writes_the_apis_output_and_a_summary(capsys, tmp_path, phrase_text):
    out = tmp_path / "phrased.txt"
    code, stdout, err = run(capsys, "phrases", "--corpus", phrase_text, "--output", out, "--threshold", 10, 5,
                            "--min-count", 3)
    assert code == 0, err
    text = out.read_text()
    assert "new_york" in text and "los_angeles" in text and " new " not in text
    phrase_corpus(phrase_text, tmp_path / "api.txt", [10, 5], min_count=3)
    assert text == (tmp_path / "api.txt").read_text()
    assert stdout == ""
    assert "phrase pass 1/2" in err and "phrase pass 2/2" in err
    assert err.splitlines()[-1].startswith("phrases found per pass: ") and "(threshold 10)" in err


def test_phrases_default_threshold_is_word2phrases(capsys, tmp_path, phrase_text):
    code, _, err = run(capsys, "phrases", "--corpus", phrase_text, "--output", tmp_path / "o.txt")
    assert code == 0 and "(threshold 100)" in err.splitlines()[-1]


def test_a_long_phrases_pass_says_how_far_it_got(capsys, tmp_path, phrase_text, monkeypatch):
    from w2v_scratch.corpus import phrases as phrases_mod

    monkeypatch.setattr(phrases_mod, "_REPORT_SECONDS", 0.0)  # a line after every batch
    out = tmp_path / "o.txt"
    code, _, err = run(capsys, "phrases", "--corpus", phrase_text, "--output", out, "--threshold", 10, 5)
    assert code == 0, err
    for label in ("phrase pass 1/2", "phrase pass 2/2", f"writing {out}"):
        assert f"{label}: 2,700 tokens of {phrase_text} so far" in err, err


@pytest.mark.parametrize("case", ["output-is-input", "missing-corpus", "bad-threshold", "gensim-and-pairs"])
def test_phrases_never_destroys_and_checks_first(capsys, tmp_path, phrase_text, case):
    before = phrase_text.read_bytes()
    out = tmp_path / "o.txt"
    if case == "output-is-input":
        code, _, err = run(capsys, "phrases", "--corpus", phrase_text, "--output", phrase_text)
        assert code == ConfigError.exit_code and "--output" in err and "--corpus" in err
    elif case == "missing-corpus":
        code, _, err = run(capsys, "phrases", "--corpus", tmp_path / "nope.txt", "--output", out)
        assert code == InputError.exit_code and not out.exists()
    elif case == "bad-threshold":
        with pytest.raises(SystemExit) as exit_:
            main(["phrases", "--corpus", str(phrase_text), "--output", str(out), "--threshold", "nan"])
        assert exit_.value.code == 2 and "--threshold" in capsys.readouterr().err and not out.exists()
        return
    else:
        code, _, err = run(capsys, "phrases", "--corpus", phrase_text, "--output", out, "--scoring", "gensim",
                           "--counting", "pairs", "--delimiter", "+", "--min-count", 2, "--threshold", 1)
        assert code == 0 and "new+york" in out.read_text() and "(threshold 1)" in err
    assert err.count("\n") == 1 or case == "gensim-and-pairs"
    assert phrase_text.read_bytes() == before


# -- classes -------------------------------------------------------------------------------------------------
@pytest.fixture
def vectors(tmp_path):
    rng = np.random.default_rng(8)
    centers = rng.standard_normal((4, 6)) * 3
    vecs = np.repeat(centers, 10, axis=0) + 0.1 * rng.standard_normal((40, 6))
    words = [f"w{i}" for i in range(40)]
    save_word2vec(tmp_path / "v.txt", words, vecs.astype(np.float32))
    return tmp_path / "v.txt"


@pytest.mark.parametrize("iterations", [None, 0, 3])
def test_classes_are_word_classes_of_the_file(capsys, tmp_path, vectors, iterations):
    out = tmp_path / "classes.txt"
    extra = [] if iterations is None else ["--iterations", iterations]
    code, stdout, err = run(capsys, "classes", "--vectors", vectors, "--classes", 4, "--output", out, *extra)
    assert code == 0 and stdout == "" and str(out) in err
    emb = load_vectors(vectors)
    words, classes = load_classes(out)
    assert words == emb.words
    expected = word_classes(emb.vectors, 4, **({} if iterations is None else {"iterations": iterations}))
    np.testing.assert_array_equal(classes, expected)
    assert out.read_text().splitlines()[0] == f"w0 {expected[0]}"


def test_classes_refuses_to_write_over_its_vectors(capsys, tmp_path, vectors):
    before = vectors.read_bytes()
    code, _, err = run(capsys, "classes", "--vectors", vectors, "--classes", 2, "--output", vectors)
    assert code == ConfigError.exit_code and err.count("\n") == 1 and vectors.read_bytes() == before


def test_classes_reports_progress_and_stops_once_no_word_moves(capsys, tmp_path, vectors, monkeypatch):
    from w2v_scratch.vectors import classes as classes_mod

    calls = []
    real = classes_mod._iterate
    monkeypatch.setattr(classes_mod, "_iterate", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(classes_mod, "REPORT_SECONDS", 0.0)  # a line after every iteration
    code, _, err = run(capsys, "classes", "--vectors", vectors, "--classes", 4, "--output", tmp_path / "c.txt",
                       "--iterations", 10**9)
    assert code == 0, err
    lines = err.splitlines()
    moved = [line for line in lines if line.startswith("k-means iteration ")]
    assert len(moved) == len(calls) - 1 >= 1 and "/1,000,000,000: " in moved[0] and "Ctrl-C" in moved[0]
    assert f"no word changed class in iteration {len(calls)}, so the classes are final" in err
    words, classes = load_classes(tmp_path / "c.txt")
    np.testing.assert_array_equal(classes, word_classes(load_vectors(vectors).vectors, 4, iterations=len(calls)))


def test_ctrl_c_during_classes_writes_nothing(capsys, tmp_path, vectors, monkeypatch):
    from w2v_scratch.vectors import classes as classes_mod

    calls = []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return 1  # a word moved: go on

    monkeypatch.setattr(classes_mod, "_iterate", interrupted)
    out = tmp_path / "c.txt"
    out.write_text("old\n")
    code, _, err = run(capsys, "classes", "--vectors", vectors, "--classes", 4, "--output", out)
    assert code == 130 and err.count("\n") == 1
    assert err.startswith("w2v-scratch classes: interrupted by Ctrl-C: classes stopped; ") and "old contents" in err
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "v.txt"]


def test_more_classes_than_words_is_refused_and_costs_no_memory(capsys, tmp_path, vectors):
    code, _, err = run(capsys, "classes", "--vectors", vectors, "--classes", 41, "--output", tmp_path / "c.txt")
    assert code == ConfigError.exit_code and err.count("\n") == 1
    assert "--classes 41 is more than the 40 words" in err and "at most 40" in err
    assert not (tmp_path / "c.txt").exists()
    X = load_vectors(vectors).vectors  # the library keeps word2vec.c's answer: word i alone in class i
    np.testing.assert_array_equal(word_classes(X, 10**15), word_classes(X, 40))  # no 10**15-row centroid table


def test_train_classes_writes_classes_instead_of_vectors(capsys, tmp_path, topic_corpus):
    out = tmp_path / "classes.txt"
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, "--classes", 3,
                       "--save-model", tmp_path / "m", *TINY)
    assert code == 0, err
    words, classes = load_classes(out)
    model = w2v_scratch.Word2Vec.load(tmp_path / "m")
    assert words == model.vocab.words
    np.testing.assert_array_equal(classes, word_classes(model.center, 3))


# -- similar / analogy reading stdin ----------------------------------------------------------------------------
@pytest.fixture
def analogy_vectors(tmp_path):
    rng = np.random.default_rng(5)
    base = {w: rng.standard_normal(12) for w in ("king", "man", "paris", "cat")}
    female = rng.standard_normal(12)
    vec = dict(base, woman=base["man"] + female, queen=base["king"] + female + 0.05 * rng.standard_normal(12),
               kings=base["king"] + 0.3 * rng.standard_normal(12))
    words = list(vec) + [f"filler{i}" for i in range(20)]
    save_word2vec(tmp_path / "v.txt", words, np.array([vec.get(w, rng.standard_normal(12)) for w in words]))
    return tmp_path / "v.txt"


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_similar_reads_queries_until_exit(capsys, monkeypatch, analogy_vectors):
    monkeypatch.setattr("sys.stdin", io.StringIO("king\nnosuchword\n\nking man\nEXIT\ncat\n"))
    code, out, err = run(capsys, "similar", "--vectors", analogy_vectors, "-k", 2)
    blocks = out.split("\n\n")
    assert len(blocks) == 2 and all(len(b.strip().splitlines()) == 2 for b in blocks)
    assert blocks[0].split()[0] == "kings"
    assert err.count("\n") == 1 and "nosuchword" in err and "not in the vocabulary" in err
    assert "Enter" not in err  # no prompt: stdin is not a terminal
    assert code == VocabError.exit_code  # a query went unanswered; the loop still went on


def test_similar_stops_at_the_end_of_input_and_exits_0(capsys, monkeypatch, analogy_vectors):
    monkeypatch.setattr("sys.stdin", io.StringIO("king\ncat"))  # no EXIT, no final newline
    code, out, err = run(capsys, "similar", "--vectors", analogy_vectors, "-k", 1)
    assert code == 0 and err == "" and len(out.split("\n\n")) == 2


def test_analogy_reads_queries_and_a_prompt_only_on_a_terminal(capsys, monkeypatch, analogy_vectors):
    monkeypatch.setattr("sys.stdin", FakeTerminal("man king woman\nman king\nEXIT\n"))
    code, out, err = run(capsys, "analogy", "--vectors", analogy_vectors, "-k", 1)
    assert out.split()[0] == "queen" and len(out.splitlines()) == 1
    assert err.count("Enter three words (EXIT to break): ") == 3
    assert "expected three words" in err and code == 2


def test_analogy_words_on_the_command_line_still_work(capsys, analogy_vectors):
    code, out, _ = run(capsys, "analogy", "man", "king", "woman", "--vectors", analogy_vectors, "-k", 1)
    assert code == 0 and out.split()[0] == "queen"
    code, out, err = run(capsys, "analogy", "man", "king", "--vectors", analogy_vectors)
    assert code == 2 and out == "" and err.count("\n") == 1 and "three words" in err


# -- --version -----------------------------------------------------------------------------------------------
def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    try:
        expected = importlib.metadata.version("w2v-scratch")
    except importlib.metadata.PackageNotFoundError:
        expected = w2v_scratch.__version__
    assert capsys.readouterr().out.strip() == f"w2v-scratch {expected}"


# -- every TrainConfig field on the command line ------------------------------------------------------------------
def _train_parser():
    return build_parser().commands["train"]


def _other_value(config_class, field):
    """A command line that gives ``field`` a value other than its default, and that value."""
    hint = typing.get_type_hints(config_class)[field.name]
    default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    flag = cli_train.option_name(field.name)
    action = next(a for a in _train_parser()._actions if flag in a.option_strings) if config_class is TrainConfig \
        else None
    if action is not None and action.choices:
        value = next(c for c in action.choices if c != default)
        return [flag, value], value
    kinds = {hint} | set(typing.get_args(hint))
    if bool in kinds:
        if field.name == "cbow_mean":
            return [flag], not default
        return ([f"--no-{flag[2:]}"] if default else [flag]), not default
    if dict in kinds:
        return [flag, "cbow_update=exact"], {"cbow_update": "exact"}
    if int in kinds:
        value = (default or 0) + 3
        return [flag, str(value)], value
    if float in kinds:
        value = (default or 0.0) + 0.25
        return [flag, repr(value)], value
    return [flag, "some/file.txt"], "some/file.txt"


@pytest.mark.parametrize("field", dataclasses.fields(TrainConfig), ids=lambda f: f.name)
def test_every_trainconfig_field_has_a_train_option(field):
    """Fails for a field that no option of ``train`` sets: the CLI must reach the whole config."""
    argv, value = _other_value(TrainConfig, field)
    assert argv[0] in _train_parser()._option_string_actions, f"TrainConfig.{field.name} has no train option"
    cfg = cli_train.config_from_args(build_parser().parse_args(["train", *argv]))
    assert getattr(cfg, field.name) == value
    unset = cli_train.config_from_args(build_parser().parse_args(["train"]))
    assert unset == TrainConfig()  # options not given leave TrainConfig's own defaults


def test_every_trainconfig_field_has_written_help():
    """A field added to TrainConfig gets a generated option (next test), but its help is written by hand."""
    missing = [f.name for f in dataclasses.fields(TrainConfig) if f.name not in cli_train.OPTIONS]
    assert not missing, f"add these TrainConfig fields to w2v_scratch/cli/train.py OPTIONS: {missing}"


def test_a_field_added_later_gets_an_option(monkeypatch):
    @dataclasses.dataclass
    class Later(TrainConfig):
        new_rate: float = 1.5
        new_count: int | None = None
        new_flag: bool = False
        new_path: str | None = None
        new_table: dict = dataclasses.field(default_factory=dict)

    monkeypatch.setattr(cli_train, "TrainConfig", Later)
    parser = build_parser()
    args = parser.parse_args(["train", "--new-rate", "2.5", "--new-count", "7", "--new-flag", "--new-path", "p",
                              "--new-table", "cbow_update=exact"])
    cfg = cli_train.config_from_args(args)
    assert (cfg.new_rate, cfg.new_count, cfg.new_flag, cfg.new_path) == (2.5, 7, True, "p")
    assert cfg.new_table == {"cbow_update": "exact"}
    helps = {a.dest: a.help for a in parser.commands["train"]._actions}
    assert helps["new_rate"] == "sets TrainConfig.new_rate [1.5]" and helps["new_flag"] == "sets TrainConfig.new_flag"


@pytest.mark.parametrize("pair,error", [("cbow_update", "KEY=VALUE"), ("nosuch=1", "unknown key")])
def test_extra_pairs_are_checked(capsys, tmp_path, pair, error):
    code, _, err = run(capsys, "train", "--corpus", tmp_path / "missing.txt", "--extra", pair, "--no-progress")
    assert code == ConfigError.exit_code and error in err and err.count("\n") == 1


def test_new_options_train(capsys, tmp_path, topic_corpus):
    out = tmp_path / "v.txt"
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, "--ns-exponent", "0.5",
                       "--max-sentence-length", "5", "--model", "cbow", "--extra", "cbow_update=exact", "--save-model", tmp_path / "m",
                       *TINY)
    assert code == 0, err
    cfg = w2v_scratch.Word2Vec.load(tmp_path / "m").config
    assert (cfg.ns_exponent, cfg.max_sentence_length, cfg.extra) == (0.5, 5, {"cbow_update": "exact"})
