"""Constant folding and algebraic identities on expressions: ``3 - 1`` is ``2``, ``x ** 1`` is ``x``,
``g * 1.0`` is ``g``, ``3 == 0`` is False.

The optimiser's first clean-up after constant propagation; it runs on the whole gradient function.
"""

from __future__ import annotations

import ast
import copy
import operator

_FOLD = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


class Simplify(ast.NodeTransformer):
    """Constant folding and identities on expressions.

    An identity never turns the value of an assignment to one of the user's names (``primal``) into a bare
    name: ``v = x * 1.0`` is a new array in numpy, which the code after it may update in place."""

    def __init__(self, primal: frozenset = frozenset()):
        self.primal = primal

    def visit_Assign(self, node):
        original = node.value
        target = node.targets[0] if len(node.targets) == 1 else None
        if (
            isinstance(target, ast.Name)
            and target.id in self.primal
            and not isinstance(original, ast.Name)
        ):
            original = copy.deepcopy(original)
            self.generic_visit(node)
            if isinstance(node.value, ast.Name):
                node.value = original
            return node
        return self.generic_visit(node)

    def visit_Compare(self, node):
        """``3 == 0`` is False (rules guard a power's exponent with ``y == 0``)."""
        self.generic_visit(node)
        operands = [node.left] + node.comparators
        if (
            len(node.ops) == 1
            and type(node.ops[0]) in _COMPARE
            and all(
                isinstance(n, ast.Constant) and type(n.value) in (int, float, bool)
                for n in operands
            )
        ):
            value = _COMPARE[type(node.ops[0])](node.left.value, node.comparators[0].value)
            return ast.copy_location(ast.Constant(value), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        left, right = node.left, node.right
        if (
            isinstance(left, ast.Constant)
            and isinstance(right, ast.Constant)
            and type(node.op) in _FOLD
        ):
            if isinstance(left.value, (int, float)) and isinstance(right.value, (int, float)):
                try:
                    value = _FOLD[type(node.op)](left.value, right.value)
                    if type(value) is bool:  # 1 + (2 == 0)
                        value = int(value)
                    return ast.copy_location(ast.Constant(value), node)
                except (ArithmeticError, ValueError):
                    return node
        if isinstance(node.op, ast.Pow) and _is_number(right, 1):
            return left
        if isinstance(node.op, (ast.Add, ast.Sub)) and _is_number(right, 0):
            return left
        if isinstance(node.op, ast.Add) and _is_number(left, 0):
            return right
        if isinstance(node.op, ast.Sub) and _is_number(left, 0):
            return ast.copy_location(ast.UnaryOp(op=ast.USub(), operand=right), node)
        if isinstance(node.op, ast.Mult):
            if _is_number(right, 1):
                return left
            if _is_number(left, 1):
                return right
        if isinstance(node.op, ast.Div) and _is_number(right, 1):
            return left
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if (
            isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.UnaryOp)
            and isinstance(node.operand.op, ast.USub)
        ):
            return node.operand.operand
        return node


def _is_number(node, value) -> bool:
    return (
        isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == value
    )
