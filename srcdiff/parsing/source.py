"""Reading a function's source and parsing it into a ParsedFunction.

The source is that of the function's own code object, and it must compile to that code object (see
``matching``); a method's private names are mangled as Python compiled them, a lambda becomes an equivalent
FunctionDef, and a user's variable named like one of srcdiff's own names is renamed.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

from ..errors import SourceUnavailableError, UnsupportedSyntaxError
from ..vocabulary import RESULT
from .function import ParsedFunction
from .matching import _matching


def require_code(function):
    """The code object of a Python function; a clear error for builtins and C functions."""
    code = getattr(function, "__code__", None)
    if code is None:
        name = getattr(function, "__name__", repr(function))
        raise SourceUnavailableError(
            f"cannot differentiate {name}: it is not a Python function (a builtin or C function "
            "has no source to transform)",
            hint=f"to use it inside a differentiated function, register an adjoint rule for it with "
            f"srcdiff.defvjp({name})",
        )
    return code


def parse_function(function) -> ParsedFunction:
    """Parse ``function``'s source into a FunctionDef whose line numbers are those of its file.

    The source is that of ``function``'s own code object (a decorator's wrapper is its own code, not the function
    it wraps), and it is checked to compile to that code object: a file edited after it was imported, or a
    lambda that shares its line with others, cannot make srcdiff differentiate code that does not run.
    """
    name = getattr(function, "__name__", repr(function))
    code = require_code(function)
    filename = code.co_filename
    try:
        # the code object, not the function: inspect follows __wrapped__ to the undecorated function's source
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot read the source of {name} ({filename}): {exc}",
            filename=filename,
            lineno=code.co_firstlineno,
            hint="srcdiff transforms source code: define the function in a file (not at an interactive "
            "prompt or with exec), or register its adjoint with srcdiff.defvjp",
        ) from None
    raw = "".join(lines)
    source = textwrap.dedent(raw)
    indent_removed = len(raw.splitlines()[0]) - len(source.splitlines()[0]) if raw.strip() else 0
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    # the code's own name: a wrapper made with functools.wraps carries the wrapped function's __name__
    node = _find_definition(tree, function, code.co_name) if tree is not None else None
    if node is not None:
        ast.increment_lineno(node, max(first_line, 1) - 1)
        if _matching(code, [node], filename, _qualname(function)) != [node]:
            raise _stale_source_error(name, filename, first_line)
        owner = _qualname(function).split(".")
        if len(owner) >= 2 and owner[-2] != "<locals>":
            _mangle(node, owner[-2])  # a method: its private names as Python compiled them
    elif code.co_name == "<lambda>":
        node = _lambda_definition(raw, function, max(first_line, 1))
    if node is None:
        raise SourceUnavailableError(
            f"cannot find the definition of {name} in its source",
            filename=filename,
            lineno=first_line,
            hint="define the function with def in a file",
        )
    node.decorator_list = []
    closure = {}
    if function.__closure__:
        for var, cell in zip(code.co_freevars, function.__closure__):
            try:
                closure[var] = cell.cell_contents
            except ValueError:  # an empty cell: a variable not yet assigned in the enclosing scope
                pass
    parsed = ParsedFunction(function, node, ast.unparse(node), filename, closure)
    parsed._indent_removed = indent_removed
    _rename_reserved(parsed)
    return parsed


def _qualname(function) -> str:
    return (
        getattr(function.__code__, "co_qualname", None)
        or getattr(function, "__qualname__", None)
        or function.__code__.co_name
    )


def _mangle(node: ast.AST, class_name: str) -> None:
    """Private names (``self.__k``) as the compiler writes them in a class (``self._Model__k``), for generated
    code, which is not compiled in the class."""
    stem = class_name.lstrip("_")
    if not stem:
        return

    def mangled(identifier: str) -> str:
        if identifier.startswith("__") and not identifier.endswith("__") and "." not in identifier:
            return f"_{stem}{identifier}"
        return identifier

    for child in ast.walk(node):
        if isinstance(child, ast.Attribute):
            child.attr = mangled(child.attr)
        elif isinstance(child, ast.Name):
            child.id = mangled(child.id)
        elif isinstance(child, ast.arg):
            child.arg = mangled(child.arg)


def _stale_source_error(name, filename, lineno):
    return SourceUnavailableError(
        f"the source of {name} in {filename} is not the code that runs: the file was changed after the "
        "function was defined",
        filename=filename,
        lineno=lineno,
        hint="reload the module (importlib.reload) or restart Python, so that the function and its file agree",
    )


# names that stand for something else inside srcdiff's passes: a user's variable of that name is renamed
_RESERVED = (RESULT,)


def _rename_reserved(parsed: ParsedFunction) -> None:
    node = parsed.node
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        a.arg for a in ast.walk(node) if isinstance(a, ast.arg)
    }
    for reserved in _RESERVED:
        if reserved not in used:
            continue
        if reserved not in parsed.locals or reserved in {
            a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)
        }:
            raise parsed.error(
                UnsupportedSyntaxError,
                f"srcdiff cannot differentiate {parsed.name}, which takes or reads the name {reserved} "
                "(srcdiff uses that name itself)",
                next(
                    n
                    for n in ast.walk(node)
                    if getattr(n, "id", getattr(n, "arg", None)) == reserved
                ),
                hint=f"rename {reserved}",
            )
        index = 0
        while f"{reserved}{index}" in used:
            index += 1
        fresh = f"{reserved}{index}"
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and child.id == reserved:
                child.id = fresh
        parsed.source = ast.unparse(node)
        used.add(fresh)


def _find_definition(tree, function, name):
    if tree is None:
        return None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            if isinstance(node, ast.AsyncFunctionDef):
                raise UnsupportedSyntaxError(
                    f"cannot differentiate the async function {name}",
                    filename=function.__code__.co_filename,
                    lineno=function.__code__.co_firstlineno,
                    hint="differentiate a plain (synchronous) function",
                )
            return node
    return None


def _lambda_definition(raw, function, first_line: int):
    """A FunctionDef equivalent to the lambda defined in ``raw`` (the lines holding it, the first of them
    ``first_line`` of the file): of the lambdas written there, the one whose code object ``function`` has.
    """
    code = function.__code__
    text = raw
    # the lines may hold only part of a larger expression: try them whole, and cut at each "lambda"
    starts = [0]
    position = text.find("lambda")
    while position != -1:
        starts.append(position)
        position = text.find("lambda", position + 1)
    arg_names = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    found = {}
    for start in starts:
        candidate = text[start:]
        line_offset = first_line - 1 + text[:start].count("\n")
        for end in range(len(candidate), 0, -1):
            piece = candidate[:end].rstrip().rstrip(",;")
            try:
                tree = ast.parse(textwrap.dedent(piece) if start == 0 else piece, mode="exec")
            except SyntaxError:
                continue
            ast.increment_lineno(tree, line_offset)
            for lam in ast.walk(tree):
                if (
                    isinstance(lam, ast.Lambda)
                    and [a.arg for a in lam.args.posonlyargs + lam.args.args + lam.args.kwonlyargs]
                    == arg_names
                ):
                    found.setdefault(
                        (lam.lineno, ast.dump(lam)), lam
                    )  # the same text compiles alike
            break
    lambdas = _matching(code, list(found.values()), code.co_filename)
    if not lambdas:
        if found:
            raise _stale_source_error("<lambda>", code.co_filename, first_line)
        return None
    # several lambdas that compile alike are the same function: any of them will do
    lam = lambdas[0]
    body = ast.Return(value=lam.body)
    ast.copy_location(body, lam.body)
    node = ast.FunctionDef(
        name="_lambda", args=lam.args, body=[body], decorator_list=[], returns=None, type_params=[]
    )
    ast.copy_location(node, lam)
    return ast.fix_missing_locations(node)
