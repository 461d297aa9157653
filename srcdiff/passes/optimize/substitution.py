"""Replacing names by expressions, the step shared by propagation and inlining."""

from __future__ import annotations

import ast
import copy

from ...analysis.defuse import local_names


class ReplaceAll(ast.NodeTransformer):
    """Replace each name read that ``replacements`` maps by its expression (a copy of it, unless the expression
    moves: then it is read once)."""

    def __init__(self, replacements: dict, copy_values: bool = True):
        self.replacements = replacements
        self.copy_values = copy_values

    def visit_FunctionDef(self, node):
        # a nested function (a pullback, a local function) sees the outer names unless it binds its own
        bound = local_names(node)
        if not bound & set(self.replacements):
            return self.generic_visit(node)
        inner = ReplaceAll(
            {k: v for k, v in self.replacements.items() if k not in bound}, self.copy_values
        )
        for field in ("body",):
            setattr(node, field, [inner.visit(s) for s in getattr(node, field)])
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.replacements:
            value = self.replacements[node.id]
            return copy.deepcopy(value) if self.copy_values else value
        return node
