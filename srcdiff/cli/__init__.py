"""The ``srcdiff`` command: print, export or check the gradient of a function in a file or module.

``main(argv)`` returns the exit status: 0 success, 1 failure, 2 usage error. The package: ``arguments`` parses
the command line, ``targets`` imports the file or module and finds the function, ``commands`` runs the command
(``listing`` for ``--list``), ``output`` writes the result, and ``failures`` says what went wrong.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback

from ..errors import SrcdiffError, WrtError
from .arguments import _check_parser, _dump_parser
from .arguments import _parse_point  # noqa: F401 (for callers)
from .commands import _check, _dump
from .failures import BUG_ADVICE, FAILURE, USAGE, CliError


def main(argv: list[str] | None = None) -> int:
    """Run the srcdiff command with ``argv`` (default: sys.argv[1:]); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    checking = argv[:1] == ["check"]
    parser = _check_parser() if checking else _dump_parser()
    try:
        args = parser.parse_args(argv[1:] if checking else argv)
    except SystemExit as stop:  # --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else USAGE)
    try:
        return _check(args) if checking else _dump(args)
    except CliError as error:
        return _report(str(error), error.status, args.debug)
    except SrcdiffError as error:
        return _report(str(error), USAGE if isinstance(error, WrtError) else FAILURE, args.debug)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (srcdiff ... | head): nothing left to say
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return FAILURE
    except Exception as error:
        message = f"internal error: {type(error).__name__}: {error}"
        return _report(message if args.debug else message + BUG_ADVICE, FAILURE, args.debug)


def _report(message: str, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f"srcdiff: error: {message}", file=sys.stderr)
    return status
