"""The ``w2v-scratch`` command: argument parsing and printing only.

* ``common``: what every subcommand shares (one-line argument errors, exit statuses, help format).
* ``train``: ``w2v-scratch train``.
* ``vectors``: ``similar``, ``analogy``, ``evaluate``, ``convert``, ``plot``.
* ``tools``: word2vec.c's tools, ``phrases`` and ``classes``.
* ``gradcheck``: ``w2v-scratch gradcheck``.

May import: every other package (it is the top of the flow), nothing imports it but ``__main__``.

Each subcommand lives in its own module with a ``register(subparsers)`` function
that adds its parser and sets ``func``. Any :class:`~w2v_scratch.base.errors.W2VError`
becomes one line on stderr and the error's exit status; ``--debug`` shows the
traceback instead. A command line argparse cannot parse is one line too
(:class:`~w2v_scratch.cli.common.Parser`), exit status 2. Running out of memory is one line
naming a fix the failed command has (:func:`~w2v_scratch.cli.common.memory_fix`).

Every command runs inside :func:`~w2v_scratch.base.terminate.unwinding`: Ctrl-C, SIGTERM and SIGHUP
unwind it (an unfinished output's temporary file is deleted, an existing output keeps its old
contents) and end it with one line on stderr
(:func:`~w2v_scratch.cli.common.interruption`) and exit status 130, 143 or 129.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from ..base import terminate
from ..base.errors import ConfigError, W2VError
from .common import EXIT_STATUSES, PROG, HelpFormatter, Parser, interruption, memory_fix, output_states, version

COMMANDS = ("train", "vectors", "tools", "gradcheck")  # modules of this package, in --help order


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROG,
        description="word2vec from scratch: train, query and evaluate word vectors, and word2vec.c's tools "
                    "(phrases, word classes). 'w2v-scratch COMMAND --help' documents each command.",
        epilog=f"{EXIT_STATUSES} gradcheck exits 1 when a gradient disagrees with finite differences.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    for command in sub.choices.values():  # --debug works after the subcommand too
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the full traceback on errors")
    parser.commands = dict(sub.choices)  # an unknown argument is reported by its subcommand
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    before = output_states(args)
    try:
        with terminate.unwinding():  # SIGTERM and SIGHUP unwind the command as Ctrl-C does
            return _run(args)
    except KeyboardInterrupt as exc:  # Ctrl-C, or terminate.Terminated / HangUp
        _say(f"w2v-scratch {args.command}: {interruption(args, exc, before)}", new_line=True)
        return terminate.exit_status(exc)


def _run(args) -> int:
    """Run the command; a W2VError or MemoryError becomes one line on stderr and its exit status."""
    try:
        # Warnings (NumPy's "overflow encountered", "invalid value"...) are held back while the command
        # runs: a failing run prints its one error line and nothing else (an overflow during training is
        # caught by the trainers' divergence checks and reported as that line); a run that succeeds
        # shows them afterwards, so nothing is hidden.
        with warnings.catch_warnings(record=True) as caught:
            code = int(args.func(args) or 0)
        for w in caught:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        return code
    except W2VError as exc:
        if args.debug:
            raise
        _say(f"w2v-scratch {args.command}: error: {_one_line(exc)}")
        return exc.exit_code
    except MemoryError as exc:  # the last resort: train checks its sizes before it trains (training.memory)
        if args.debug:
            raise
        detail = _one_line(exc) or "an allocation failed"
        _say(f"w2v-scratch {args.command}: error: out of memory ({detail}): {memory_fix(args)}")
        return ConfigError.exit_code
    except BrokenPipeError:
        return 0


def _say(line: str, new_line: bool = False) -> None:
    """Print one line on stderr; a stderr that is gone (a closed terminal) is not another error.
    ``new_line``: on a terminal, start a new line first (after ^C, or a prompt, the cursor may be
    mid-line)."""
    try:
        if new_line and sys.stderr.isatty():
            line = "\n" + line
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line (an error is always exactly one line on stderr)."""
    return " ".join(str(exc).split())


if __name__ == "__main__":
    sys.exit(main())
