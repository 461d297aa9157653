"""Which calls may be removed when their result is unused: only those known to have no effect.

A call to the user's code, to ``print``, to a plotting or logging helper, or to anything srcdiff does not know
runs in the forward sweep exactly as often as in the original, whether or not its result is read.
"""

from __future__ import annotations

import ast
import builtins
import math
import types

import numpy as np

from .. import runtime

_PURE_BUILTINS = {
    getattr(builtins, name)
    for name in (
        "abs",
        "all",
        "any",
        "bool",
        "complex",
        "divmod",
        "enumerate",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "pow",
        "range",
        "reversed",
        "round",
        "slice",
        "sorted",
        "sum",
        "tuple",
        "type",
        "zip",
    )
}
_IMPURE_RUNTIME = {"setitem", "append", "pop"}
# methods that only read their object, for calls of a method of a local value whose type is not known
_PURE_METHODS = {
    "reshape",
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "std",
    "var",
    "copy",
    "transpose",
    "ravel",
    "flatten",
    "dot",
    "astype",
    "squeeze",
    "clip",
    "cumsum",
    "cumprod",
    "any",
    "all",
    "item",
    "conj",
    "argmax",
    "argmin",
    "round",
    "trace",
    "diagonal",
    "swapaxes",
    "view",
    "index",
    "count",
    "keys",
    "values",
    "items",
    "get",
}


def is_pure(function) -> bool:
    """Whether calling ``function`` (an object) neither changes nor depends on state other than its arguments."""
    if isinstance(function, np.ufunc):
        return True
    if function in _PURE_BUILTINS:
        return True
    if isinstance(function, types.BuiltinFunctionType) and function is getattr(
        math, function.__name__, None
    ):
        return True
    module = getattr(function, "__module__", None) or ""
    name = getattr(function, "__name__", "")
    if module == runtime.__name__:
        return name not in _IMPURE_RUNTIME
    if module.startswith("numpy") and not module.startswith("numpy.random"):
        return getattr(np, name, None) is function or getattr(np.linalg, name, None) is function
    return False


def call_is_pure(call: ast.Call, resolve) -> bool:
    """Whether the call ``call`` is pure; ``resolve`` maps a name or attribute chain to its object."""
    function = resolve(call.func)
    if function is not None and is_pure(function):
        return True
    # a method of a value whose type is not known here (x.reshape(...), x.sum())
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr in _PURE_METHODS
        and not isinstance(function, (types.FunctionType, types.MethodType))
    )


def has_effects(expression: ast.expr, resolve) -> bool:
    """Whether evaluating ``expression`` may do something besides computing its value."""
    return any(
        isinstance(node, ast.Call) and not call_is_pure(node, resolve)
        for node in ast.walk(expression)
    )
