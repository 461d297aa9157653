"""Which names hold values of the same shape: read by the reverse pass, which drops ``unbroadcast`` between
names of one shape class.
"""

from __future__ import annotations

import ast

import numpy as np

from .defuse import parameters
from .defuse import assignments


def shape_classes(function: ast.FunctionDef, context) -> dict:
    """Name -> a token shared by names known to hold values of the same shape.

    Shapes flow through elementwise operations with a Python number and through elementwise numpy functions.
    A name assigned values of different classes gets none, and nothing is derived from it.
    """
    elementwise = unary_elementwise()
    params = parameters(function)
    statements = list(assignments(function.body))
    counts: dict = {}
    for statement in statements:
        counts[statement.targets[0].id] = counts.get(statement.targets[0].id, 0) + 1
    conflicting: set = set()
    while True:
        classes = {name: name for name in params}
        new_conflicts = set()
        for _ in range(2):  # twice, so loop-carried names see their own class
            for statement in statements:
                target = statement.targets[0].id
                if target in conflicting:
                    continue
                shape = _result_class(statement.value, classes, conflicting, elementwise, context)
                if shape is None and counts[target] == 1 and target not in params:
                    shape = target  # a value of its own shape: names derived from it share it
                previous = classes.get(target)
                if shape is None or (previous is not None and previous != shape):
                    new_conflicts.add(target)
                elif previous is None:
                    classes[target] = shape
        if not new_conflicts - conflicting:
            return {name: shape for name, shape in classes.items() if name not in conflicting}
        conflicting |= new_conflicts


_ELEMENTWISE = (
    "sin",
    "cos",
    "tan",
    "exp",
    "log",
    "sqrt",
    "tanh",
    "sinh",
    "cosh",
    "square",
    "abs",
    "negative",
    "log1p",
    "expm1",
    "arcsin",
    "arccos",
    "arctan",
    "reciprocal",
    "exp2",
    "log2",
    "log10",
    "cbrt",
    "fabs",
    "arcsinh",
    "arccosh",
    "arctanh",
)


def _result_class(value, classes, conflicting, elementwise, context):
    def operand(node):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return "scalar"
        if isinstance(node, ast.Name) and node.id not in conflicting:
            return classes.get(node.id)
        return None

    if isinstance(value, ast.Name):
        return operand(value)
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, (ast.USub, ast.UAdd)):
        return operand(value.operand)
    if isinstance(value, ast.BinOp) and not isinstance(value.op, ast.MatMult):
        left, right = operand(value.left), operand(value.right)
        if left == "scalar":
            return right if right != "scalar" else None
        if right == "scalar" or left == right:
            return left
        return None
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        if context.resolve(value.func) in elementwise:
            result = operand(value.args[0])
            return None if result == "scalar" else result
    if isinstance(value, ast.Call) and len(value.args) == 2 and not value.keywords:
        if context.resolve(value.func) in binary_elementwise():
            left, right = operand(value.args[0]), operand(value.args[1])
            if left == "scalar":
                return right if right != "scalar" else None
            if right == "scalar" or left == right:
                return left
    return None


def unary_elementwise() -> frozenset:
    """numpy's functions of one array that work element by element (the result has the argument's shape)."""
    return _UNARY


def binary_elementwise() -> frozenset:
    """numpy's functions of two arrays that work element by element (and broadcast)."""
    return _BINARY


_UNARY = frozenset(getattr(np, name) for name in _ELEMENTWISE)
_BINARY = frozenset(
    {
        np.add,
        np.subtract,
        np.multiply,
        np.divide,
        np.power,
        np.maximum,
        np.minimum,
        np.logaddexp,
        np.logaddexp2,
        np.arctan2,
        np.hypot,
    }
)
