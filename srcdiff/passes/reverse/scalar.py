"""Whether a function computes with Python numbers only, when called with Python numbers.

When one does, the compiler builds a second gradient for calls with floats only, in which every shape is
``()`` (``ReverseMode(..., scalar=True)``).
"""

from __future__ import annotations

import ast
import builtins
import math

from ...context import Context
from ...analysis.activity import Activity
from ...analysis.shapes import binary_elementwise, unary_elementwise
from ...analysis.defuse import assignments, parameters, stored_names


def scalar_closed(function: ast.FunctionDef, activity: Activity, context: Context) -> bool:
    """Whether called with Python numbers only, every value the function computes is a Python number.

    True for arithmetic, comparisons, ``math`` functions and numpy's elementwise functions on scalars; false
    as soon as anything builds or indexes an array or a sequence, or calls another function.
    """
    if _reads_free_values(function):
        return False
    for statement in assignments(function.body):
        operation = activity.operation(statement)
        if operation.kind in ("copy", "constant"):
            value = statement.value
            if isinstance(value, (ast.Tuple, ast.List, ast.Attribute, ast.Subscript)):
                return False
            if isinstance(value, ast.Constant) and not isinstance(value.value, (int, float)):
                return False  # None where a path ends without a return, a string
            if isinstance(value, ast.Call) and not _maps_scalars(context.resolve(value.func)):
                return False  # np.ones(3): a constant, but an array
            continue
        if operation.kind != "rule":
            return False
        callee = operation.callee
        if isinstance(callee, type) and issubclass(callee, ast.AST):
            if callee is ast.MatMult:
                return False
            continue
        if not _maps_scalars(callee):
            return False
    return True


def _maps_scalars(callee) -> bool:
    """Whether ``callee`` returns a Python number when given Python numbers."""
    if (
        getattr(callee, "__module__", None) == "math"
        or getattr(math, getattr(callee, "__name__", ""), None) is callee
    ):
        return True
    return (
        callee in unary_elementwise()
        or callee in binary_elementwise()
        or callee in (builtins.abs, builtins.float)
    )


def _reads_free_values(function: ast.FunctionDef) -> bool:
    """Whether the function reads a value it does not compute from its parameters: a global or a closure's
    variable (``x * W`` with an array ``W``), which may be an array whatever the arguments are.
    """
    local = set(parameters(function)) | stored_names(function.body)
    called = {
        id(part) for n in ast.walk(function) if isinstance(n, ast.Call) for part in ast.walk(n.func)
    }
    return any(
        isinstance(n, ast.Name)
        and isinstance(n.ctx, ast.Load)
        and n.id not in local
        and id(n) not in called
        for n in ast.walk(function)
    )
