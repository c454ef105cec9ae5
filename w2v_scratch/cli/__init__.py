"""The ``w2v-scratch`` command: argument parsing and printing only.

Each subcommand lives in its own module with a ``register(subparsers)`` function
that adds its parser and sets ``func``. Any :class:`~w2v_scratch.errors.W2VError`
becomes one line on stderr and the error's exit status; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import W2VError

COMMANDS = ("train", "vectors", "gradcheck")  # modules of this package, in --help order


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(
        prog="w2v-scratch",
        description="word2vec from scratch: train, query and evaluate word vectors.",
    )
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except W2VError as exc:
        if args.debug:
            raise
        print(f"w2v-scratch {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"w2v-scratch {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
