"""``srcdiff TARGET --list``: the functions of a file or module, each with its signature and whether srcdiff
can differentiate it (of a file, from its syntax alone, without running it).
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import sys

from .. import compiler
from ..errors import SrcdiffError
from .failures import USAGE, CliError, _import_failure
from .targets import _functions_of, _require_file


def _list(module, origin: str, wrt) -> int:
    """Print each function defined in ``module`` with its signature and whether srcdiff differentiates it."""
    functions = _functions_of(module)
    if not functions:
        print(f"srcdiff: {origin} defines no functions", file=sys.stderr)
        return 0
    rows = [(f"{f.__name__}{inspect.signature(f)}", _differentiability(f, wrt)) for f in functions]
    _print_rows(rows)
    return 0


def _list_file(path: str) -> int:
    """``--list`` of a file, without running it: the functions defined at its top level, read from its syntax
    tree, each with its signature and the first construct srcdiff rejects in it, if any. (Whether the functions
    it calls have rules shows only when it is differentiated: that needs the file to run.)"""
    from .. import fence
    from ..parsing import ParsedFunction

    _require_file(path)
    absolute = os.path.abspath(path)
    try:
        with open(absolute, "rb") as handle:
            data = handle.read()
        text = importlib.util.decode_source(data)
        tree = ast.parse(text, filename=absolute)
    except SyntaxError as error:
        raise CliError(_import_failure(path, error, absolute)) from error
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CliError(
            f"cannot read {path}: {getattr(error, 'strerror', None) or error}", USAGE
        ) from error
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if not functions:
        print(f"srcdiff: {path} defines no functions", file=sys.stderr)
        return 0
    rows = []
    for node in functions:
        parsed = ParsedFunction(None, node, ast.get_source_segment(text, node) or "", absolute, {})
        try:
            fence.check(parsed)
            status = "supported syntax"
        except SrcdiffError as error:
            status = f"not differentiable: line {error.lineno}: {error.message}"
        rows.append((f"{node.name}({ast.unparse(node.args)})", status))
    _print_rows(rows)
    return 0


def _differentiability(function, wrt) -> str:
    try:
        compiler.derive(function, wrt)
    except SrcdiffError as error:
        if error.filename == function.__code__.co_filename and error.lineno is not None:
            return f"not differentiable: line {error.lineno}: {error.message}"
        return f"not differentiable: {str(error).splitlines()[0]}"
    except Exception as error:
        return f"not differentiable: srcdiff failed with {type(error).__name__}: {error}"
    return "differentiable"


def _print_rows(rows: list) -> None:
    """Print (signature, status) rows, the statuses lined up in a column."""
    width = max(len(signature) for signature, _ in rows)
    for signature, status in rows:
        print(f"{signature:<{width}}  {status}")
