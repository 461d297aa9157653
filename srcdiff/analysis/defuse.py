"""Definitions and uses: which names a function binds, which a statement reads, where assignments are.

Every pass and analysis asks these questions of the code it reads; they are answered here, once.
"""

from __future__ import annotations

import ast


def reads(node: ast.AST) -> set:
    """The names ``node`` reads, the targets of augmented assignments (``n += 1``) included."""
    names = {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }
    return names | {
        n.target.id
        for n in ast.walk(node)
        if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)
    }


def stored_names(statements: list) -> set:
    """The names ``statements`` bind, the targets of augmented assignments included."""
    names = set()
    for statement in statements:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return names


def mentions(node: ast.AST, name: str) -> bool:
    """Whether ``name`` appears anywhere in ``node``."""
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def assignments(body: list):
    """Every normal-form assignment in ``body``, nested blocks included, in source order."""
    for statement in body:
        if isinstance(statement, ast.Assign):
            yield statement
        elif isinstance(statement, (ast.If, ast.For, ast.While)):
            yield from assignments(statement.body)
            yield from assignments(statement.orelse)


def parameters(function: ast.FunctionDef | ast.Lambda) -> list:
    """The names of a function's parameters, in order (no *args or **kwargs: the fence refuses them)."""
    args = function.args
    return [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]


def local_names(function: ast.AST) -> set:
    """A function's locals: its parameters and every name it assigns (nested functions' included)."""
    return {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)} | {
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
