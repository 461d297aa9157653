"""Whether a function computes with Python numbers only, when called with Python numbers.

When one does, the compiler builds a second gradient for calls with floats only, in which every shape is
``()`` (``ReverseMode(..., scalar=True)``).
"""

from __future__ import annotations

import ast
import builtins
import math

import numpy as np

from ...context import Context
from ...analysis.activity import Activity
from ...analysis.defuse import assignments

# numpy functions that map scalars to scalars
_SCALAR_NUMPY = {
    getattr(np, name)
    for name in (
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
        "power",
        "maximum",
        "minimum",
        "logaddexp",
        "arctan2",
        "hypot",
    )
}


def scalar_closed(function: ast.FunctionDef, activity: Activity, context: Context) -> bool:
    """Whether called with Python numbers only, every value the function computes is a Python number.

    True for arithmetic, comparisons, ``math`` functions and numpy's elementwise functions on scalars; false
    as soon as anything builds or indexes an array or a sequence, or calls another function.
    """
    for statement in assignments(function.body):
        operation = activity.operation(statement)
        if operation.kind in ("copy", "constant"):
            if isinstance(statement.value, (ast.Tuple, ast.List, ast.Attribute, ast.Subscript)):
                return False
            if isinstance(statement.value, ast.Constant) and not isinstance(
                statement.value.value, (int, float)
            ):
                return False  # None where a path ends without a return, a string
            continue
        if operation.kind != "rule":
            return False
        callee = operation.callee
        if isinstance(callee, type) and issubclass(callee, ast.AST):
            if callee is ast.MatMult:
                return False
            continue
        if (
            getattr(callee, "__module__", None) == "math"
            or getattr(math, getattr(callee, "__name__", ""), None) is callee
        ):
            continue
        if callee in _SCALAR_NUMPY or callee in (builtins.abs, builtins.float):
            continue
        return False
    return True
