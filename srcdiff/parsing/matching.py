"""Checking that a definition read from a file is the code that runs: compiling a FunctionDef or Lambda the way
Python compiled the function (its free variables as closure variables, inside its class, with its
``__future__`` flags) and comparing the code objects. A file edited after it was imported, or one of several
lambdas on a line, is told apart this way.
"""

from __future__ import annotations

import __future__

import ast
import types

_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag


def _compile_like(node, code, filename, qualname: str):
    """The code object that ``node`` (a FunctionDef or a Lambda) compiles to, its free variables as closure
    variables and inside its class (name mangling, ``super()``) the way ``code`` has them, or None where it does
    not compile."""
    inner_body = [ast.Return(value=node) if isinstance(node, ast.Lambda) else node]
    qualname = qualname.split(".")
    if (
        len(qualname) >= 2 and qualname[-2] != "<locals>"
    ):  # a method: compiled in a class of that name
        inner_body = [
            ast.ClassDef(
                name=qualname[-2],
                bases=[],
                keywords=[],
                body=inner_body,
                decorator_list=[],
                type_params=[],
            )
        ]
    outer_body = []
    if code.co_freevars:
        outer_body.append(
            ast.Assign(
                targets=[
                    ast.Name(id=v, ctx=ast.Store()) for v in code.co_freevars if v != "__class__"
                ]
                or [ast.Name(id="_", ctx=ast.Store())],
                value=ast.Constant(None),
            )
        )
    outer_body += inner_body
    outer = ast.FunctionDef(
        name="__srcdiff_outer__",
        args=ast.arguments(
            posonlyargs=[],
            args=[],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=outer_body,
        decorator_list=[],
        returns=None,
        type_params=[],
    )
    for statement in [outer] + outer_body[:-1] + [s for s in inner_body if s is not node]:
        statement.lineno, statement.end_lineno = node.lineno, node.end_lineno or node.lineno
        statement.col_offset = statement.end_col_offset = 0
    module = ast.Module(body=[outer], type_ignores=[])
    ast.fix_missing_locations(module)
    try:
        compiled = compile(
            module, filename, "exec", flags=code.co_flags & _FUTURE_FLAGS, dont_inherit=True
        )
    except (SyntaxError, ValueError, TypeError):
        return None
    found = []

    def search(container, depth):
        for constant in container.co_consts:
            if isinstance(constant, types.CodeType):
                if constant.co_name == code.co_name and depth >= 1:
                    found.append(constant)
                elif depth < 3:
                    search(constant, depth + 1)

    search(compiled, 0)
    return found[0] if len(found) == 1 else None


def _lines(code) -> set:
    return {line for _, _, line in code.co_lines() if line is not None}


def _same_constant(a, b) -> bool:
    if isinstance(a, types.CodeType) and isinstance(b, types.CodeType):
        return _same_code(a, b, strict=False)
    if (
        isinstance(a, str)
        and isinstance(b, str)
        and "<locals>" in a + b
        and (a.endswith("." + b) or b.endswith("." + a))
    ):
        # before Python 3.11 a nested function's qualified name is a constant of the function that makes it;
        # compiled again inside a helper function, it starts with that helper's name
        return True
    return type(a) is type(b) and (a == b or repr(a) == repr(b))


def _same_code(a, b, strict: bool) -> bool:
    if (
        a.co_varnames != b.co_varnames
        or len(a.co_consts) != len(b.co_consts)
        or _lines(a) != _lines(b)
    ):
        return False
    if not all(_same_constant(x, y) for x, y in zip(a.co_consts, b.co_consts)):
        return False
    if strict:
        return (
            a.co_code == b.co_code and a.co_names == b.co_names and a.co_freevars == b.co_freevars
        )
    return set(a.co_names) | set(a.co_freevars) == set(b.co_names) | set(b.co_freevars)


def _matching(code, nodes: list, filename: str, qualname: str | None = None) -> list:
    """The nodes (FunctionDef or Lambda) that compile to ``code``: those that match it exactly if any, else
    those that match it in names, constants and lines."""
    qualname = qualname or getattr(code, "co_qualname", None) or code.co_name
    compiled = [(node, _compile_like(node, code, filename, qualname)) for node in nodes]
    for strict in (True, False):
        found = [
            node
            for node, candidate in compiled
            if candidate is not None and _same_code(candidate, code, strict)
        ]
        if found:
            return found
    return []
