"""What every subcommand shares: the one-line argument errors, optional dependencies, exit statuses."""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import sys

from ..base.errors import ConfigError, DeviceError, DivergenceError, FormatError, InputError, MissingDependency, VocabError

PROG = "w2v-scratch"
EXIT_SYNTAX = 2  # argparse's own status for a command line it cannot parse
EXIT_STATUSES = (f"Exit status: 0 done; {EXIT_SYNTAX} command-line syntax (unknown option, bad choice or value); "
                 f"{InputError.exit_code} input file; {ConfigError.exit_code} option; "
                 f"{VocabError.exit_code} vocabulary; {FormatError.exit_code} file format; "
                 f"{DeviceError.exit_code} device; {DivergenceError.exit_code} divergence; "
                 f"{MissingDependency.exit_code} missing optional dependency; 130 Ctrl-C; 143 SIGTERM.")


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
