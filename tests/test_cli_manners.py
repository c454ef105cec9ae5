"""A calm command line (issue 13): one-line argument errors, plain progress lines when stderr is not
a terminal, messages above a bar, the default query only on PTB, and its own exit status for a
missing optional dependency."""

from __future__ import annotations

import io
import sys

import pytest
import tqdm

from w2v_scratch.training import progress
from w2v_scratch.cli import main
from w2v_scratch.cli import train as cli_train
from w2v_scratch.base.errors import (ConfigError, DeviceError, DivergenceError, FormatError, InputError,
                                MissingDependency, VocabError, W2VError)
from w2v_scratch.vectors.formats import save_word2vec

TINY = ["--dim", "8", "--epochs", "2", "--min-count", "1", "--threads", "1"]


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- argparse errors: one line, exit status 2 ---------------------------------------------------------------------
@pytest.mark.parametrize("argv,command,needle", [
    (["train", "--backend", "quantum"], "train", "argument --backend: invalid choice: 'quantum'"),
    (["train", "--frobnicate"], "train", "unrecognized arguments: --frobnicate"),
    (["train", "--dim"], "train", "argument --dim: expected one argument"),
    (["train", "--dim", "ten"], "train", "argument --dim: invalid int value: 'ten'"),
    (["train", "--classes", "0"], "train", "argument --classes: expected a positive integer"),
    (["similar", "king", "-k", "0", "--vectors", "v.txt"], "similar", "argument -k/--topn"),
    (["analogy", "a", "b", "c"], "analogy", "the following arguments are required: --vectors"),
    (["evaluate", "--vectors", "v.txt", "--method", "3cosdiv"], "evaluate", "argument --method"),
    (["convert", "in.txt"], "convert", "required: OUT"),
    (["phrases", "--corpus", "c.txt"], "phrases", "required: --output"),
    (["phrases", "--corpus", "c.txt", "--output", "o", "--threshold"], "phrases", "--threshold"),
    (["classes", "--vectors", "v.txt", "--output", "o", "--classes", "x"], "classes", "argument --classes"),
    (["gradcheck", "--tol", "small"], "gradcheck", "argument --tol"),
    (["nosuchcommand"], None, "argument COMMAND: invalid choice: 'nosuchcommand'"),
    (["--frobnicate"], None, "unrecognized arguments: --frobnicate"),
])
def test_argument_errors_are_one_line(capsys, argv, command, needle):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    prog = "w2v-scratch" + (f" {command}" if command else "")
    assert exit_.value.code == 2 and out == ""
    assert err.count("\n") == 1 and "usage:" not in err, err
    assert err.startswith(f"{prog}: error: ") and needle in err
    assert err.rstrip().endswith(f": see {prog} --help")


def test_help_still_exits_0(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--help"])
    assert exit_.value.code == 0 and "--ns-exponent" in capsys.readouterr().out


# -- exit statuses ---------------------------------------------------------------------------------------------------
def test_exit_statuses_are_distinct_and_listed_in_help(capsys):
    errors = [W2VError, InputError, ConfigError, VocabError, FormatError, DeviceError, DivergenceError,
              MissingDependency]
    codes = [e.exit_code for e in errors]
    assert len(set(codes)) == len(codes) and MissingDependency.exit_code not in (0, 1, 2, 130, 143)
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"{MissingDependency.exit_code} missing optional dependency" in text and "2 command-line syntax" in text


# -- a missing optional dependency -----------------------------------------------------------------------------------
@pytest.fixture
def no_matplotlib(monkeypatch):
    """matplotlib as if not installed: any import of it raises ImportError."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)


def test_train_plot_without_matplotlib(capsys, tmp_path, topic_corpus, no_matplotlib):
    out = tmp_path / "v.txt"
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", out, "--plot", tmp_path / "l.png",
                       *TINY, "--no-progress")
    assert code == MissingDependency.exit_code == 9
    assert err.count("\n") == 1 and "pip install 'w2v-scratch[plot]'" in err and "--plot" in err
    assert "corpus:" not in err and not out.exists()  # refused before any reading or training


def test_plot_command_without_matplotlib(capsys, tmp_path, no_matplotlib):
    save_word2vec(tmp_path / "v.txt", ["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    code, _, err = run(capsys, "plot", "--vectors", tmp_path / "v.txt", "--words", "a", "b",
                       "--output", tmp_path / "w.png")
    assert code == MissingDependency.exit_code and err.count("\n") == 1 and "w2v-scratch[plot]" in err
    assert not (tmp_path / "w.png").exists()


# -- the default query -----------------------------------------------------------------------------------------------
def test_no_default_query_on_another_corpus(capsys, tmp_path, topic_corpus):
    code, out, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", *TINY,
                         "--no-progress")
    assert code == 0 and out == "" and "chip" not in err
    code, out, _ = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", *TINY,
                       "--no-progress", "--query", "t0w0")
    assert code == 0 and "nearest to 't0w0'" in out


def test_the_default_query_on_ptb(capsys, tmp_path, topic_corpus, monkeypatch):
    """Without --corpus the run is on PTB and asks for 'chip' (the run itself is swapped for a tiny one)."""
    seen = []

    def tiny_fit(model, corpus, **options):
        seen.append(corpus)
        return fit(model, topic_corpus, **options)

    fit = cli_train.fit
    monkeypatch.setattr(cli_train, "fit", tiny_fit)
    code, out, err = run(capsys, "train", "--output", tmp_path / "v.txt", *TINY, "--no-progress")
    assert code == 0 and seen == ["ptb"]
    assert "'chip' is not in the vocabulary" in err  # asked, though the tiny vocabulary lacks it
    code, out, err = run(capsys, "train", "--output", tmp_path / "v.txt", *TINY, "--no-progress", "--query")
    assert code == 0 and "chip" not in err + out  # an empty --query asks nothing


# -- progress when stderr is not a terminal --------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_training_progress_into_a_file_has_no_carriage_returns(capsys, tmp_path, topic_corpus, backend):
    code, _, err = run(capsys, "train", "--corpus", topic_corpus, "--output", tmp_path / "v.txt", *TINY,
                       "--backend", backend, "--query")
    assert code == 0, err
    assert "\r" not in err and len(err) < 2000
    assert [line for line in err.splitlines() if line.startswith("epoch ")][-1].startswith("epoch 2/2: loss")


@pytest.mark.parametrize("backend", ["reference", "cpu"])
def test_python_fit_progress_into_a_file_has_no_carriage_returns(capsys, topic_corpus, backend):
    """The library, not only the CLI: Word2Vec.fit with its progress on and stderr not a terminal."""
    from w2v_scratch import Word2Vec
    Word2Vec(backend=backend, dim=8, epochs=2, min_count=1, threads=1).fit(topic_corpus)
    err = capsys.readouterr().err
    assert "\r" not in err and "epoch 2/2: loss" in err


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_plain_lines_hold_frames_back_and_write_one_per_interval():
    sink, clock = io.StringIO(), Clock()
    plain = progress.PlainLines(sink, interval=10, clock=clock)
    for i in range(100):
        clock.now = i  # one frame a second
        plain.write(f"\rtraining: {i:3d}%|{'#' * (i // 10):<10}| {i}/100 [00:{i:02d}, loss=0.5]")
    plain.write("\r" + " " * 60 + "\r")  # the bar clears itself (leave=False)
    plain.write("epoch 1/1: loss 0.5")
    plain.write("\n")
    plain.finish()
    lines = sink.getvalue().splitlines()
    assert "\r" not in sink.getvalue()
    assert lines[-1] == "epoch 1/1: loss 0.5"
    progress_lines = lines[:-1]
    assert len(progress_lines) == 9  # at t = 10, 20, ..., 90 s
    assert progress_lines[0] == "training: 9% 9/100 [00:09, loss=0.5]"  # the frame on screen at 10 s, no bar


def test_plain_lines_keep_messages_and_a_bar_left_on_screen():
    sink, clock = io.StringIO(), Clock()
    plain = progress.PlainLines(sink, interval=10, clock=clock)
    plain.write("corpus: 10 tokens\n")
    plain.write("\rx: 50%|#####     | 5/10")
    plain.write("\rx: 100%|##########| 10/10\n")  # leave=True: the last frame stays
    plain.write("partial")
    plain.finish()
    assert sink.getvalue() == "corpus: 10 tokens\nx: 100% 10/10\npartial\n"


def test_a_tqdm_bar_over_plain_lines(monkeypatch):
    """A real tqdm bar drawing every update (deterministic: mininterval 0, miniters 1) on a stream
    that is not a terminal: a few plain lines, no carriage return; a message goes on a line of its own."""
    sink, clock = io.StringIO(), Clock()
    plain = progress.PlainLines(sink, interval=30, clock=clock)
    monkeypatch.setattr(sys, "stderr", plain)
    bar = tqdm.tqdm(total=600, desc="training", mininterval=0, miniters=1, leave=False)
    for i in range(600):
        clock.now = i
        bar.update(1)
        if i == 300:
            progress.say("checkpoint written")
    bar.close()
    plain.finish()
    text = sink.getvalue()
    assert "\r" not in text and len(text) < 3000
    lines = text.splitlines()
    assert "checkpoint written" in lines
    assert 15 <= len([line for line in lines if line.startswith("training:")]) <= 20  # 600 s / 30 s


def test_plain_unless_terminal_leaves_a_terminal_alone(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with progress.plain_unless_terminal() as stream:
        assert stream is terminal and sys.stderr is terminal
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with progress.plain_unless_terminal() as stream:
        assert isinstance(sys.stderr, progress.PlainLines) and stream is sys.stderr
        print("\rtraining: 1%|          | 1/100", end="", file=sys.stderr)  # a frame: held back
        print("\r" + " " * 40 + "\r", end="", file=sys.stderr)
        print("a message", file=sys.stderr)
    assert sys.stderr is pipe and pipe.getvalue() == "a message\n"


# -- out of memory: a fix that the failed command has (issue 21) -----------------------------------------------------
def _options_named(text: str) -> set:
    import re

    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))


MEMORY_CASES = {  # command: (what raises MemoryError, argv after the command, needles of the fix)
    "similar": ("w2v_scratch.cli.vectors.load_vectors", ["a", "--vectors", "{v}"], ["convert", "--limit N"]),
    "analogy": ("w2v_scratch.cli.vectors.load_vectors", ["a", "b", "c", "--vectors", "{v}"], ["--limit N"]),
    "evaluate": ("w2v_scratch.cli.vectors.load_vectors", ["--vectors", "{v}"], ["--limit N"]),
    "plot": ("w2v_scratch.cli.vectors.load_vectors", ["--vectors", "{v}", "--words", "a", "--output", "{d}/w.png"],
             ["--limit N"]),
    "convert": ("w2v_scratch.cli.vectors.load_vectors", ["{v}", "{d}/out.bin"], ["--limit N"]),
    "classes": ("w2v_scratch.cli.tools.word_classes", ["--vectors", "{v}", "--classes", "2", "--output", "{d}/c.txt"],
                ["lower --classes", "--limit N"]),
    "phrases": ("w2v_scratch.cli.tools.phrase_corpus", ["--corpus", "{v}", "--output", "{d}/p.txt"],
                ["--max-bigrams N"]),
    "gradcheck": ("w2v_scratch.textbook.gradcheck.run", [], ["more memory"]),
}


@pytest.mark.parametrize("command", sorted(MEMORY_CASES))
@pytest.mark.parametrize("native", [False, True], ids=["text", "native"])
def test_out_of_memory_names_a_fix_the_command_has(capsys, tmp_path, monkeypatch, command, native):
    """The fix names only options of the failed command (or of the convert command it suggests), never
    training's (--dim...); a native model, read whole whatever --limit says, gets no --limit advice."""
    from w2v_scratch.cli import build_parser
    from w2v_scratch.word2vec import Word2Vec
    from w2v_scratch.training.config import TrainConfig

    target, argv, needles = MEMORY_CASES[command]
    if native:
        if command in ("phrases", "gradcheck"):
            pytest.skip("no vectors input")
        model = Word2Vec(TrainConfig(dim=2, epochs=1, min_count=1))
        model.build_vocab([["a", "b", "c"]])
        model.save(tmp_path / "m")
        vectors = tmp_path / "m.npz"
        capsys.readouterr()  # build_vocab's line
    else:
        vectors = tmp_path / "v.txt"
        save_word2vec(vectors, ["a", "b", "c"], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 89.4 GiB for an array with shape (24, 1000000000)")

    monkeypatch.setattr(target, no_memory)
    code, out, err = run(capsys, command, *[a.format(v=vectors, d=tmp_path) for a in argv])
    assert code == ConfigError.exit_code and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"w2v-scratch {command}: error: out of memory (Unable to allocate 89.4 GiB"), err
    parsers = build_parser().commands
    fix = err.split("1000000000)):", 1)[1]
    allowed = set(parsers[command]._option_string_actions)
    if "w2v-scratch convert" in fix:
        allowed |= set(parsers["convert"]._option_string_actions)
    assert _options_named(fix) <= allowed and "--dim" not in fix, fix
    if native:
        assert "native model is read whole" in fix and "--limit" not in fix.replace("whatever --limit", ""), fix
    else:
        for needle in needles:
            assert needle in fix, fix
