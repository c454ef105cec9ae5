"""The README's commands leave no untracked file behind (issue 21): every file a command or a Python
snippet of the README writes goes to ``out/`` or is the textbook run's ``vectors*.txt``, both of
which ``.gitignore`` ignores."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(text|bash|python)\n(.*?)```", README, flags=re.S)
OUTPUT_OPTIONS = {"--output", "--save-vocab", "--save-model", "--checkpoint", "--plot"}


def shell_commands() -> list[list[str]]:
    """The w2v-scratch commands of the README's shell blocks (``$ `` lines of transcripts, every line
    of bash blocks), continuation lines joined."""
    commands = []
    for kind, body in BLOCKS:
        if kind == "python":
            continue
        text = body.replace("\\\n", " ")
        for line in text.splitlines():
            line = line[2:] if line.startswith("$ ") else (line if kind == "bash" else "")
            line = line.split(" #", 1)[0].split("|")[-1].strip()
            if line.startswith("w2v-scratch "):
                commands.append(shlex.split(line))
    return commands


def written_paths() -> list[str]:
    """Every path a README command or snippet writes."""
    paths = []
    for argv in shell_commands():
        for i, arg in enumerate(argv[:-1]):
            if arg in OUTPUT_OPTIONS:
                paths.append(argv[i + 1])
        if argv[1] == "convert":
            paths.append([a for a in argv[2:] if not a.startswith("-")][1])
        if argv[1] == "train" and "--output" not in argv and "--resume" not in argv:
            paths.append("vectors.txt")  # train's default output
    for kind, body in BLOCKS:
        if kind == "python":
            paths += re.findall(r"""\.(?:save_word2vec_format|save)\(\s*["']([^"']+)["']""", body)
    return paths


def ignored(path: str) -> bool:
    """What ``.gitignore`` says of ``path`` at the top of the checkout: under /out/, or /vectors*.txt."""
    rules = (ROOT / ".gitignore").read_text().split()
    return ("/out/" in rules and path.startswith("out/")) or ("/vectors*.txt" in rules
                                                              and re.fullmatch(r"vectors[^/]*\.txt", path) is not None)


def test_the_readme_commands_are_found():
    names = {argv[1] for argv in shell_commands()}
    assert {"train", "similar", "analogy", "evaluate", "convert", "plot", "phrases", "classes"} <= names
    paths = written_paths()
    assert {"out/vectors.bin", "out/words.png", "out/classes.txt", "out/ptb-phrases.txt", "vectors.txt"} <= set(paths)
    assert "out/ptb-model" in paths  # the Python snippets' saves are seen too


def test_every_readme_output_is_ignored_by_git():
    bad = [p for p in written_paths() if not ignored(p)]
    assert not bad, f"README commands write files git does not ignore: {bad} (write them under out/)"


def test_git_agrees_where_it_can_be_asked():
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    for path in written_paths():
        probe = path + ".npz" if path.endswith("-model") else path  # a model is its .npz + .json
        result = subprocess.run([git, "check-ignore", "-q", "--no-index", probe], cwd=ROOT)
        assert result.returncode == 0, f"git does not ignore {probe}"


def test_a_command_that_writes_into_out_makes_the_folder_first():
    """An output's folder must exist (``base/files.py``): the README runs ``mkdir -p out`` before the
    first command that writes there, in each shell block that writes there."""
    for kind, body in BLOCKS:
        if kind == "python" or "out/" not in body:
            continue
        lines = [line[2:] if line.startswith("$ ") else line for line in body.splitlines()]
        first_write = next(i for i, line in enumerate(lines) if re.search(r"(--output|convert \S+) out/", line))
        assert any(line.strip() == "mkdir -p out" for line in lines[:first_write]), body[:200]
    for kind, body in BLOCKS:
        if kind == "python" and re.search(r"""\(\s*["']out/""", body):
            first_write = body.index('"out/')
            assert 'os.makedirs("out", exist_ok=True)' in body[:first_write], body[:200]
