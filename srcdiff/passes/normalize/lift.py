"""Local functions: a ``def`` or ``name = lambda`` inside the differentiated function is lifted.

Its free variables (the enclosing function's locals it reads) become extra parameters, passed at every call, so
it reads the same values a closure would read when called. The lifted definition stays where it was, for the
forward sweep's own calls, and it is differentiated like any other function the code calls. Lifting is the
first step of normalizing a function (``normalize`` in ``__init__.py``): every later pass meets local functions
that read only their parameters.

Before::

    def f(x, scale):
        def g(y):
            return y * scale
        return g(x) + g(2.0 * x)

After::

    def f(x, scale):
        def g(y, *, scale):
            return y * scale
        return g(x, scale=scale) + g(2.0 * x, scale=scale)
"""

from __future__ import annotations

import ast
import copy

from ...context import Context, LocalFunction
from ...errors import UnsupportedSyntaxError
from ...parsing import ParsedFunction
from ...analysis.defuse import local_names


def local_functions(body: list) -> dict:
    """Name -> the top-level ``def`` or ``name = lambda`` statement defining it."""
    found = {}
    for statement in body:
        if isinstance(statement, ast.FunctionDef):
            found[statement.name] = statement
        elif (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Lambda)
        ):
            found[statement.targets[0].id] = statement
    return found


def lift(context: Context) -> None:
    """Lift the local functions of the function being compiled (in place), and register them in ``context``."""
    parsed = context.parsed
    node = parsed.node
    definitions = local_functions(node.body)
    if not definitions:
        return
    outer_locals = local_names(node)
    lifted = {}
    extra = {}
    for name, statement in definitions.items():
        function = _as_def(name, statement)
        own = local_names(function)
        free = []
        for child in ast.walk(function):
            if (
                isinstance(child, ast.Name)
                and isinstance(child.ctx, ast.Load)
                and child.id in outer_locals
                and child.id not in own
                and child.id not in definitions
                and child.id not in free
            ):
                free.append(child.id)
        for default in function.args.defaults:
            if not isinstance(default, ast.Constant):
                raise parsed.error(
                    UnsupportedSyntaxError,
                    f"the local function {name} has a default that is not a constant",
                    default,
                    hint=f"define {name} at module level, or pass the value at each call",
                )
        # keyword-only, so that they may follow parameters with defaults
        function.args.kwonlyargs += [ast.arg(arg=variable) for variable in free]
        function.args.kw_defaults += [None] * len(free)
        lifted[name] = function
        extra[name] = free
    rewrite = _PassFreeVariables(extra, parsed)
    for name, function in lifted.items():
        function.body = [rewrite.visit(s) for s in function.body]
    node.body = [
        (
            lifted[_defined_name(s)]
            if _defined_name(s) in lifted and s is definitions[_defined_name(s)]
            else rewrite.visit(s)
        )
        for s in node.body
    ]
    ast.fix_missing_locations(node)
    for name, function in lifted.items():
        callee = ParsedFunction(
            parsed.function,
            copy.deepcopy(function),
            ast.unparse(function),
            parsed.filename,
            parsed.closure,
        )
        context.local_functions[name] = LocalFunction(callee, function, context.local_functions)


def _defined_name(statement) -> str | None:
    if isinstance(statement, ast.FunctionDef):
        return statement.name
    if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Lambda):
        return statement.targets[0].id
    return None


def _as_def(name: str, statement) -> ast.FunctionDef:
    if isinstance(statement, ast.FunctionDef):
        function = copy.deepcopy(statement)
    else:
        lam = statement.value
        body = ast.copy_location(ast.Return(value=copy.deepcopy(lam.body)), statement)
        function = ast.FunctionDef(
            name=name,
            args=copy.deepcopy(lam.args),
            body=[body],
            decorator_list=[],
            returns=None,
            type_params=[],
        )
        ast.copy_location(function, statement)
    return function


class _PassFreeVariables(ast.NodeTransformer):
    """Calls of lifted functions pass their free variables; any other use of them is refused."""

    def __init__(self, extra: dict, parsed: ParsedFunction):
        self.extra = extra
        self.parsed = parsed

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.extra:
            node.keywords = node.keywords + [
                ast.keyword(arg=v, value=ast.Name(id=v, ctx=ast.Load()))
                for v in self.extra[node.func.id]
            ]
        return node

    def visit_Name(self, node):
        return node

    def visit_FunctionDef(self, node):
        return node  # a lifted definition: its own calls were rewritten already

    def generic_visit(self, node):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.Name) and value.id in self.extra and field != "func":
                raise self.parsed.error(
                    UnsupportedSyntaxError,
                    f"srcdiff differentiates calls of the local function {value.id}, not other uses of it",
                    value,
                    hint=f"call {value.id} directly, or define it at module level",
                )
            if isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.Name) and item.id in self.extra:
                        raise self.parsed.error(
                            UnsupportedSyntaxError,
                            f"srcdiff differentiates calls of the local function {item.id}, not other uses "
                            "of it",
                            item,
                            hint=f"call {item.id} directly, or define it at module level",
                        )
        return super().generic_visit(node)
