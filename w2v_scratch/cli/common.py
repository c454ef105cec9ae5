"""What every subcommand shares: the one-line argument errors, optional dependencies, exit statuses."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import stat
import sys

from ..base.files import file_signature
from ..vectors.formats import _is_native
from ..base.errors import ConfigError, DeviceError, DivergenceError, FormatError, InputError, MissingDependency, VocabError

PROG = "w2v-scratch"
EXIT_SYNTAX = 2  # argparse's own status for a command line it cannot parse
EXIT_STATUSES = (f"Exit status: 0 done; {EXIT_SYNTAX} command-line syntax (unknown option, bad choice or value); "
                 f"{InputError.exit_code} input file; {ConfigError.exit_code} option; "
                 f"{VocabError.exit_code} vocabulary; {FormatError.exit_code} file format; "
                 f"{DeviceError.exit_code} device; {DivergenceError.exit_code} divergence; "
                 f"{MissingDependency.exit_code} missing optional dependency; 129 SIGHUP; 130 Ctrl-C; 143 SIGTERM.")


class HelpFormatter(argparse.HelpFormatter):
    """Wraps a description or epilog paragraph by paragraph (a blank line separates two)."""

    def _fill_text(self, text, width, indent):
        return "\n\n".join(super(HelpFormatter, self)._fill_text(p, width, indent) for p in text.split("\n\n"))


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr, exit status 2, no usage dump:
    ``w2v-scratch train: error: argument --backend: invalid choice: ... : see w2v-scratch train --help``.
    Subcommand parsers are of this class too (``add_subparsers`` makes them of the parent's class)."""

    def error(self, message: str):
        one_line = " ".join(str(message).split())
        self.exit(EXIT_SYNTAX, f"{self.prog}: error: {one_line}: see {self.prog} --help\n")

    def parse_args(self, args=None, namespace=None):
        """As ``ArgumentParser.parse_args``, but an unknown argument is reported by the subcommand
        it was given to (``w2v-scratch train: error: unrecognized arguments: ...``)."""
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            commands = getattr(self, "commands", {})
            parser = commands.get(getattr(namespace, "command", None), self)
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace


def version() -> str:
    """The installed distribution's version, else the package's ``__version__``, else ``unknown``."""
    try:
        return importlib.metadata.version(PROG)
    except importlib.metadata.PackageNotFoundError:
        package = sys.modules.get("w2v_scratch")
        return getattr(package, "__version__", "unknown")


def require(module: str, extra: str, what: str) -> None:
    """Raise :class:`MissingDependency` (naming the pip command) unless ``module`` can be imported:
    ``require("matplotlib", "plot", "--plot")`` before any work that would need it."""
    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingDependency(f"{what} needs {module}, which is not installed: install it with "
                                f"pip install '{PROG}[{extra}]'") from None


def _number(convert, ok, expected: str, name: str):
    """An argparse type: ``convert(text)`` when it parses and ``ok`` holds, else an error saying it
    ``expected`` this."""
    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = name
    return parse


positive = _number(int, lambda v: v >= 1, "a positive integer", "positive")
non_negative = _number(int, lambda v: v >= 0, "an integer >= 0", "non_negative")
threshold = _number(float, lambda v: 0 <= v < float("inf"), "a finite number >= 0", "threshold")


# -- stopped by a signal -----------------------------------------------------------------------------------------
def outputs(args) -> dict:
    """The files the command writes (``{option: path}``), as the interruption line names them;
    ``train``'s many outputs are summed up instead (:func:`interruption`)."""
    path = getattr(args, "output", None)
    if args.command == "train" or path is None:
        return {}
    return {"OUT" if args.command == "convert" else "--output": path}


def output_states(args) -> dict:
    """What each of :func:`outputs` is before the command runs: its signature (a regular file),
    ``"stream"`` (a pipe or device, written into directly) or None (nothing there)."""
    states = {}
    for option, path in outputs(args).items():
        try:
            mode = os.stat(path).st_mode
        except (OSError, ValueError):
            states[option] = None
            continue
        states[option] = "stream" if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) else file_signature(path)
    return states


def interruption(args, exc: BaseException, before: dict) -> str:
    """The one line of a command stopped by Ctrl-C, SIGTERM or SIGHUP: what stopped, and what
    became of each output (``before``: :func:`output_states` taken before it ran). Every regular
    output is written through ``atomic_write``, so it is either whole or as it was, and the
    temporary file of an unfinished write has been deleted by the time this line is printed."""
    name = getattr(exc, "signal_name", None)
    how = f"terminated by {name}" if name else "interrupted by Ctrl-C"
    if args.command == "train":
        return f"{how}: the run stopped, and no file was left half-written"
    paths = outputs(args)
    if not paths:
        return f"{how}: {args.command} stopped (it writes no file)"
    fates, after = [], output_states(args)
    for option, path in paths.items():
        now = after.get(option)
        if before.get(option) == "stream":
            fates.append(f"{option} {path} (a pipe or device) got what was written before the stop")
        elif now == before.get(option):
            fates.append(f"{option} {path} " + ("was not written" if now is None else "keeps its old contents"))
        else:
            fates.append(f"{option} {path} had been written in full")
    return f"{how}: {args.command} stopped; {', '.join(fates)}; no temporary file was left"


# -- out of memory ---------------------------------------------------------------------------------------------
TRAIN_MEMORY_FIX = ("lower --dim or --window (or --negative with negative sampling, --batch-size with the reference "
                    "backend), or keep fewer words with --max-vocab/--min-count")


def _native(path, fmt) -> bool:
    """Whether ``path`` is read as a native model (read whole: a limit does not lower its memory)."""
    return fmt == "native" or (fmt is None and _is_native(str(path)))


def _smaller_vectors(path, fmt, limit: bool = False) -> str:
    """How to use a vectors file too large for this machine's memory (``limit``: the command has ``--limit``)."""
    if _native(path, fmt):
        return "use a machine with more memory (a native model is read whole)"
    if limit:
        return (f"keep the first (most frequent) N words with --limit N (only N vectors are read), or convert the "
                f"file once to the memory-mapped format, which is never read whole: {PROG} convert {path} VECTORS.kv")
    return (f"use a machine with more memory, or keep the first (most frequent) words in a smaller file: "
            f"{PROG} convert {path} SMALL.kv --limit N reads only N vectors")


def memory_fix(args) -> str:
    """What to do when ``args.command`` runs out of memory: only options that command has, or the
    command that makes its input smaller."""
    command = args.command
    if command == "train":
        return TRAIN_MEMORY_FIX
    if command in ("similar", "analogy", "evaluate", "plot"):
        return _smaller_vectors(args.vectors, args.format, limit=command != "plot")
    if command == "classes":
        return "lower --classes, or " + _smaller_vectors(args.vectors, args.format, limit=True)
    if command == "convert":
        if _native(args.input, args.format):
            return "use a machine with more memory (a native model is read whole, whatever --limit says)"
        return "keep fewer words with --limit N (only N vectors are read), or use a machine with more memory"
    if command == "phrases":
        return "cap the bigram table with --max-bigrams N (word2phrase.c's pruning), or use a machine with more memory"
    return "use a machine with more memory"
