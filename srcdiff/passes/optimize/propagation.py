"""Copy and constant propagation over a function's top level: ``b_t1 = by`` and ``by = 1.0`` are
replaced by what they copy where the replacement keeps every read's value.
"""

from __future__ import annotations

import ast

from ...analysis.defuse import parameters
from .substitution import ReplaceAll


def propagate_copies(function: ast.FunctionDef, named: frozenset = frozenset()) -> None:
    """Replace ``a`` by ``b`` after ``a = b`` where both names are assigned once (or ``b`` is a parameter);
    a copy to a name in ``named`` (one the user wrote) stays."""
    params = set(parameters(function))
    stores: dict = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, (ast.For, ast.AugAssign)):
            target = node.target
            if isinstance(target, ast.Name):
                stores[target.id] = stores.get(target.id, 0) + 1
    # alias -> the name it copies, applied to each later statement in one pass
    replacements: dict = {}
    replacer = ReplaceAll(replacements)
    for index, statement in enumerate(function.body):
        statement = function.body[index] = replacer.visit(statement)
        if not (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Name)
            and isinstance(statement.targets[0], ast.Name)
        ):
            continue
        alias, original = statement.targets[0].id, statement.value.id
        original_stores = stores.get(original, 0)
        # the original has one value throughout: a parameter never reassigned, or a local assigned once (before
        # the copy, which reads it)
        # and the alias has no value before the copy (it is not a parameter), so every read of it is replaced
        if (
            alias in params
            or alias in named
            or stores.get(alias) != 1
            or original_stores != (0 if original in params else 1)
        ):
            continue
        replacements[alias] = ast.Name(id=original, ctx=ast.Load())
        statement.value = None  # marks the copy for removal
    function.body = [
        s for s in function.body if not (isinstance(s, ast.Assign) and s.value is None)
    ]


def propagate_constants(function: ast.FunctionDef, is_adjoint) -> None:
    """Replace an adjoint assigned a number once, at the top level, by the number (``by = 1.0``); the user's
    names keep their numbers. ``is_adjoint`` tells an adjoint from other names (``Namer.is_adjoint``).
    """
    params = set(parameters(function))
    stores: dict = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif isinstance(node, ast.Nonlocal):
            for name in node.names:
                stores[name] = stores.get(name, 0) + 2  # shared with a closure: leave it alone
    replacements: dict = {}  # name -> its number, applied to each later statement in one pass
    replacer = ReplaceAll(replacements)
    for index, statement in enumerate(function.body):
        statement = function.body[index] = replacer.visit(statement)
        if not (
            isinstance(statement, ast.Assign)
            and isinstance(statement.targets[0], ast.Name)
            and isinstance(statement.value, ast.Constant)
            and type(statement.value.value) in (int, float)
        ):
            continue
        name = statement.targets[0].id
        if stores.get(name) != 1 or not is_adjoint(name) or name in params:
            continue
        replacements[name] = statement.value
        statement.value = None
    function.body = [
        s for s in function.body if not (isinstance(s, ast.Assign) and s.value is None)
    ]
