"""Fewer statements for the same computation: accumulations fused into one assignment, and forward-sweep
temporaries read once folded into the statement that reads them.
"""

from __future__ import annotations

import ast

from .substitution import ReplaceAll


def fuse_accumulations(body: list) -> list:
    """``a = e1`` followed by ``a = a + e2`` (e2 not reading a) is ``a = e1 + e2``, in every block."""
    fused = []
    for statement in body:
        for field in ("body", "orelse"):
            if isinstance(statement, (ast.If, ast.For, ast.While)):
                setattr(statement, field, fuse_accumulations(getattr(statement, field)))
        previous = fused[-1] if fused else None
        if (
            _accumulates(statement)
            and isinstance(previous, ast.Assign)
            and isinstance(previous.targets[0], ast.Name)
            and previous.targets[0].id == statement.targets[0].id
        ):
            previous.value = ast.BinOp(
                left=previous.value, op=ast.Add(), right=statement.value.right
            )
            continue
        fused.append(statement)
    return fused


def _accumulates(statement) -> bool:
    """``a = a + e`` where ``e`` does not read ``a``."""
    if not (isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name)):
        return False
    value, name = statement.value, statement.targets[0].id
    return (
        isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Add)
        and isinstance(value.left, ast.Name)
        and value.left.id == name
        and not any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(value.right))
    )


def inline_single_use(body: list, protected: set) -> list:
    """Fold a forward-sweep temporary read exactly once, by the very next statement, into that statement (in one
    pass: a chain ``a = e; b = f(a); c = g(b)`` becomes ``c = g(f(e))``)."""
    loads: dict = {}
    stores: dict = {}
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name):
                counter = loads if isinstance(node.ctx, ast.Load) else stores
                counter[node.id] = counter.get(node.id, 0) + 1
    out: list = []
    for statement in body:
        while out and _folds_into(out[-1], statement, loads, stores, protected):
            previous = out.pop()
            # the temporary is gone: its expression moves, uncopied
            statement.value = ReplaceAll(
                {previous.targets[0].id: previous.value}, copy_values=False
            ).visit(statement.value)
        out.append(statement)
    return out


def _folds_into(previous, statement, loads: dict, stores: dict, protected: set) -> bool:
    """Whether ``previous`` assigns a temporary that ``statement`` alone reads, and can move into it."""
    if not (
        isinstance(previous, ast.Assign)
        and isinstance(previous.targets[0], ast.Name)
        and isinstance(statement, ast.Assign)
    ):
        return False
    name = previous.targets[0].id
    return (
        name not in protected
        and loads.get(name) == 1
        and stores.get(name) == 1
        and isinstance(previous.value, (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript))
        and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(statement.value))
    )
