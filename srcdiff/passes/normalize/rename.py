"""Straight-line renaming: a top-level reassignment gets a fresh name (``x = x * 2`` becomes ``x_1 = x * 2``).

The last step of normalizing a function. A value that keeps its own name is never overwritten, so the reverse
pass need not save it; only names assigned inside branches and loops (and arrays updated in place, which are one
object under one name) keep theirs.
"""

from __future__ import annotations

import ast

from ...vocabulary import is_runtime_call, load, store


def rename_straight_line(body: list, params, namer) -> list:
    """Give each top-level reassignment a fresh name (``x_1``), unless the name is also assigned in a block."""
    in_blocks = set()
    for statement in body:
        if isinstance(statement, ast.Assign) and (
            is_runtime_call(statement.value, "setitem")
            or is_runtime_call(statement.value, "append")
        ):
            in_blocks.add(statement.targets[0].id)  # updated in place: one object, one name
        if isinstance(statement, (ast.If, ast.For, ast.While)):
            for child in ast.walk(statement):
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                    in_blocks.add(child.id)
    defined = set(params)
    current: dict = {}
    renamed = []
    for statement in body:
        statement = _RenameLoads(current).visit(statement)
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            name = statement.targets[0].id
            if name not in in_blocks:
                if name in defined:
                    new_name = namer.unique(name)
                    current[name] = new_name
                    statement.targets[0] = ast.copy_location(store(new_name), statement.targets[0])
                else:
                    current.pop(name, None)
                defined.add(name)
        renamed.append(statement)
    return renamed


class _RenameLoads(ast.NodeTransformer):
    """Reads of the names of ``mapping`` become reads of their current new names."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_FunctionDef(self, node):
        return node  # a lifted local function has its own names

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.mapping:
            return ast.copy_location(load(self.mapping[node.id]), node)
        return node
