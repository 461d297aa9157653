"""Read a function's source, parse it, and resolve the names it refers to.

The parsed tree keeps the line numbers of the user's file, so every later error can point at the user's line.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import linecache
import textwrap
from dataclasses import dataclass

from .errors import SourceUnavailableError, UnsupportedSyntaxError

MISSING = object()


@dataclass
class ParsedFunction:
    """A user function with its syntax tree and the namespaces its names live in."""

    function: object
    node: ast.FunctionDef
    source: str  # the dedented source of the function alone
    filename: str
    closure: dict  # free variable name -> value

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def globals(self) -> dict:
        return self.function.__globals__

    def resolve(self, node: ast.AST):
        """The value a Name or dotted Attribute chain refers to when the function runs, or MISSING."""
        if isinstance(node, ast.Name):
            for namespace in (self.closure, self.globals, vars(builtins)):
                if node.id in namespace:
                    return namespace[node.id]
            return MISSING
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is MISSING:
                return MISSING
            return getattr(base, node.attr, MISSING)
        return MISSING

    def line(self, lineno: int | None) -> str | None:
        if lineno is None:
            return None
        return linecache.getline(self.filename, lineno) or None

    def error(self, cls, message: str, node: ast.AST | None = None, hint: str | None = None):
        """An exception of class ``cls`` located at ``node`` in the user's file."""
        lineno = getattr(node, "lineno", None) if node is not None else self.node.lineno
        col = getattr(node, "col_offset", None) if node is not None else None
        source_line = self.line(lineno)
        if col is not None:
            col += self._indent_removed  # the column in the file, whose lines were dedented for parsing
        return cls(message, filename=self.filename, lineno=lineno, col=col,
                   source_line=source_line, hint=hint)

    _indent_removed: int = 0


def _unwrap(function):
    """The plain Python function behind decorators that use functools.wraps."""
    seen = set()
    while hasattr(function, "__wrapped__") and id(function) not in seen:
        seen.add(id(function))
        function = function.__wrapped__
    return function


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
    """Parse ``function``'s source into a FunctionDef whose line numbers are those of its file."""
    function = _unwrap(function)
    name = getattr(function, "__name__", repr(function))
    code = require_code(function)
    filename = code.co_filename
    try:
        lines, first_line = inspect.getsourcelines(function)
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
    node = _find_definition(tree, function, name) if tree is not None else None
    if node is None and name == "<lambda>":
        node = _lambda_definition(raw, function)
    if node is None:
        raise SourceUnavailableError(
            f"cannot find the definition of {name} in its source",
            filename=filename,
            lineno=first_line,
            hint="define the function with def in a file",
        )
    ast.increment_lineno(node, max(first_line, 1) - 1)
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
    return parsed


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


def _lambda_definition(raw, function):
    """A FunctionDef equivalent to the lambda defined in ``raw`` (the line or lines holding it)."""
    text = raw.strip()
    candidates = [text]
    # the line may hold only part of a larger expression: try cutting it at each "lambda"
    position = text.find("lambda")
    while position != -1:
        candidates.append(text[position:])
        position = text.find("lambda", position + 1)
    arg_names = list(function.__code__.co_varnames[: function.__code__.co_argcount])
    for candidate in candidates:
        for end in range(len(candidate), 0, -1):
            try:
                tree = ast.parse(candidate[:end].strip().rstrip(",;"), mode="exec")
            except SyntaxError:
                continue
            lambdas = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)]
            lambdas = [n for n in lambdas if [a.arg for a in n.args.args] == arg_names]
            if len(lambdas) == 1:
                lam = lambdas[0]
                body = ast.Return(value=lam.body)
                ast.copy_location(body, lam.body)
                node = ast.FunctionDef(name="_lambda", args=lam.args, body=[body], decorator_list=[],
                                       returns=None, type_params=[])
                ast.copy_location(node, lam)
                return ast.fix_missing_locations(node)
            break
    return None
