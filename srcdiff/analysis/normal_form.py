"""The normal form the passes share: what ``passes/normalize`` writes and every later pass reads.

In normal form every assignment has one name for target and one operation for value, whose operands are atoms
(names and constants); conditions are kept whole; a loop with a ``break`` ends with ``if flag: break``.
"""

from __future__ import annotations

import ast
import copy

from ..vocabulary import load as _load


def is_atom(node: ast.AST) -> bool:
    """Names, constants, and tuples of constants (``(2, 3)``, ``-1``)."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return False


def is_condition(node: ast.AST) -> bool:
    """An expression whose value is a truth value: kept whole, it has no gradient."""
    return isinstance(node, (ast.Compare, ast.BoolOp)) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
    )


def index_value(index: ast.expr) -> ast.expr:
    """A subscript's index as an ordinary value: ``1:n`` becomes ``slice(1, n, None)``."""
    if isinstance(index, ast.Slice):
        parts = [
            copy.deepcopy(p) if p is not None else ast.Constant(None)
            for p in (index.lower, index.upper, index.step)
        ]
        return ast.Call(func=_load("slice"), args=parts, keywords=[])
    if isinstance(index, ast.Tuple):
        return ast.Tuple(elts=[index_value(e) for e in index.elts], ctx=ast.Load())
    return copy.deepcopy(index)


def is_loop_exit(node) -> bool:
    """``if flag: break``, the last statement of a loop body with a break (see ``_lower_jumps``)."""
    return (
        isinstance(node.test, ast.Name)
        and len(node.body) == 1
        and isinstance(node.body[0], ast.Break)
        and not node.orelse
    )
